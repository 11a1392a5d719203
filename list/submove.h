/*
 * submove: moving subscribers between stores, the common part of
 * ezmlm-subimport (into the list's store, from an address file or from the
 * list's std files) and ezmlm-subexport (from the list's store, to an
 * address file or to the list's std files).  See ezmlm-subimport(1).
 *
 * Every address goes through sub_bulk_add() (one pass, as few transactions
 * as the target store allows, no log records), so a second run adds
 * nothing.  A store is read into a nameless temporary file first (the
 * store iterates by callback, the bulk import pulls), so memory stays
 * bounded.  On a terminal (stderr), or with -p, a progress bar is drawn;
 * the summary line goes to stdout.
 */
#ifndef LIST_SUBMOVE_H
#define LIST_SUBMOVE_H

/* The whole program; import = 1 for ezmlm-subimport.  Exits. */
void submove_main(int import, const char *prog, int argc, char **argv) __attribute__((noreturn));

#endif
