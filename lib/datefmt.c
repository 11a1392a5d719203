/* datefmt: qmail's date formats.  See datefmt.h. */
#include "datefmt.h"

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

int datefmt_822(str *out, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return str_cats(out, "1 Jan 1970 00:00:00 -0000");
    return str_catf(out, "%d %s %d %02d:%02d:%02d -0000", tm.tm_mday, months[tm.tm_mon],
                    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int datefmt_ctime(str *out, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return str_cats(out, "Thu Jan 01 00:00:00 1970");
    return str_catf(out, "%s %s %02d %02d:%02d:%02d %d", days[tm.tm_wday], months[tm.tm_mon],
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

int datefmt_qread(str *out, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return str_cats(out, "1 Jan 1970 00:00:00 GMT");
    return str_catf(out, "%d %s %d %02d:%02d:%02d GMT", tm.tm_mday, months[tm.tm_mon],
                    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
