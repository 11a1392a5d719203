/* libFuzzer target for lib/autoreply: the input is an original message
 * header, a NUL, and a response template.  Checks that the decisions and
 * composing never crash, that a cleaned subject is bounded valid UTF-8
 * without control bytes, that the composed header is made of well-formed
 * field lines only and never gains a Bcc, that RFC 2047 words decode back
 * and that quoted-printable output is short 7-bit lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "enc.h"
#include "hdr.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void check_header_lines(const str *m)
{
    size_t i = 0;
    int first = 1;
    while (i < m->len) {
        const char *nl = memchr(m->s + i, '\n', m->len - i);
        size_t e = nl ? (size_t)(nl - m->s) : m->len, j = i;
        if (e == i) return; /* the empty line: the header is over */
        CHECK(memchr(m->s + i, '\r', e - i) == NULL);
        if (m->s[i] == ' ' || m->s[i] == '\t') {
            CHECK(!first);
        } else {
            size_t k;
            while (j < e && m->s[j] != ':' && (unsigned char)m->s[j] > 32) j++;
            k = j;
            while (k < e && (m->s[k] == ' ' || m->s[k] == '\t')) k++;
            CHECK(j > i && k < e && m->s[k] == ':');
            CHECK(!(j - i == 3 && strncasecmp(m->s + i, "Bcc", 3) == 0));
        }
        first = 0;
        i = e + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    const char *nul = memchr(d, 0, size);
    size_t hlen = nul ? (size_t)(nul - d) : size;
    const char *tpl = nul ? nul + 1 : "";
    size_t tlen = nul ? size - hlen - 1 : 0;
    autoreply_opts o;
    autoreply_orig g;
    str why = STR_INIT, out = STR_INIT, sub = STR_INIT, enc = STR_INIT, unf = STR_INIT, dec = STR_INIT;
    const char *aliases[] = { "alias@example.org", "local" };

    autoreply_opts_init(&o);
    o.sender = "s@example.net";
    o.recipient = "joe@example.org";
    o.aliases = aliases;
    o.naliases = 2;
    o.msg = tpl;
    o.msglen = tlen;
    o.subst = (size & 1) ? AUTOREPLY_SUBST_PERCENT : AUTOREPLY_SUBST_DOLLAR;
    o.copymsg = (size & 2) != 0;
    o.subject_prefix = (size & 4) ? "Re: " : NULL;
    o.now = 1000000000;
    memset(&g, 0, sizeof g);

    CHECK(autoreply_check_header(&o, d, hlen, &g, &why) >= 0);
    CHECK(memchr(why.s ? why.s : "", '\n', why.len) == NULL);
    CHECK(g.subject.len <= AUTOREPLY_SUBJECT_MAX + 3);
    CHECK(enc_utf8_valid(g.subject.s ? g.subject.s : "", g.subject.len));
    for (size_t i = 0; i < g.subject.len; ++i) {
        unsigned char c = (unsigned char)g.subject.s[i];
        CHECK(c >= 32 && c != 127);
    }
    if (autoreply_compose(&out, &o, &g, "B") == 0) check_header_lines(&out);

    CHECK(autoreply_subject_clean(&sub, d, hlen) == 0);
    CHECK(enc_2047(&enc, sub.s ? sub.s : "", sub.len, "UTF-8", 9) == 0);
    CHECK(hdr_unfold(&unf, enc.s ? enc.s : "", enc.len, HDR_UNFOLD_DELETE) == 0);
    CHECK(hdr_decode2047(&dec, unf.s ? unf.s : "", unf.len) == 0);
    CHECK(dec.len == sub.len && (sub.len == 0 || memcmp(dec.s, sub.s, sub.len) == 0));
    CHECK(autoreply_subject_skip(d, hlen, "Re:") <= hlen);

    str_truncate(&enc, 0);
    CHECK(enc_qp(&enc, tpl, tlen) == 0);
    for (size_t i = 0, col = 0; i < enc.len; ++i) {
        unsigned char c = (unsigned char)enc.s[i];
        CHECK(c == '\n' || (c >= 32 && c < 127) || c == '\t');
        col = c == '\n' ? 0 : col + 1;
        CHECK(col <= 76);
    }

    autoreply_orig_free(&g);
    str_free(&why);
    str_free(&out);
    str_free(&sub);
    str_free(&enc);
    str_free(&unf);
    str_free(&dec);
    return 0;
}
