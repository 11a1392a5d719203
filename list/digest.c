/* digest: collections of archived messages.  See digest.h. */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "archive.h"
#include "hdr.h"
#include "msgin.h"
#include "text.h"

/* the fields kept when DIR/digheaders does not exist */
static const char default_keep[] =
    "From\0To\0Subject\0Reply-To\0Date\0Message-ID\0Cc\0MIME-Version\0Content-Type\0"
    "Content-Transfer-Encoding\0";

int digest_date(str *out, long t)
{
    static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) return str_cats(out, "?");
    return str_catf(out, "%d %s %d", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900);
}

struct item {
    archive_entry e;
    size_t thread;   /* index of the first item of its thread */
};

static void items_free(struct item *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) archive_entry_free(&v[i].e);
    free(v);
}

/* the messages of the spec, in numeric order */
static int gather(const listdir *ld, const struct digest_spec *s, struct item **out, size_t *nout)
{
    archive_index ix = ARCHIVE_INDEX_INIT;
    struct item *v = NULL;
    size_t n = 0, cap = 0, i, j;
    unsigned long k = s->lo;
    int more = s->lo && s->lo <= s->hi;
    for (; more; k++) {
        int fd, r;
        more = k < s->hi;
        if (s->max && n >= s->max) break;
        if ((fd = archive_open(ld, k)) < 0) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            goto fail;
        }
        close(fd);
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct item *nv = realloc(v, nc * sizeof *v);
            if (!nv) goto fail;
            v = nv;
            cap = nc;
        }
        memset(&v[n], 0, sizeof v[n]);
        r = archive_entry_get(ld, k, &ix, &v[n].e);
        if (r < 0) { archive_entry_free(&v[n].e); goto fail; }
        v[n].e.n = k;
        if (s->thread && strcmp(v[n].e.hash, s->thread)) {
            archive_entry_free(&v[n].e);
            continue;
        }
        n++;
    }
    /* threads: each item points at the first item with its hash */
    for (i = 0; i < n; i++) {
        v[i].thread = i;
        for (j = 0; j < i; j++)
            if (v[j].thread == j && v[j].e.hash[0] && !strcmp(v[j].e.hash, v[i].e.hash)) {
                v[i].thread = j;
                break;
            }
    }
    archive_index_free(&ix);
    *out = v;
    *nout = n;
    return 0;
fail:
    archive_index_free(&ix);
    items_free(v, n);
    return -1;
}

/* the order of output: grouped by thread, or numeric */
static size_t *order(const struct item *v, size_t n, int numeric)
{
    size_t *o = malloc((n ? n : 1) * sizeof *o), i, j, k = 0;
    if (!o) return NULL;
    for (i = 0; i < n; i++) {
        if (numeric) { o[k++] = i; continue; }
        if (v[i].thread != i) continue;
        for (j = i; j < n; j++)
            if (v[j].thread == i) o[k++] = j;
    }
    return o;
}

static int toc(str *t, const listdir *ld, const struct item *v, const size_t *o, size_t n)
{
    text_vars tv = TEXT_VARS_INIT;
    char num[32];
    size_t i;
    for (i = 0; i < n; i++) {
        const struct item *it = &v[o[i]];
        if (it->thread == o[i]) {
            if (str_catc(t, '\n') < 0) return -1;
            if (it->e.subject.len ? str_cat(t, &it->e.subject) < 0 : str_cats(t, "(no subject)") < 0) return -1;
            if (str_catc(t, '\n') < 0) return -1;
        }
        snprintf(num, sizeof num, "%lu", it->e.n);
        tv.param[1] = it->e.author.s ? it->e.author.s : "";
        if (str_catf(t, "\t%s ", num) < 0 || text_msg(t, ld, "TXT_BY", &tv) < 0 ||
            str_catc(t, '\n') < 0)
            return -1;
    }
    return 0;
}

/* RFC 1153: the header fields kept, in this order */
static const char *const rfc1153_fields[] = { "Date", "To", "From", "Cc", "Subject", "Message-ID", "Keywords" };
#define RFC1153_DASHES30 "------------------------------"

/* writes archived message n: as a message/rfc822 part keeping the fields
 * named in keep (all of them with allhead), or for rfc1153 as a plain
 * entry with its RFC 1153 fields in order; 0 (also when it vanished), -1 */
static int put_message(reply *r, const listdir *ld, unsigned long n, const str *keep, int allhead, int rfc1153)
{
    msgin m = MSGIN_INIT;
    str head = STR_INIT, piece = STR_INIT;
    hdr_iter it;
    hdr_field f;
    size_t i;
    int fd, k, start, ret = -1;
    char last = '\n';
    if ((fd = archive_open(ld, n)) < 0) return errno == ENOENT ? 0 : -1;
    if (msgin_open(&m, fd, 0) < 0) goto done;
    if (rfc1153) {
        for (i = 0; i < sizeof rfc1153_fields / sizeof rfc1153_fields[0]; i++) {
            hdr_iter_init(&it, m.head.s, m.head.len);
            if (hdr_find(&it, rfc1153_fields[i], &f) != HDR_FIELD) continue;
            reply_copy(r, f.raw, f.raw_len);
            if (!f.raw_len || f.raw[f.raw_len - 1] != '\n') reply_copy(r, "\n", 1);
        }
    } else {
        if (str_catf(&head, "Content-Type: message/rfc822\nContent-Disposition: inline; filename=\"%s_%lu.eml\"\n",
                     ld->outlocal.s, n) < 0 ||
            str_catc(&head, 0) < 0)
            goto done;
        if (reply_part(r, head.s) < 0) goto done;
        hdr_iter_init(&it, m.head.s, m.head.len);
        while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
            if (k != HDR_FIELD) continue;
            if (!allhead && !listdir_conf_has(keep, f.name, f.name_len)) continue;
            reply_copy(r, f.raw, f.raw_len);
            if (!f.raw_len || f.raw[f.raw_len - 1] != '\n') reply_copy(r, "\n", 1);
        }
    }
    reply_copy(r, "\n", 1);
    while ((k = msgin_piece(&m, &piece, MSGIN_PIECE, &start)) > 0) {
        /* RFC 1153: a body line that would read as a separator is stuffed (RFC 934) */
        if (rfc1153 && start && piece.len >= 30 && !memcmp(piece.s, RFC1153_DASHES30, 30)) reply_copy(r, "- ", 2);
        reply_copy(r, piece.s, piece.len);
        last = piece.s[piece.len - 1];
    }
    if (k < 0) goto done;
    if (last != '\n') reply_copy(r, "\n", 1);
    ret = 0;
done:
    msgin_free(&m);
    close(fd);
    str_free(&head);
    str_free(&piece);
    return ret;
}

int digest_write(reply *r, const listdir *ld, struct digest_spec *s, size_t *count)
{
    struct item *v = NULL;
    size_t n = 0, i, *o = NULL;
    str keep = STR_INIT, t = STR_INIT;
    text_vars tv = TEXT_VARS_INIT;
    char a[32], b[32];
    long k;
    int numeric = s->format == 'n', allhead = s->format == 'v' || s->format == 'n';
    int rfc1153 = s->format == 'r', started = 0, e;

    if (gather(ld, s, &v, &n) < 0) return -1;
    if (!(o = order(v, n, numeric))) goto fail;
    if (!allhead) {
        int k = listdir_conf(ld, "digheaders", &keep);
        if (k == CTL_ERR) goto fail;
        if (k == CTL_MISSING && str_copyb(&keep, default_keep, sizeof default_keep - 1) < 0) goto fail;
    }
    s->head.attach = rfc1153 ? 0 : 1;
    s->head.plain = rfc1153;
    s->head.multipart = s->format == 'x' ? "mixed" : "digest";
    if (reply_start(r, ld, &s->head) < 0) goto fail;
    started = 1;
    tv.local = s->local;
    if (str_cats(&t, s->title) < 0 || str_catc(&t, '\n') < 0) goto fail;
    if (s->topics && n) {
        snprintf(a, sizeof a, "%lu", v[0].e.n);
        snprintf(b, sizeof b, "%lu", v[n - 1].e.n);
        tv.param[1] = a;
        tv.param[2] = b;
        if (str_catc(&t, '\n') < 0 || text_msg(&t, ld, "TXT_TOP_TOPICS", &tv) < 0 || str_cats(&t, ":\n") < 0)
            goto fail;
        tv.param[1] = tv.param[2] = NULL;
    }
    if (!numeric && toc(&t, ld, v, o, n) < 0) goto fail;
    if (str_catc(&t, '\n') < 0 || text_msg(&t, ld, "TXT_ADMINISTRIVIA", &tv) < 0 || str_cats(&t, "\n\n") < 0)
        goto fail;
    if (reply_add(r, t.s, t.len) < 0) goto fail;
    if (s->isdigest) {
        if (reply_file(r, "digest", &tv) == CTL_ERR) goto fail;
    } else {
        if (!s->omitbottom && reply_file(r, "bottom", &tv) == CTL_ERR) goto fail;
        if (s->reqhead) {
            t.len = 0;
            if (str_cats(&t, "Return-Path: <") < 0 ||
                (s->sender && addr_quote(&t, s->sender, strlen(s->sender)) < 0) || str_cats(&t, ">\n") < 0 ||
                str_catb(&t, s->reqhead, s->reqheadlen) < 0 || reply_add(r, t.s, t.len) < 0)
                goto fail;
        }
    }
    if (rfc1153) {
        /* RFC 1153: 70 dashes after the preamble, 30 between messages */
        if (reply_copy_begin(r) < 0) goto fail;
        reply_copy(r, "\n" RFC1153_DASHES30 RFC1153_DASHES30 "----------\n", 72);
        for (i = 0; i < n; i++) {
            if (i) reply_copy(r, "\n" RFC1153_DASHES30 "\n", 32);
            reply_copy(r, "\n", 1);
            if (put_message(r, ld, v[o[i]].e.n, &keep, 1, 1) < 0) goto fail;
        }
        t.len = 0;
        if (str_cats(&t, "\n" RFC1153_DASHES30 "\n\nEnd of ") < 0 || str_cat(&t, &ld->outlocal) < 0 ||
            str_cats(&t, " Digest\n") < 0)
            goto fail;
        k = t.len - 33;  /* the length of "End of LIST Digest" */
        for (i = 0; i + 1 < (size_t)k; i++)
            if (str_catc(&t, '*') < 0) goto fail;
        if (str_catc(&t, '\n') < 0) goto fail;
        reply_copy(r, t.s, t.len);
    }
    for (i = 0; i < n && !rfc1153; i++)
        if (put_message(r, ld, v[o[i]].e.n, &keep, allhead, 0) < 0) goto fail;
    *count = n;
    items_free(v, n);
    free(o);
    str_free(&keep);
    str_free(&t);
    return 0;
fail:
    e = errno;
    if (started) reply_abort(r);
    items_free(v, n);
    free(o);
    str_free(&keep);
    str_free(&t);
    errno = e;
    return -1;
}
