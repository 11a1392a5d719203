/*
 * text: the run-time processing of list text files and short messages
 * (ezmlm-idx digest 7.4 and 7.5), used by every program that sends a reply.
 *
 * text_file() finds text/NAME (DIR/text, then the alternate directory, then
 * EZMLM_ETC/default: listdir_text_find()) and appends it processed:
 *   - lines starting with '#' are skipped;
 *   - a line that is exactly "<=FLAGS=>" starts a section that is output
 *     only if every flag of FLAGS holds (listdir_flag(); an upper-case
 *     letter means that option is off, '^' negates the next character);
 *     "<==>" ends the condition;
 *   - legacy lines "!A..." and "!R..." become "   <#A#>..." / "   <#R#>...";
 *   - tags anywhere in a line are substituted (text_subst()).
 * text_conf() is getconf in header mode: a control file (headeradd, ...)
 * with tags substituted (no sections) and then the line rules of
 * listdir_conf_lines().  text_msg() looks a short message NAME up in
 * DIR/text/messages, ALT/text/messages, EZMLM_ETC/default/text/messages
 * (lines "NAME:value"), then in the compiled-in English table, and last
 * uses NAME itself; the value is substituted in header mode with <#1#>..
 * <#9#> taken from vars->param.
 *
 * Tags (text_subst): <#L#> LIST (outlocal), <#l#> vars->local or LIST
 * (LIST-digest, LIST-allow, ...), <#H#> and <#h#> HOST, <#A#> target
 * address, <#a#> its local part, <#t#> the target with its last '@' as '=',
 * <#R#> confirm address, <#r#> its local part, <#c#> the part of <#r#>
 * after "<#l#>-", <#C#> cookie, <#T#> cookie time, <#X#> action code,
 * <#n#> message number, <#d#> DIR, <#0#>..<#9#> parameters.  A tag whose
 * value is unset prints "?????"; an unknown tag vanishes.  In header mode
 * <#A#>, <#a#> and <#t#> are refused (EINVAL): a subscriber's address must
 * never be put into a header line through a control file.
 *
 * Functions append to out.  text_file() and text_conf() return CTL_FOUND,
 * CTL_MISSING (no such file anywhere; out unchanged) or CTL_ERR (-1, errno
 * set); the others return 0 or -1 with errno.
 */
#ifndef LIST_TEXT_H
#define LIST_TEXT_H

#include <stddef.h>

#include "listdir.h"
#include "str.h"

typedef struct text_vars {
    const char *local;       /* <#l#>; NULL = outlocal */
    const char *target;      /* <#A#> <#a#> <#t#> */
    const char *confirm;     /* <#R#> <#r#> <#c#> */
    const char *cookie;      /* <#C#> */
    const char *cookietime;  /* <#T#> */
    const char *action;      /* <#X#> */
    const char *msgnum;      /* <#n#> (decimal text) */
    const char *param[10];   /* <#0#> .. <#9#> */
} text_vars;

#define TEXT_VARS_INIT { 0, 0, 0, 0, 0, 0, 0, { 0 } }
#define TEXT_UNSET "?????"

/* Substitutes the tags of s[0..len) and appends the result.  header_mode:
 * see above.  vars may be NULL (every variable unset). */
int text_subst(str *out, const listdir *ld, const text_vars *vars, const char *s, size_t len,
               int header_mode);
/* Appends text file name, processed (see above). */
int text_file(str *out, const listdir *ld, const char *name, const text_vars *vars);
/* Appends processed text from memory (the rules of text_file()). */
int text_process(str *out, const listdir *ld, const text_vars *vars, const char *s,
                 size_t len);
/* Control file name with header-mode substitution and the getconf line
 * rules: out receives the lines, each followed by a NUL. */
int text_conf(str *out, const listdir *ld, const char *name, const text_vars *vars);
/* Appends the message NAME (see above); 0 or -1. */
int text_msg(str *out, const listdir *ld, const char *name, const text_vars *vars);
/* The compiled-in English text of message NAME, or NULL. */
const char *text_msg_default(const char *name);
/* The i-th compiled-in message: its name (and *text), or NULL past the end. */
const char *text_msg_entry(size_t i, const char **text);

#endif
