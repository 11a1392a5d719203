/* reply: messages written by the list software.  See reply.h. */
#include "reply.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "datefmt.h"
#include "enc.h"
#include "ezmsg.h"
#include "hdr.h"
#include "surf.h"

static void put(reply *r, const char *s, size_t len) { qq_put(&r->q, s, len); }
static void puts_(reply *r, const char *s) { qq_put(&r->q, s, strlen(s)); }

/* header text made safe: one line, no control bytes */
static void put_line(reply *r, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
        put(r, &c, 1);
    }
}

int reply_start(reply *r, const listdir *ld, const struct reply_head *h)
{
    str t = STR_INIT, listid = STR_INIT;
    text_vars v = TEXT_VARS_INIT;
    const char *local = h->local ? h->local : ld->outlocal.s;
    time_t now = time(NULL);
    int ret = -1;

    r->ld = ld;
    r->enc = h->plain ? 0 : ld->encoding;
    r->text.len = 0;
    r->bnd.len = 0;
    r->copying = 0;
    r->mime = !h->plain && (r->enc || h->attach);
    if (ezmsg_qq_start(&r->q, ld) < 0) return -1;
    r->running = 1;

    /* Mailing-List and List-Id */
    v.local = local;
    if (text_msg(&t, ld, "TXT_MAILING_LIST", &v) < 0) goto done;
    if (str_equals(&t, "TXT_MAILING_LIST")) {
        t.len = 0;
        if (str_catf(&t, "contact %s-help@%s; run by ezmlm", ld->outlocal.s, ld->outhost.s) < 0) goto done;
    }
    if (str_catc(&t, 0) < 0) goto done;
    puts_(r, "Mailing-List: ");
    put_line(r, t.s);
    puts_(r, "\n");
    if (text_conf(&listid, ld, "listid", &v) < 0) goto done;
    puts_(r, "List-Id: ");
    if (listid.len) put_line(r, listid.s);
    else {
        puts_(r, "<");
        put_line(r, ld->outlocal.s);
        puts_(r, ".");
        put_line(r, ld->outhost.s);
        puts_(r, ">");
    }
    puts_(r, "\n");
    if (h->listheaders) {
        t.len = 0;
        if (str_catf(&t, "List-Help: <mailto:%s-help@%s>\nList-Post: <mailto:%s@%s>\n"
                         "List-Subscribe: <mailto:%s-subscribe@%s>\n",
                     local, ld->outhost.s, ld->outlocal.s, ld->outhost.s, local, ld->outhost.s) < 0)
            goto done;
        put(r, t.s, t.len);
    }
    t.len = 0;
    if (str_cats(&t, "Date: ") < 0 || datefmt_822(&t, now) < 0 ||
        str_catf(&t, "\nMessage-ID: <%lu.%lu.ezmlm@%s>\n", (unsigned long)now,
                 (unsigned long)getpid(), ld->outhost.s) < 0)
        goto done;
    put(r, t.s, t.len);
    if (r->mime) {
        char hash[SURF_HASHLEN + 1];
        str id = STR_INIT;
        if (str_catf(&id, "%lu.%lu.ezmlm@%s", (unsigned long)now, (unsigned long)getpid(),
                     ld->outhost.s) < 0 ||
            str_catc(&id, 0) < 0) {
            str_free(&id);
            goto done;
        }
        surf_makehash(hash, id.s, id.len);
        str_free(&id);
        if (str_copys(&r->bnd, hash) < 0) goto done;
    }
    puts_(r, "From: ");
    put_line(r, h->from);
    puts_(r, "\nTo: ");
    t.len = 0;
    if (addr_quote(&t, h->to, strlen(h->to)) < 0 || str_catc(&t, 0) < 0) goto done;
    put_line(r, t.s);
    puts_(r, "\n");
    if (h->responder) {
        puts_(r, "Delivered-To: responder for ");
        put_line(r, ld->outlocal.s);
        puts_(r, "@");
        put_line(r, ld->outhost.s);
        puts_(r, "\n");
    }
    if (h->reqhead) {
        hdr_iter it;
        hdr_field f;
        int k;
        hdr_iter_init(&it, h->reqhead, h->reqheadlen);
        while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
            if (k != HDR_FIELD || !(hdr_is(&f, "Delivered-To") || hdr_is(&f, "Received"))) continue;
            put(r, f.raw, f.raw_len);
            if (!f.raw_len || f.raw[f.raw_len - 1] != '\n') puts_(r, "\n");
        }
    }
    puts_(r, "MIME-Version: 1.0\n");
    if (r->mime) {
        puts_(r, "Content-Type: multipart/");
        puts_(r, h->multipart ? h->multipart : "mixed");
        puts_(r, "; boundary=");
        put(r, r->bnd.s, r->bnd.len);
    } else {
        puts_(r, "Content-Type: text/plain; charset=");
        put_line(r, ld->charset.s);
    }
    puts_(r, "\n");
    if (h->replyto) {
        puts_(r, "Reply-To: ");
        put_line(r, h->replyto);
        puts_(r, "\n");
    }
    if (h->extra) puts_(r, h->extra);
    puts_(r, "Subject: ");
    if (enc_needs(h->subject, strlen(h->subject))) {
        t.len = 0;
        if (enc_2047(&t, h->subject, strlen(h->subject), ld->charset.s, 9) < 0) goto done;
        put(r, t.s, t.len);
    } else {
        put_line(r, h->subject);
    }
    puts_(r, "\n\n");
    ret = 0;
done:
    str_free(&t);
    str_free(&listid);
    if (ret < 0) reply_abort(r);
    return ret;
}

int reply_file(reply *r, const char *name, const text_vars *v)
{
    return text_file(&r->text, r->ld, name, v);
}

int reply_add(reply *r, const char *s, size_t len) { return str_catb(&r->text, s, len); }
int reply_adds(reply *r, const char *s) { return str_cats(&r->text, s); }

/* writes the collected text part */
static int flush_text(reply *r)
{
    str e = STR_INIT;
    if (r->mime && !r->enc) {
        if (str_cats(&e, "--") < 0 || str_cat(&e, &r->bnd) < 0 ||
            str_cats(&e, "\nContent-Type: text/plain; charset=") < 0 ||
            str_cat(&e, &r->ld->charset) < 0 || str_cats(&e, "\n\n") < 0)
            goto fail;
        put(r, e.s, e.len);
        str_free(&e);
    }
    if (!r->enc) {
        put(r, r->text.s ? r->text.s : "", r->text.len);
        if (r->mime && r->text.len && r->text.s[r->text.len - 1] != '\n') puts_(r, "\n");
        r->text.len = 0;
        return 0;
    }
    if (str_cats(&e, "--") < 0 || str_cat(&e, &r->bnd) < 0 ||
        str_cats(&e, "\nContent-Type: text/plain; charset=") < 0 || str_cat(&e, &r->ld->charset) < 0 ||
        str_cats(&e, r->enc == 'B' ? "\nContent-Transfer-Encoding: base64\n\n"
                                   : "\nContent-Transfer-Encoding: quoted-printable\n\n") < 0)
        goto fail;
    if ((r->enc == 'B' ? enc_b64(&e, r->text.s ? r->text.s : "", r->text.len)
                       : enc_qp(&e, r->text.s ? r->text.s : "", r->text.len)) < 0)
        goto fail;
    if (e.len && e.s[e.len - 1] != '\n' && str_catc(&e, '\n') < 0) goto fail;
    put(r, e.s, e.len);
    r->text.len = 0;
    str_free(&e);
    return 0;
fail:
    str_free(&e);
    return -1;
}

int reply_copy_begin(reply *r)
{
    if (r->copying) return 0;
    if (!r->mime) {
        if (flush_text(r) < 0) return -1;
        r->copying = 1;
        return 0;
    }
    return reply_part(r, "Content-Type: message/rfc822\n");
}

int reply_part(reply *r, const char *head)
{
    if (!r->copying) {
        if (flush_text(r) < 0) return -1;
        r->copying = 1;
    } else {
        puts_(r, "\n");
    }
    puts_(r, "--");
    put(r, r->bnd.s, r->bnd.len);
    puts_(r, "\n");
    puts_(r, head);
    puts_(r, "\n");
    return 0;
}

void reply_copy(reply *r, const char *s, size_t len) { put(r, s, len); }

int reply_finish(reply *r, const char *sender, const char *const *rcpts, size_t nrcpts, str *why)
{
    size_t i;
    int ret;
    if (!r->copying && flush_text(r) < 0) {
        reply_abort(r);
        return str_copys(why, "out of memory (#4.3.0)"), 'Z';
    }
    if (r->mime) {
        puts_(r, "\n--");
        put(r, r->bnd.s, r->bnd.len);
        puts_(r, "--\n");
    }
    qq_from(&r->q, sender);
    for (i = 0; i < nrcpts; i++) qq_to(&r->q, rcpts[i]);
    r->running = 0;
    ret = qq_finish(&r->q, why);
    return ret;
}

void reply_abort(reply *r)
{
    if (r->running) {
        qq_abort(&r->q);
        r->running = 0;
    }
}

void reply_free(reply *r)
{
    reply_abort(r);
    str_free(&r->text);
    str_free(&r->bnd);
}
