/* ezmlm-send: subject cleaning, author names and the archive index.
 * See ezmlm-send.h and ezmlm(5) for the index format. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "addr.h"
#include "archive.h"
#include "ezmlm-send.h"
#include "fs.h"
#include "hdr.h"
#include "msgin.h"
#include "surf.h"
#include "text.h"

/* unfolds, decodes RFC 2047 words and makes one clean line */
static int one_line(str *out, const char *s, size_t len)
{
    str u = STR_INIT;
    size_t i, j;
    int r = -1;
    if (str_copys(out, "") < 0) return -1;
    if (hdr_unfold(&u, s, len, HDR_UNFOLD_DELETE) < 0) goto done;
    if (hdr_decode2047(out, u.s ? u.s : "", u.len) < 0) goto done;
    for (i = 0; i < out->len; i++) {
        unsigned char c = (unsigned char)out->s[i];
        if (c < 32 || c == 127) out->s[i] = ' ';
    }
    /* trim and squeeze runs of blanks */
    for (i = j = 0; i < out->len; i++) {
        if (out->s[i] == ' ' && (j == 0 || out->s[j - 1] == ' ')) continue;
        out->s[j++] = out->s[i];
    }
    while (j && out->s[j - 1] == ' ') j--;
    str_truncate(out, j);
    r = 0;
done:
    str_free(&u);
    return r;
}

/* bytes of s[0..n) matched by the prefix (spaces ignored on both sides, '#'
 * matching a run of digits), 0 if it does not match */
static size_t prefix_len(const char *s, size_t n, const str *prefix)
{
    size_t i = 0, j = 0, any = 0;
    while (j < prefix->len) {
        char p = prefix->s[j];
        if (p == ' ' || p == '\t') { j++; continue; }
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        if (p == '#') {
            size_t d = i;
            while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ' ')) i++;
            if (i == d) return 0;
            j++;
            any = 1;
            continue;
        }
        if (i >= n || ascii_lower(s[i]) != ascii_lower(p)) return 0;
        i++;
        j++;
        any = 1;
    }
    return any ? i : 0;
}

int send_subject_clean(str *out, const char *subj, size_t len, const str *prefix)
{
    str t = STR_INIT;
    size_t i = 0, n;
    int flags = 0;
    if (one_line(&t, subj, len) < 0) { str_free(&t); return -1; }
    n = t.len;
    for (;;) {
        size_t w, k;
        while (i < n && t.s[i] == ' ') i++;
        if (prefix && prefix->len && (k = prefix_len(t.s + i, n - i, prefix))) {
            i += k;
            flags |= SEND_PREFIX;
            continue;
        }
        w = i;
        while (w < n && t.s[w] != ' ') w++;
        k = w - i;
        if (k >= 3 && t.s[w - 1] == ':' && w < n &&
            (k <= 5 || (t.s[w - 2] >= '0' && t.s[w - 2] <= '9') || t.s[w - 2] == ']' ||
             t.s[w - 2] == ')')) {
            i = w;
            flags |= SEND_REPLY;
            continue;
        }
        break;
    }
    while (n > i && t.s[n - 1] == ' ') n--;
    while (n - i >= 6 && case_equalb(t.s + n - 6, "-Reply", 6)) {
        n -= 6;
        flags |= SEND_REPLY;
        while (n > i && t.s[n - 1] == ' ') n--;
    }
    if (str_copyb(out, t.s + i, n - i) < 0) flags = -1;
    str_free(&t);
    return flags;
}

int send_author_name(str *out, const char *from, size_t len)
{
    addr_list l = ADDR_LIST_INIT;
    size_t i;
    int r = -1, done = 0;
    if (str_copys(out, "") < 0) return -1;
    if (addr_list_parse(&l, from, len) < 0) return -1;
    for (i = 0; i < l.n && !done; i++) {
        addr_item *it = &l.v[i];
        if (it->kind != ADDR_MAILBOX) continue;
        if (it->name.len) {
            if (one_line(out, it->name.s, it->name.len) < 0) goto fail;
        } else {
            size_t k;
            if (one_line(out, it->addr.s, it->addr.len) < 0) goto fail;
            for (k = 0; k < out->len; k++)
                if (out->s[k] == '@') out->s[k] = '.';
        }
        done = out->len > 0;
    }
    if (!done && one_line(out, from, len) < 0) goto fail;
    r = 0;
fail:
    addr_list_free(&l);
    return r;
}

/* ezmlm's author hash: the address around the last '@' (from the '<',
 * blank or ';' before it to the '>', blank or ';' after it), without the
 * local part's extension from its first '-' */
static void author_hash(char h[SURF_HASHLEN + 1], const char *s, size_t len)
{
    const char *at = NULL;
    size_t i, j, k, l;
    str t = STR_INIT;
    for (i = len; i > 0; i--)
        if (s[i - 1] == '@') { at = s + i - 1; break; }
    if (!at) {
        surf_makehash(h, s, len);
        return;
    }
    i = (size_t)(at - s);
    for (j = i + 1; j < len; j++)
        if (s[j] == '>' || s[j] == ' ' || s[j] == ';') break;
    k = i;
    while (k > 0) {
        char c = s[--k];
        if (c == '<' || c == ' ' || c == ';') break;
    }
    l = k;
    while (l < i && s[l] != '-') l++;
    if (str_copyb(&t, s + k, l - k) < 0 || str_catb(&t, s + i, j - i) < 0) {
        surf_makehash(h, s, len);
    } else {
        surf_makehash(h, t.s, t.len);
    }
    str_free(&t);
}

int send_received_date(str *out, const char *v, size_t len)
{
    const char *semi = memchr(v, ';', len), *end = v + len;
    if (!semi) return 0;
    semi++;
    while (semi < end && (*semi == ' ' || *semi == '\t')) semi++;
    return str_copyb(out, semi, (size_t)(end - semi)) < 0 ? -1 : 1;
}

int send_index_entry(str *out, unsigned long n, const str *subject, const str *received,
                     const str *from, const str *prefix)
{
    str clean = STR_INIT, tmp = STR_INIT;
    char hash[SURF_HASHLEN + 1];
    int flags, r = -1;

    flags = send_subject_clean(&clean, subject->s ? subject->s : "", subject->len, prefix);
    if (flags < 0) goto done;
    surf_makehash(hash, clean.s ? clean.s : "", clean.len);
    if (str_catf(out, "%lu: %s ", n, hash) < 0) goto done;
    if ((flags & SEND_REPLY) && str_cats(out, "Re: ") < 0) goto done;
    if (str_cat(out, &clean) < 0 || str_cats(out, "\n\t") < 0) goto done;
    if (one_line(&tmp, received->s ? received->s : "", received->len) < 0) goto done;
    if (str_cat(out, &tmp) < 0 || str_catc(out, ';') < 0) goto done;
    tmp.len = 0;
    if (hdr_unfold(&tmp, from->s ? from->s : "", from->len, HDR_UNFOLD_DELETE) < 0) goto done;
    author_hash(hash, tmp.s ? tmp.s : "", tmp.len);
    if (str_cats(out, hash) < 0 || str_catc(out, ' ') < 0) goto done;
    if (send_author_name(&tmp, from->s ? from->s : "", from->len) < 0) goto done;
    if (str_cat(out, &tmp) < 0 || str_catc(out, '\n') < 0) goto done;
    r = 0;
done:
    str_free(&clean);
    str_free(&tmp);
    return r;
}

int send_index(const listdir *ld, unsigned long n, const str *subject, const str *received,
               const str *from, const str *prefix)
{
    str entry = STR_INIT;
    int r = -1;
    if (send_index_entry(&entry, n, subject, received, from, prefix) == 0) r = send_index_put(ld, n, &entry);
    str_free(&entry);
    return r;
}

int send_index_put(const listdir *ld, unsigned long n, const str *entry)
{
    str path = STR_INIT, old = STR_INIT, out = STR_INIT;
    size_t pos = 0;
    int r = -1;
    if (str_copy(&path, &ld->dir) < 0 || str_catf(&path, "/archive/%lu", n / 100) < 0) goto done;
    if (mkdir(path.s, 0755) < 0 && errno != EEXIST) goto done;
    if (str_cats(&path, "/index") < 0) goto done;
    if (fs_read_file(path.s, &old, 64u * 1024 * 1024) < 0 && errno != ENOENT) goto done;
    /* keep the entries of earlier messages */
    while (pos < old.len) {
        const char *nl = memchr(old.s + pos, '\n', old.len - pos);
        size_t end = nl ? (size_t)(nl - old.s) + 1 : old.len, d;
        unsigned long num = 0;
        d = scan_ulong(old.s + pos, end - pos, &num);
        if (d == 0 || num >= n) break;
        if (pos + d < end && old.s[pos + d] == ':' && end < old.len && old.s[end] == '\t') {
            const char *nl2 = memchr(old.s + end, '\n', old.len - end);
            end = nl2 ? (size_t)(nl2 - old.s) + 1 : old.len;
        }
        if (str_catb(&out, old.s + pos, end - pos) < 0) goto done;
        if (out.len && out.s[out.len - 1] != '\n' && str_catc(&out, '\n') < 0) goto done;
        pos = end;
    }
    if (str_cat(&out, entry) < 0) goto done;
    if (fs_write_atomic(path.s, out.s, out.len, 0644) < 0) goto done;
    r = 0;
done:
    str_free(&path);
    str_free(&old);
    str_free(&out);
    return r;
}

int send_index_prefix(const listdir *ld, str *out)
{
    str raw = STR_INIT;
    text_vars tv = TEXT_VARS_INIT;
    int r = -1;
    out->len = 0;
    if (text_conf(&raw, ld, "prefix", &tv) < 0) goto done;
    if (raw.len && hdr_decode2047(out, raw.s, strlen(raw.s)) < 0) goto done;
    r = 0;
done:
    str_free(&raw);
    return r;
}

/* Date: value -> "D Mon YYYY HH:MM:SS ZONE"; 0 when it does not parse
 * (out is then left for the caller to fill) */
static int date_from_header(str *out, const char *s, size_t len)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    archive_date d;
    if (!archive_date_parse(s, len, &d)) return 0;
    if (str_catf(out, "%lu %.3s %lu %02lu:%02lu:%02lu", d.day, months + 3 * (d.mon - 1), d.year, d.hh,
                 d.mm, d.ss) < 0)
        return -1;
    if (d.zonelen && (str_catc(out, ' ') < 0 || str_catb(out, d.zone, d.zonelen) < 0)) return -1;
    return 1;
}

int send_index_archived(str *out, const listdir *ld, unsigned long n, int usedate, const str *prefix)
{
    msgin m = MSGIN_INIT;
    hdr_iter it;
    hdr_field f;
    str subject = STR_INIT, from = STR_INIT, date = STR_INIT, v = STR_INIT;
    int k, gotsubj = 0, gotfrom = 0, gotdate = 0, r = -1;
    int fd = archive_open(ld, n);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    if (msgin_open(&m, fd, 0) < 0 && errno != EFBIG) goto done;
    hdr_iter_init(&it, m.head.s ? m.head.s : "", m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (!gotsubj && hdr_is(&f, "Subject")) {
            gotsubj = 1;
            if (str_copyb(&subject, f.value, f.value_len) < 0) goto done;
        } else if (!gotfrom && hdr_is(&f, "From")) {
            gotfrom = 1;
            if (str_copyb(&from, f.value, f.value_len) < 0) goto done;
        } else if (!gotdate && hdr_is(&f, usedate ? "Date" : "Received")) {
            gotdate = 1;
            v.len = 0;
            if (hdr_value(&v, &f) < 0) goto done;
            if (usedate) {
                int p = date_from_header(&date, v.s ? v.s : "", v.len);
                if (p < 0 || (p == 0 && str_copy(&date, &v) < 0)) goto done;
            } else if (send_received_date(&date, v.s ? v.s : "", v.len) < 0) {
                goto done;
            }
        }
    }
    if (send_index_entry(out, n, &subject, &date, &from, prefix) < 0) goto done;
    r = 0;
done:
    msgin_free(&m);
    close(fd);
    str_free(&subject);
    str_free(&from);
    str_free(&date);
    str_free(&v);
    return r;
}
