/*
 * maildrop-quota: the -w quota warning.  The Maildir++ quota itself
 * (maildirsize, folders, recalculation) is lib/quota; this part only
 * drops the warning message: after a delivery into a maildir (or a
 * refusal because it is full) whose quota is at least -w percent used,
 * once a day (the quotawarn file), the template (-W, default
 * /etc/quotawarnmsg, or QMAILHOME/etc/quotawarnmsg in sandbox mode) is
 * delivered into the top-level maildir with a Date: and a Message-Id:
 * in front, and charged to the quota.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "maildir.h"
#include "maildrop.h"
#include "quota.h"

void md_quota_warn(struct md_ctx *c, const char *maildir)
{
    str tmpl = STR_INIT, body = STR_INIT, text = STR_INIT, top = STR_INIT;
    time_t now = time(NULL);
    int pct = 0;
    if (!c->warn_pct || c->explain) return;
    if (quota_percent(maildir, now, &pct) < 0 || pct < c->warn_pct) return;
    if (c->warn_file) {
        if (str_copys(&tmpl, c->warn_file) < 0) goto out;
    } else if (c->sandbox) {
        if (str_copys(&tmpl, c->qmailhome) < 0 || str_cats(&tmpl, "/etc/quotawarnmsg") < 0) goto out;
    } else if (str_copys(&tmpl, "/etc/quotawarnmsg") < 0) {
        goto out;
    }
    if (fs_read_file(tmpl.s, &body, 1024 * 1024) < 0) goto out;   /* no template: no warning */
    if (quota_warn_due(maildir, now) != 1) goto out;
    {
        char date[64], host[256];
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
        if (gethostname(host, sizeof host) < 0) strcpy(host, "localhost");
        host[sizeof host - 1] = 0;
        if (str_catf(&text, "Date: %s\nMessage-Id: <%lld.overquota@%s>\n", date, (long long)now, host) < 0 ||
            str_cat(&text, &body) < 0)
            goto out;
    }
    if (quota_topdir(&top, maildir) < 0) goto out;
    {
        maildir_tmp t = MAILDIR_TMP_INIT;
        if (maildir_tmp_open(&t, top.s, &c->mdcounter) != MAILDIR_OK) goto out;
        if (maildir_tmp_write(&t, text.s, text.len) != MAILDIR_OK) {
            maildir_tmp_abort(&t);
            goto out;
        }
        if (maildir_tmp_commit(&t, MAILDIR_SIZE, NULL) != MAILDIR_OK) goto out;
        (void)quota_charge(top.s, (int64_t)text.len, 1, now);
    }
    md_debug(c, 1, "Quota warning delivered to %s", top.s);
out:
    str_free(&tmpl);
    str_free(&body);
    str_free(&text);
    str_free(&top);
}
