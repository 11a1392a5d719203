/*
 * issub: the membership test shared by ezmlm-issubn and ezmlm-checksub:
 * is SENDER (normalised as ezmlm-idx does: SRS, prvs, BATV) in any of the
 * named sub-databases?
 */
#ifndef LIST_ISSUB_H
#define LIST_ISSUB_H

/* Reads SENDER (100 if unset), parses the options of both programs
 * (-n/-N, -m MESSAGE when message is not NULL, -v/-V) and the directory
 * arguments, and answers 1 (the sender is in one of them) or 0; dies 111
 * on errors.  *negate is set by -n.  For ezmlm-issubn (absolute_rule set):
 * when every argument is absolute, each names a database directory (DIR
 * itself or directly inside it); otherwise the first is DIR and the rest
 * are sub-database names.  Without names the main list is asked.  *dirp
 * receives DIR. */
int issub_run(const char *prog, int argc, char **argv, int absolute_rule, int *negate,
              const char **message, const char **dirp);

#endif
