/*
 * maildrop-lex: the tokenizer of the filter language, with maildrop 2.9's
 * rules (maildropfilter(7)):
 *
 *  - a newline (LF or CR) and ';' are the same separator token; '#' where
 *    a token may start runs to the end of the line; outside quotes '\'
 *    followed by white space joins the next line, anything else after it
 *    is an error;
 *  - "...", '...' and `...` strings may not hold a raw newline; in them
 *    '\' + the same quote or '\\' gives that character, '\' + other text
 *    keeps both, '\' + blanks + newline (or '#') continues the string on
 *    the next line without its leading white space;
 *  - unquoted words start with [A-Za-z0-9_-@.:/$] and go on with those and
 *    '{' '}'; a word that is a keyword is that keyword; a lone '-' is minus;
 *  - '/' starts a pattern unless the previous token is '=', "to" or "cc"
 *    (then a word) or the next byte is white space or the end (division);
 *    a pattern runs to the next unescaped '/' on the line and may be
 *    followed by ':' and option characters [A-Za-z0-9+-.,].
 * In embedded mode the statements that deliver or run programs are refused
 * here, as maildrop does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maildrop.h"

static const struct { const char *w; int t; } keywords[] = {
    { "if", T_IF }, { "elsif", T_ELSIF }, { "else", T_ELSE }, { "while", T_WHILE },
    { "foreach", T_FOREACH }, { "exception", T_EXCEPTION }, { "echo", T_ECHO },
    { "xfilter", T_XFILTER }, { "system", T_SYSTEM }, { "dotlock", T_DOTLOCK },
    { "flock", T_FLOCK }, { "logfile", T_LOGFILE }, { "log", T_LOG }, { "include", T_INCLUDE },
    { "exit", T_EXIT }, { "import", T_IMPORT }, { "unset", T_UNSET }, { "to", T_TO },
    { "cc", T_CC }, { "length", T_LENGTH }, { "substr", T_SUBSTR }, { "getaddr", T_GETADDR },
    { "lookup", T_LOOKUP }, { "escape", T_ESCAPE }, { "tolower", T_TOLOWER },
    { "toupper", T_TOUPPER }, { "hasaddr", T_HASADDR }, { "gdbmopen", T_GDBMOPEN },
    { "gdbmclose", T_GDBMCLOSE }, { "gdbmfetch", T_GDBMFETCH }, { "gdbmstore", T_GDBMSTORE },
    { "time", T_TIME }, { "lt", T_SLT }, { "le", T_SLE }, { "gt", T_SGT }, { "ge", T_SGE },
    { "eq", T_SEQ }, { "ne", T_SNE },
};

const char *md_tok_name(int type)
{
    static const char *const op[] = {
        [T_EOF] = "end of file", [T_SEP] = "end of line", [T_STR] = "text", [T_PAT] = "pattern",
        [T_LP] = "(", [T_RP] = ")", [T_LB] = "{", [T_RB] = "}", [T_COMMA] = ",", [T_PLUS] = "+",
        [T_MINUS] = "-", [T_MUL] = "*", [T_DIV] = "/", [T_TILDE] = "~", [T_NOT] = "!",
        [T_NE] = "!=", [T_ASSIGN] = "=", [T_EQ] = "==", [T_MATCH] = "=~", [T_LT] = "<",
        [T_LE] = "<=", [T_GT] = ">", [T_GE] = ">=", [T_BAND] = "&", [T_AND] = "&&",
        [T_BOR] = "|", [T_OR] = "||",
    };
    if (type >= 0 && (size_t)type < sizeof op / sizeof op[0] && op[type]) return op[type];
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (keywords[i].t == type) return keywords[i].w;
    return "?";
}

static int wordstart(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '@' || c == '.' || c == ':' || c == '/' || c == '$';
}

static int wordchar(unsigned char c)
{
    return wordstart(c) || c == '{' || c == '}';
}

static int optchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '-' || c == '.' || c == ',';
}

static int forbidden_embedded(int t)
{
    switch (t) {
    case T_TO: case T_CC: case T_XFILTER: case T_SYSTEM: case T_DOTLOCK: case T_FLOCK:
    case T_LOGFILE: case T_LOG:
        return 1;
    default:
        return 0;
    }
}

static struct md_token *push(struct md_toks *t, int type, int line)
{
    struct md_token *k;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct md_token *nv = realloc(t->v, nc * sizeof *nv);
        if (!nv) return NULL;
        t->v = nv;
        t->cap = nc;
    }
    k = &t->v[t->n++];
    memset(k, 0, sizeof *k);
    k->type = type;
    k->line = line;
    return k;
}

void md_toks_free(struct md_toks *t)
{
    for (size_t i = 0; i < t->n; i++) {
        str_free(&t->v[i].text);
        str_free(&t->v[i].opts);
    }
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

#define FAIL(msg) do { *errline = line; str_copys(err, msg); goto fail; } while (0)
#define NOMEM() do { *errline = line; str_copys(err, "Out of memory."); goto fail; } while (0)

int md_lex(const char *s, size_t len, int embedded, struct md_toks *out, int *errline, str *err)
{
    size_t i = 0;
    int line = 1;
    int prev = T_SEP;

    out->v = NULL;
    out->n = out->cap = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)s[i];
        struct md_token *k;
        int tline = line;

        if (ch == ' ' || ch == '\t' || ch == '\f' || ch == '\v') { i++; continue; }
        if (ch == '\n' || ch == '\r' || ch == ';') {
            if (!(k = push(out, T_SEP, line))) NOMEM();
            if (ch == '\n') line++;
            i++;
            prev = T_SEP;
            continue;
        }
        if (ch == '#') {
            while (i < len && s[i] != '\n' && s[i] != '\r') i++;
            continue;
        }
        if (ch == '\\') {
            if (i + 1 < len && (s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '\n' ||
                                s[i + 1] == '\r')) {
                /* continuation: skip to the end of the line and the newline */
                i++;
                while (i < len && s[i] != '\n' && s[i] != '\r') i++;
                if (i < len && s[i] == '\r') i++;
                if (i < len && s[i] == '\n') { i++; line++; }
                continue;
            }
            FAIL("Syntax error.");
        }
        if (ch == '"' || ch == '\'' || ch == '`') {
            str text = STR_INIT;
            char q = (char)ch;
            i++;
            for (;;) {
                if (i >= len || s[i] == '\n' || s[i] == '\r') {
                    str_free(&text);
                    FAIL("Missing ', \", or `.");
                }
                if (s[i] == q) { i++; break; }
                if (s[i] == '\\' && i + 1 < len) {
                    char n = s[i + 1];
                    if (n == q || n == '\\') {
                        if (str_catc(&text, n) < 0) { str_free(&text); NOMEM(); }
                        i += 2;
                        continue;
                    }
                    /* backslash, blanks, then newline or '#': continuation */
                    {
                        size_t j = i + 1;
                        while (j < len && (s[j] == ' ' || s[j] == '\t')) j++;
                        if (j >= len || s[j] == '\n' || s[j] == '\r' || s[j] == '#') {
                            while (j < len && s[j] != '\n' && s[j] != '\r') j++;
                            if (j < len && s[j] == '\r') j++;
                            if (j < len && s[j] == '\n') { j++; line++; }
                            while (j < len && (s[j] == ' ' || s[j] == '\t')) j++;
                            i = j;
                            continue;
                        }
                    }
                    if (str_catb(&text, s + i, 2) < 0) { str_free(&text); NOMEM(); }
                    i += 2;
                    continue;
                }
                if (str_catc(&text, s[i]) < 0) { str_free(&text); NOMEM(); }
                i++;
            }
            if (q == '`' && embedded) {
                str_free(&text);
                FAIL("`...` is not allowed in embedded mode.");
            }
            if (!(k = push(out, T_STR, tline))) { str_free(&text); NOMEM(); }
            k->seg = q;
            if (!text.s && str_ready(&text, 0) < 0) NOMEM();
            k->text = text;
            prev = T_STR;
            continue;
        }
        if (ch == '/' && prev != T_ASSIGN && prev != T_TO && prev != T_CC) {
            if (i + 1 >= len || s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '\n' ||
                s[i + 1] == '\r') {
                if (!push(out, T_DIV, line)) NOMEM();
                i++;
                prev = T_DIV;
                continue;
            }
            /* a pattern */
            {
                str pat = STR_INIT, opt = STR_INIT;
                size_t j = i + 1;
                for (;;) {
                    if (j >= len || s[j] == '\n' || s[j] == '\r') {
                        str_free(&pat);
                        FAIL("Missing / at the end of the pattern.");
                    }
                    if (s[j] == '/') break;
                    if (s[j] == '\\' && j + 1 < len && s[j + 1] != '\n' && s[j + 1] != '\r') {
                        if (str_catb(&pat, s + j, 2) < 0) { str_free(&pat); NOMEM(); }
                        j += 2;
                        continue;
                    }
                    if (str_catc(&pat, s[j]) < 0) { str_free(&pat); NOMEM(); }
                    j++;
                }
                j++;
                if (j < len && s[j] == ':') {
                    j++;
                    while (j < len && optchar((unsigned char)s[j])) {
                        if (str_catc(&opt, s[j]) < 0) { str_free(&pat); str_free(&opt); NOMEM(); }
                        j++;
                    }
                }
                if (!(k = push(out, T_PAT, line))) { str_free(&pat); str_free(&opt); NOMEM(); }
                if (!pat.s && str_ready(&pat, 0) < 0) NOMEM();
                if (!opt.s && str_ready(&opt, 0) < 0) NOMEM();
                k->text = pat;
                k->opts = opt;
                i = j;
                prev = T_PAT;
                continue;
            }
        }
        if (wordstart(ch)) {
            size_t j = i;
            int type = T_STR;
            while (j < len && wordchar((unsigned char)s[j])) j++;
            if (j - i == 1 && ch == '-') type = T_MINUS;
            else {
                for (size_t w = 0; w < sizeof keywords / sizeof keywords[0]; w++) {
                    if (strlen(keywords[w].w) == j - i && memcmp(keywords[w].w, s + i, j - i) == 0) {
                        type = keywords[w].t;
                        break;
                    }
                }
            }
            if (embedded && forbidden_embedded(type)) {
                *errline = line;
                str_copys(err, "");
                str_catb(err, s + i, j - i);
                str_cats(err, " is not allowed in embedded mode.");
                goto fail;
            }
            if (!(k = push(out, type, line))) NOMEM();
            if (type == T_STR) {
                k->seg = 'w';
                if (str_copyb(&k->text, s + i, j - i) < 0) NOMEM();
            }
            i = j;
            prev = type;
            continue;
        }
        {
            int type = -1;
            size_t w = 1;
            char n = i + 1 < len ? s[i + 1] : 0;
            switch (ch) {
            case '(': type = T_LP; break;
            case ')': type = T_RP; break;
            case '{': type = T_LB; break;
            case '}': type = T_RB; break;
            case ',': type = T_COMMA; break;
            case '+': type = T_PLUS; break;
            case '*': type = T_MUL; break;
            case '~': type = T_TILDE; break;
            case '/': type = T_DIV; break;
            case '!': if (n == '=') { type = T_NE; w = 2; } else type = T_NOT; break;
            case '=':
                if (n == '=') { type = T_EQ; w = 2; }
                else if (n == '~') { type = T_MATCH; w = 2; }
                else type = T_ASSIGN;
                break;
            case '<': if (n == '=') { type = T_LE; w = 2; } else type = T_LT; break;
            case '>': if (n == '=') { type = T_GE; w = 2; } else type = T_GT; break;
            case '&': if (n == '&') { type = T_AND; w = 2; } else type = T_BAND; break;
            case '|': if (n == '|') { type = T_OR; w = 2; } else type = T_BOR; break;
            default: break;
            }
            if (type < 0) FAIL("Syntax error.");
            if (!push(out, type, line)) NOMEM();
            i += w;
            prev = type;
        }
    }
    if (!push(out, T_EOF, line)) NOMEM();
    return 0;
fail:
    md_toks_free(out);
    return -1;
}
