/* msgin: reading an incoming message (header in memory, body streamed).
 * See msgin.h. */
#include "msgin.h"

#include <errno.h>
#include <string.h>

#include "hdr.h"

/* 1 if line[0..len) (line ending excluded) starts a header field */
static int is_field(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 33 || c > 126 || c == ':') break;
        i++;
    }
    if (i == 0) return 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    return i < len && s[i] == ':';
}

int msgin_open(msgin *m, int fd, size_t max)
{
    str line = STR_INIT;
    int seen = 0;
    if (!max) max = MSGIN_HEAD_MAX;
    if (buf_init(&m->in, fd, 0, 65536) < 0) return -1;
    m->head.len = 0;
    m->pend.len = 0;
    m->ended = m->eof = m->midline = 0;
    m->pendstart = 1;
    m->bodybytes = 0;
    for (;;) {
        size_t room = max - m->head.len, clen;
        int r;
        if (room == 0) { str_free(&line); errno = EFBIG; return -1; }
        r = buf_getline(&m->in, &line, '\n', room);
        if (r == BUF_ERR) { str_free(&line); return -1; }
        if (r == BUF_EOF) { m->eof = 1; break; }
        if (r == BUF_TOOLONG) { str_free(&line); errno = EFBIG; return -1; }
        clen = line.len;
        if (clen && line.s[clen - 1] == '\n') clen--;
        if (clen && line.s[clen - 1] == '\r') clen--;
        if (clen == 0 && line.len && line.s[line.len - 1] == '\n') {
            /* the empty line ends the header; it is kept (hdr sees HDR_END) */
            if (str_catb(&m->head, line.s, line.len) < 0) { str_free(&line); return -1; }
            m->ended = 1;
            break;
        }
        if (is_field(line.s, clen) || (clen >= 5 && !memcmp(line.s, "From ", 5)) ||
            (seen && (line.s[0] == ' ' || line.s[0] == '\t'))) {
            if (str_catb(&m->head, line.s, line.len) < 0) { str_free(&line); return -1; }
            seen = 1;
            if (r == BUF_PARTIAL) { m->eof = 1; break; }
            continue;
        }
        /* not a header line: the body starts here */
        if (str_copyb(&m->pend, line.s, line.len) < 0) { str_free(&line); return -1; }
        if (r == BUF_PARTIAL) m->eof = 1;
        break;
    }
    str_free(&line);
    if (!m->head.s && str_copys(&m->head, "") < 0) return -1;
    return 0;
}

int msgin_piece(msgin *m, str *piece, size_t max, int *linestart)
{
    piece->len = 0;
    if (piece->s) piece->s[0] = 0;
    if (max == 0) max = 1;
    if (m->pend.len) {
        size_t n = m->pend.len < max ? m->pend.len : max;
        if (str_copyb(piece, m->pend.s, n) < 0) return -1;
        memmove(m->pend.s, m->pend.s + n, m->pend.len - n);
        m->pend.len -= n;
        *linestart = m->pendstart;
        m->pendstart = piece->s[n - 1] == '\n';
        m->midline = !m->pendstart;
        m->bodybytes += n;
        return 1;
    }
    for (;;) {
        ssize_t r;
        const char *start, *nl;
        size_t take;
        if (m->in.fd < 0) return 0;
        r = buf_feed(&m->in);
        if (r < 0) return -1;
        if (r == 0) { m->eof = 1; return 0; }
        start = buf_peek(&m->in);
        nl = memchr(start, '\n', (size_t)r);
        take = nl ? (size_t)(nl - start) + 1 : (size_t)r;
        if (take > max) take = max;
        if (str_copyb(piece, start, take) < 0) return -1;
        buf_skip(&m->in, take);
        *linestart = !m->midline;
        m->midline = piece->s[take - 1] != '\n';
        m->bodybytes += take;
        return 1;
    }
}

void msgin_free(msgin *m)
{
    buf_free(&m->in);
    str_free(&m->head);
    str_free(&m->pend);
}

int msgin_field(const msgin *m, const char *name, str *out)
{
    hdr_iter it;
    hdr_field f;
    out->len = 0;
    if (out->s) out->s[0] = 0;
    hdr_iter_init(&it, m->head.s, m->head.len);
    if (!hdr_find(&it, name, &f)) return 0;
    if (hdr_value(out, &f) < 0) return -1;
    if (!out->s && str_copys(out, "") < 0) return -1;
    return 1;
}

/* ---- MIME ---------------------------------------------------------------------------- */

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int mime_type(const char *v, size_t len, str *type)
{
    size_t i = 0, j;
    if (str_copys(type, "") < 0) return -1;
    while (i < len && blank(v[i])) i++;
    if (i < len && v[i] == '"') {
        i++;
        j = i;
        while (j < len && v[j] != '"') j++;
    } else {
        j = i;
        while (j < len && !blank(v[j]) && v[j] != ';' && v[j] != '(') j++;
    }
    if (str_copyb(type, v + i, j - i) < 0) return -1;
    str_lower(type);
    return 0;
}

int mime_param(const char *v, size_t len, const char *name, str *out)
{
    size_t nlen = strlen(name), i = 0;
    int inq = 0;
    if (str_copys(out, "") < 0) return -1;
    /* skip the media type: parameters follow ';' outside quotes */
    while (i < len) {
        char c = v[i];
        if (inq) {
            if (c == '\\' && i + 1 < len) i++;
            else if (c == '"') inq = 0;
            i++;
            continue;
        }
        if (c == '"') { inq = 1; i++; continue; }
        if (c != ';') { i++; continue; }
        i++;
        while (i < len && blank(v[i])) i++;
        if (len - i > nlen && case_equalb(v + i, name, nlen)) {
            size_t k = i + nlen;
            while (k < len && blank(v[k])) k++;
            if (k < len && v[k] == '=') {
                k++;
                while (k < len && blank(v[k])) k++;
                if (k < len && v[k] == '"') {
                    k++;
                    while (k < len && v[k] != '"') {
                        if (v[k] == '\\' && k + 1 < len) k++;
                        if (str_catc(out, v[k]) < 0) return -1;
                        k++;
                    }
                    return k < len ? 1 : 2;
                }
                while (k < len && !blank(v[k]) && v[k] != ';') {
                    if (str_catc(out, v[k]) < 0) return -1;
                    k++;
                }
                return 1;
            }
        }
    }
    return 0;
}

int mime_is_boundary(const char *line, size_t len, const str *boundary, int *close)
{
    size_t b = boundary->len;
    *close = 0;
    while (len && blank(line[len - 1])) len--;
    if (b == 0 || len < b + 2 || line[0] != '-' || line[1] != '-') return 0;
    if (memcmp(line + 2, boundary->s, b) != 0) return 0;
    if (len == b + 2) return 1;
    if (len == b + 4 && line[b + 2] == '-' && line[b + 3] == '-') { *close = 1; return 1; }
    return 0;
}
