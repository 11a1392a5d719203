/*
 * subunsub: the common body of ezmlm-sub and ezmlm-unsub (ezmlm-idx 7.2
 * options, arguments and exit codes; see ezmlm-sub(1)).
 */
#ifndef LIST_SUBUNSUB_H
#define LIST_SUBUNSUB_H

/* Runs the program; never returns.  add: 1 for ezmlm-sub, 0 for
 * ezmlm-unsub; prog is the name used in diagnostics. */
void subunsub_main(int add, const char *prog, int argc, char **argv) __attribute__((noreturn));

#endif
