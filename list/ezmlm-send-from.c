/* ezmlm-send: DMARC policy lookup and the rewritten From: field.
 * See ezmlm-send.h. */
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <string.h>

#include "addr.h"
#include "enc.h"
#include "ezmlm-send.h"
#include "hdr.h"
#include "text.h"

/* names that can never have a DMARC record (RFC 6761 special-use names) */
static int special_use(const char *d, size_t n)
{
    static const char *const tld[] = { "invalid", "test", "example", "localhost", "local" };
    size_t i;
    for (i = 0; i < sizeof tld / sizeof tld[0]; i++) {
        size_t t = strlen(tld[i]);
        if (n == t && case_equalb(d, tld[i], t)) return 1;
        if (n > t && d[n - t - 1] == '.' && case_equalb(d + n - t, tld[i], t)) return 1;
    }
    return 0;
}

static int valid_domain(const char *d, size_t n)
{
    size_t i, label = 0;
    if (n == 0 || n > 253) return 0;
    for (i = 0; i < n; i++) {
        char c = d[i];
        if (c == '.') {
            if (label == 0) return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
        if (++label > 63) return 0;
    }
    return 1;
}

/* the p= tag of a DMARC record: 1 for reject or quarantine */
static int record_strict(const char *r, size_t n)
{
    size_t i = 0;
    if (n < 8 || memcmp(r, "v=DMARC1", 8) != 0) return -1; /* not a DMARC record */
    while (i < n) {
        size_t j = i, k;
        while (j < n && r[j] != ';') j++;
        k = i;
        while (k < j && (r[k] == ' ' || r[k] == '\t')) k++;
        if (j - k >= 2 && r[k] == 'p' && (r[k + 1] == '=' || r[k + 1] == ' ' || r[k + 1] == '\t')) {
            const char *v = memchr(r + k, '=', j - k);
            if (v) {
                size_t vl;
                v++;
                while (v < r + j && (*v == ' ' || *v == '\t')) v++;
                vl = (size_t)(r + j - v);
                while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
                return (vl == 6 && case_equalb(v, "reject", 6)) ||
                       (vl == 10 && case_equalb(v, "quarantine", 10));
            }
        }
        i = j + 1;
    }
    return 0;
}

int send_dmarc_strict(const char *domain)
{
    unsigned char ans[4096];
    char name[300];
    const unsigned char *p, *end;
    int len, qd, an, found = 0, strict = 0;
    size_t n = strlen(domain);

    if (special_use(domain, n) || !valid_domain(domain, n)) return 0;
    memcpy(name, "_dmarc.", 7);
    memcpy(name + 7, domain, n + 1);
    len = res_query(name, C_IN, T_TXT, ans, sizeof ans);
    if (len < 0) {
        if (h_errno == HOST_NOT_FOUND || h_errno == NO_DATA) return 0;
        return -1;
    }
    if (len < HFIXEDSZ) return -1;
    if (len > (int)sizeof ans) len = (int)sizeof ans;   /* a truncated answer */
    end = ans + len;
    qd = (ans[4] << 8) | ans[5];
    an = (ans[6] << 8) | ans[7];
    p = ans + HFIXEDSZ;
    while (qd-- > 0) {
        int s = dn_skipname(p, end);
        if (s < 0 || p + s + 4 > end) return -1;
        p += s + 4;
    }
    while (an-- > 0) {
        int s = dn_skipname(p, end), type;
        unsigned rdlen;
        if (s < 0 || p + s + 10 > end) return -1;
        p += s;
        type = (p[0] << 8) | p[1];
        rdlen = (unsigned)((p[8] << 8) | p[9]);
        p += 10;
        if (p + rdlen > end) return -1;
        if (type == T_TXT) {
            char rec[4096];
            size_t rl = 0;
            const unsigned char *q = p, *qe = p + rdlen;
            while (q < qe) {
                unsigned l = *q++;
                if (q + l > qe) break;
                if (rl + l < sizeof rec) { memcpy(rec + rl, q, l); rl += l; }
                q += l;
            }
            {
                int r = record_strict(rec, rl);
                if (r >= 0) {
                    found++;
                    strict = r;
                }
            }
        }
        p += rdlen;
    }
    /* RFC 7489: several DMARC records mean no policy */
    return found == 1 ? strict : 0;
}

int send_from_domain(str *out, const char *from, size_t len)
{
    addr_list l = ADDR_LIST_INIT;
    size_t i;
    int r = 0;
    if (str_copys(out, "") < 0) return -1;
    if (addr_list_parse(&l, from, len) < 0) return -1;
    for (i = 0; i < l.n; i++) {
        addr_item *it = &l.v[i];
        if (it->kind != ADDR_MAILBOX || (it->flags & ADDR_F_NOAT)) continue;
        if (str_copyb(out, it->addr.s + it->local_len + 1, it->addr.len - it->local_len - 1) < 0) {
            r = -1;
            break;
        }
        str_lower(out);
        r = 1;
        break;
    }
    addr_list_free(&l);
    return r;
}

int send_from_line(str *out, const listdir *ld, const char *from, size_t len)
{
    str author = STR_INIT, text = STR_INIT;
    text_vars v = TEXT_VARS_INIT;
    size_t i;
    int r = -1;

    if (send_author_name(&author, from, len) < 0 || str_catc(&author, 0) < 0) goto done;
    v.param[1] = author.s;
    v.param[2] = ld->outlocal.s;
    if (text_msg(&text, ld, "AUTHOR_VIA_LIST", &v) < 0) goto done;
    if (str_equals(&text, "AUTHOR_VIA_LIST")) {
        text.len = 0;
        if (str_copys(&text, author.s) < 0 || str_cats(&text, " via ") < 0 ||
            str_cat(&text, &ld->outlocal) < 0)
            goto done;
    }
    for (i = 0; i < text.len; i++)
        if (text.s[i] == '\r' || text.s[i] == '\n' || text.s[i] == 0) text.s[i] = ' ';
    if (str_copys(out, "From: ") < 0) goto done;
    if (enc_needs(text.s, text.len)) {
        if (enc_2047(out, text.s, text.len, "UTF-8", 6) < 0) goto done;
    } else if (addr_cat_phrase(out, text.s, text.len, 1) < 0) {
        goto done;
    }
    if (str_cats(out, " <") < 0 || str_cat(out, &ld->outlocal) < 0 || str_catc(out, '@') < 0 ||
        str_cat(out, &ld->outhost) < 0 || str_cats(out, ">\n") < 0)
        goto done;
    r = 0;
done:
    str_free(&author);
    str_free(&text);
    return r;
}
