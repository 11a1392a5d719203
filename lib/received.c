/* received: qmail's Received line for network servers.  See received.h. */
#include "received.h"

#include "datefmt.h"

static int safe(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    switch (c) {
    case '.': case '@': case '%': case '+': case '/': case '=': case ':': case '-':
    case '[': case ']':
        return 1;
    default:
        return 0;
    }
}

static int catsafe(str *out, const char *s)
{
    if (!s) s = "unknown";
    for (; *s; s++)
        if (str_catc(out, safe((unsigned char)*s) ? *s : '?') < 0) return -1;
    return 0;
}

int received_fmt(str *out, const char *protocol, const char *local, const char *remoteip,
                 const char *remotehost, const char *remoteinfo, const char *helo,
                 time_t when)
{
    size_t mark = out->len;
    if (str_cats(out, "Received: from ") < 0 || catsafe(out, remotehost) < 0) goto fail;
    if (helo && (str_cats(out, " (HELO ") < 0 || catsafe(out, helo) < 0 || str_catc(out, ')') < 0))
        goto fail;
    if (str_cats(out, " (") < 0) goto fail;
    if (remoteinfo && (catsafe(out, remoteinfo) < 0 || str_catc(out, '@') < 0)) goto fail;
    if (catsafe(out, remoteip) < 0 || str_cats(out, ")\n  by ") < 0 || catsafe(out, local) < 0
        || str_cats(out, " with ") < 0 || str_cats(out, protocol ? protocol : "unknown") < 0
        || str_cats(out, "; ") < 0 || datefmt_822(out, when) < 0 || str_catc(out, '\n') < 0)
        goto fail;
    return 0;
fail:
    if (out->s) str_truncate(out, mark);
    return -1;
}
