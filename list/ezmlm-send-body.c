/* ezmlm-send: copying the body -- MIME part removal and the trailer.
 * See ezmlm-send.h. */
#include <string.h>

#include "enc.h"
#include "ezmlm-send.h"
#include "hdr.h"
#include "text.h"

#define PARTHDR_MAX (64u * 1024)

enum { PRE, PARTHDR, PARTBODY, EPI };

static int is_blank(const str *l)
{
    return (l->len == 1 && l->s[0] == '\n') || (l->len == 2 && l->s[0] == '\r' && l->s[1] == '\n');
}

/* keep a part whose header (after its boundary line) is h[0..len)? */
static int keep_part(const send_body *b, const char *h, size_t len)
{
    hdr_iter it;
    hdr_field f;
    str v = STR_INIT, type = STR_INIT;
    int keep = 1;
    hdr_iter_init(&it, h, len);
    if (hdr_find(&it, "Content-Type", &f)) {
        if (hdr_value(&v, &f) == 0 && mime_type(v.s ? v.s : "", v.len, &type) == 0 && type.len) {
            int listed = listdir_conf_has(b->mimelist, type.s, type.len);
            keep = b->mimekeep ? listed : !listed;
        }
    }
    str_free(&v);
    str_free(&type);
    return keep;
}

/* the trailer text, encoded as enc asks ('B': base64, 'Q': QP) */
static int trailer_text(const send_body *b, str *out, char enc)
{
    str t = STR_INIT;
    text_vars v = TEXT_VARS_INIT;
    int r;
    v.msgnum = b->msgnum;
    r = text_file(&t, b->ld, "trailer", &v);
    if (r < 0) { str_free(&t); return -1; }
    if (r == CTL_MISSING || t.len == 0) { str_free(&t); return 0; }
    if (t.s[t.len - 1] != '\n' && str_catc(&t, '\n') < 0) { str_free(&t); return -1; }
    if (enc == 'B') r = enc_b64(out, t.s, t.len);
    else if (enc == 'Q') r = enc_qp(out, t.s, t.len);
    else r = str_cat(out, &t);
    str_free(&t);
    return r;
}

/* the trailer as an extra text/plain part, before the closing boundary */
static int trailer_part(send_body *b, send_out *o)
{
    str body = STR_INIT, t = STR_INIT;
    int r = -1;
    char enc = b->ld->encoding;
    if (trailer_text(b, &body, enc) < 0) goto done;
    if (!body.len) { r = 0; goto done; }
    if (str_cats(&t, "--") < 0 || str_cat(&t, b->boundary) < 0 ||
        str_cats(&t, "\nContent-Type: text/plain; charset=") < 0 ||
        str_cat(&t, &b->ld->charset) < 0 || str_catc(&t, '\n') < 0)
        goto done;
    if (enc == 'Q' && str_cats(&t, "Content-Transfer-Encoding: quoted-printable\n") < 0) goto done;
    if (enc == 'B' && str_cats(&t, "Content-Transfer-Encoding: base64\n") < 0) goto done;
    if (!enc && enc_needs(body.s, body.len) &&
        str_cats(&t, "Content-Transfer-Encoding: 8bit\n") < 0)
        goto done;
    if (str_catc(&t, '\n') < 0 || str_cat(&t, &body) < 0) goto done;
    send_qq(o, t.s, t.len);
    r = 0;
done:
    str_free(&body);
    str_free(&t);
    return r;
}

int send_copy_body(send_body *b, msgin *m, send_out *o)
{
    str piece = STR_INIT, part = STR_INIT;
    int start, r, state = PRE, keep = 0, close, last_nl = 1, any = 0;

    b->foundpart = 1;
    if (!b->mime) {
        while ((r = msgin_piece(m, &piece, 65536, &start)) > 0) {
            send_both(o, piece.s, piece.len);
            last_nl = piece.s[piece.len - 1] == '\n';
            any = 1;
        }
        if (r < 0) goto fail;
        if (b->trailer && !b->boundary->len && b->encoding != 'B') {
            str t = STR_INIT;
            if (any && !last_nl) send_qq(o, "\n", 1);
            if (trailer_text(b, &t, b->encoding) < 0) { str_free(&t); goto fail; }
            send_qq(o, t.s, t.len);
            str_free(&t);
        }
        str_free(&piece);
        return 0;
    }

    b->foundpart = 0;
    while ((r = msgin_piece(m, &piece, MSGIN_PIECE, &start)) > 0) {
        int bound = start && mime_is_boundary(piece.s, piece.len, b->boundary, &close);
        if (state == PARTHDR) {
            if (bound || (start && is_blank(&piece)) || part.len + piece.len > PARTHDR_MAX) {
                /* decide on the part from its header */
                const char *nl = memchr(part.s, '\n', part.len);
                size_t off = nl ? (size_t)(nl - part.s) + 1 : part.len;
                keep = keep_part(b, part.s + off, part.len - off);
                if (keep) {
                    b->foundpart = 1;
                    send_both(o, part.s, part.len);
                }
                part.len = 0;
                state = PARTBODY;
                if (!bound) {
                    if (keep) send_both(o, piece.s, piece.len);
                    continue;
                }
            } else {
                if (str_cat(&part, &piece) < 0) goto fail;
                continue;
            }
        }
        if (bound && state != EPI) {
            if (close) {
                if (b->trailer && b->multipart_trailer && trailer_part(b, o) < 0) goto fail;
                send_both(o, piece.s, piece.len);
                state = EPI;
            } else {
                if (str_copy(&part, &piece) < 0) goto fail;
                state = PARTHDR;
            }
            continue;
        }
        /* the preamble is kept: if no boundary ever comes, nothing is lost */
        if (state == PRE || state == EPI || (state == PARTBODY && keep))
            send_both(o, piece.s, piece.len);
    }
    if (r < 0) goto fail;
    if (state == PARTHDR && part.len) {
        const char *nl = memchr(part.s, '\n', part.len);
        size_t off = nl ? (size_t)(nl - part.s) + 1 : part.len;
        if (keep_part(b, part.s + off, part.len - off)) {
            b->foundpart = 1;
            send_both(o, part.s, part.len);
        }
    }
    str_free(&piece);
    str_free(&part);
    return 0;
fail:
    str_free(&piece);
    str_free(&part);
    return -1;
}
