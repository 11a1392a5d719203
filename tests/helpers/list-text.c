/*
 * list-text: drives the list tools' library parts directly, for tests and
 * benchmarks (the helper build links only libsuite, so the list sources
 * are compiled in here).
 *
 *   list-text file DIR NAME [K=V]...  text file NAME of list DIR, processed
 *   list-text msg DIR NAME [K=V]...   message NAME
 *   list-text conf DIR NAME [K=V]...  control file NAME in header mode, one
 *                                     line per line
 *   list-text flag DIR CHARS          1 or 0 for each flag character
 *   list-text bucket ADDR             the std bucket letter (7.2, amd64),
 *                                     then the 32-bit one
 *   list-text fill SUBDIR             appends the addresses on stdin (one
 *                                     per line) to the std store of SUBDIR
 *                                     without locking: for building large
 *                                     test stores quickly
 * K=V sets a variable: A target, R confirm, C cookie, T cookie time,
 * X action, n message number, l list local part, 0..9 parameters.
 * Exit 0, 1 for a missing file, 2 for an error.
 */
#include "../../list/listdir.c"
#include "../../list/text.c"
#include "../../list/text-msgs.c"
#include "../../list/sub/sub.c"
#include "../../list/sub/std.c"
#include "../../list/sub/stdbulk.c"
#include "../../list/sub/mysqlsub.c"
#include "../../list/sub/mysql.c"

#include <stdio.h>

static void vars_set(text_vars *v, int argc, char **argv)
{
    int i;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!a[0] || a[1] != '=') continue;
        switch (a[0]) {
        case 'A': v->target = a + 2; break;
        case 'R': v->confirm = a + 2; break;
        case 'C': v->cookie = a + 2; break;
        case 'T': v->cookietime = a + 2; break;
        case 'X': v->action = a + 2; break;
        case 'n': v->msgnum = a + 2; break;
        case 'l': v->local = a + 2; break;
        default:
            if (a[0] >= '0' && a[0] <= '9') v->param[a[0] - '0'] = a + 2;
        }
    }
}

static int fill(const char *subdir)
{
    char line[1024];
    static FILE *f[SUB_HASHES];
    str path = STR_INIT;
    unsigned b;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line), at;
        if (n && line[n - 1] == '\n') line[--n] = 0;
        if (!n) continue;
        for (at = n; at > 0 && line[at - 1] != '@'; at--);
        for (; at < n; at++) line[at] = ascii_lower(line[at]);
        b = sub_std_bucket(line, n);
        if (!f[b]) {
            if (str_copys(&path, subdir) == -1 || str_cats(&path, "/subscribers/") == -1 ||
                str_catc(&path, (char)(64 + b)) == -1)
                return 2;
            f[b] = fopen(path.s, "a");
            if (!f[b]) return 2;
        }
        fputc('T', f[b]);
        fwrite(line, 1, n, f[b]);
        fputc(0, f[b]);
    }
    for (b = 0; b < SUB_HASHES; b++)
        if (f[b] && fclose(f[b]) == EOF) return 2;
    return 0;
}

int main(int argc, char **argv)
{
    listdir ld = LISTDIR_INIT;
    text_vars v = TEXT_VARS_INIT;
    str out = STR_INIT;
    int r = 0;
    size_t i;

    if (argc >= 3 && strcmp(argv[1], "bucket") == 0) {
        str e = STR_INIT;
        str_copys(&e, "T");
        str_cats(&e, argv[2]);
        printf("%c %c\n", 64 + sub_std_bucket(argv[2], strlen(argv[2])), 64 + sub_hash32(e.s, e.len));
        str_free(&e);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "fill") == 0) return fill(argv[2]);
    if (argc < 4) {
        fprintf(stderr, "usage: list-text file|msg|conf|flag DIR NAME [K=V]...\n");
        return 2;
    }
    if (listdir_open(&ld, argv[2], 0) == -1) {
        perror("listdir_open");
        listdir_free(&ld);
        return 2;
    }
    vars_set(&v, argc - 4, argv + 4);
    if (strcmp(argv[1], "file") == 0) {
        r = text_file(&out, &ld, argv[3], &v);
        if (r != CTL_FOUND) {
            if (r == CTL_ERR) perror("text_file");
            str_free(&out);
            listdir_free(&ld);
            return r == CTL_MISSING ? 1 : 2;
        }
    } else if (strcmp(argv[1], "msg") == 0) {
        if (text_msg(&out, &ld, argv[3], &v) == -1) {
            perror("text_msg");
            str_free(&out);
            listdir_free(&ld);
            return 2;
        }
        str_catc(&out, '\n');
    } else if (strcmp(argv[1], "conf") == 0) {
        r = text_conf(&out, &ld, argv[3], &v);
        if (r != CTL_FOUND) {
            if (r == CTL_ERR) perror("text_conf");
            str_free(&out);
            listdir_free(&ld);
            return r == CTL_MISSING ? 1 : 2;
        }
        for (i = 0; i < out.len; i++)
            if (out.s[i] == 0) out.s[i] = '\n';
    } else if (strcmp(argv[1], "flag") == 0) {
        for (i = 0; argv[3][i]; i++) str_catc(&out, listdir_flag(&ld, argv[3][i]) ? '1' : '0');
        str_catc(&out, '\n');
    } else
        r = 2;
    if (r != 2) fwrite(out.s, 1, out.len, stdout);
    str_free(&out);
    listdir_free(&ld);
    return r == 2 ? 2 : 0;
}
