/*
 * ezmlm-moderate: a moderator's answer to a moderation request
 * (DIR/moderator, .qmail-LIST-accept-default and -reject-default).
 *
 *   ezmlm-moderate [-cCmMrRvV] [-t replyto] DIR [program [arg ...]]
 *
 * DEFAULT is WHEN.PID.COOKIE (see list/modq.h).  Accepting pipes the post
 * stored in DIR/mod/pending/WHEN.PID to ezmlm-send (or program) with
 * SENDER set to its Return-Path; rejecting sends it back to its author
 * with text/mod-reject and the moderator's comment (the lines between two
 * lines holding "%%%" in their first five characters).  See
 * ezmlm-moderate(1).  Exit 0, 100 or 111.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "enc.h"
#include "modq.h"
#include "msgin.h"

static const char *prog = "ezmlm-moderate";

#define BODY_MAX (256u * 1024u)   /* body bytes searched for the comment */

/* the first '%%%' within the first five bytes of a line: its offset, or -1 */
static long mark(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i + 3 <= len && i < 3; i++)
        if (!memcmp(s + i, "%%%", 3)) return (long)i;
    return -1;
}

/* the comment of body[0..len) into out: the lines after the first mark
 * line up to the next, with the quote characters before the first
 * mark removed from each */
static int comment(const char *s, size_t len, str *out)
{
    const char *end = s + len, *quote = NULL;
    size_t qlen = 0;
    int in = 0;
    str c = STR_INIT;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t l = nl ? (size_t)(nl + 1 - s) : (size_t)(end - s);
        long m = mark(s, l);
        if (m >= 0) {
            if (in) {
                int r = str_cat(out, &c);
                str_free(&c);
                return r;
            }
            in = 1;
            quote = s;
            qlen = (size_t)m;
        } else if (in) {
            const char *t = s;
            size_t tl = l;
            if (qlen && tl >= qlen && !memcmp(t, quote, qlen)) {
                t += qlen;
                tl -= qlen;
            }
            if (str_catb(&c, t, tl) < 0) {
                str_free(&c);
                return -1;
            }
            if (!nl && str_catc(&c, '\n') < 0) return -1;
        }
        s += l;
    }
    str_free(&c);
    return 0;  /* no end mark: no comment */
}

static void reject(struct modq_answer_ctx *c)
{
    msgin m = MSGIN_INIT;
    str body = STR_INIT, piece = STR_INIT, dec = STR_INIT, v = STR_INIT, cm = STR_INIT, from = STR_INIT;
    const str *b = &body;
    int start, r;

    if (!*c->sender.s || !strchr(c->sender.s, '@')) {
        fprintf(stderr, "%s: info: the post has no return address; not returned\n", prog);
        return;
    }
    if (msgin_open(&m, 0, 0) == 0) {
        while (body.len < BODY_MAX && (r = msgin_piece(&m, &piece, MSGIN_PIECE, &start)) > 0)
            if (str_cat(&body, &piece) < 0) die_nomem(prog);
        if (msgin_field(&m, "Content-Transfer-Encoding", &v) == 1) {
            if (case_starts(v.s, v.len, "base64")) {
                if (enc_unb64(&dec, body.s ? body.s : "", body.len) == 0) b = &dec;
            } else if (case_starts(v.s, v.len, "quoted-printable")) {
                if (enc_unqp(&dec, body.s ? body.s : "", body.len) == 0) b = &dec;
            }
        }
        if (comment(b->s ? b->s : "", b->len, &cm) < 0) die_nomem(prog);
    } else if (errno != EFBIG) {
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (str_catf(&from, "%s-owner@%s", c->ld.outlocal.s, c->ld.outhost.s) < 0) die_nomem(prog);
    modq_return_post(prog, &c->ld, c->fd, c->sender.s, from.s, c->replyto, "mod-reject",
                     cm.s, cm.len, c->attach);
    msgin_free(&m);
    str_free(&body);
    str_free(&piece);
    str_free(&dec);
    str_free(&v);
    str_free(&cm);
    str_free(&from);
}

int main(int argc, char **argv)
{
    modq_answer(MODQ_MOD, prog, argc, argv, reject);
}
