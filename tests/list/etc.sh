# etc.sh -- an EZMLM_ETC for the list tests (POSIX sh; source after
# sandbox.sh and call after sandbox_create).
#
#   list_etc_setup   makes $SANDBOX/etc with one directory per language of
#                    lang/ (its text/, charset, plus templates/ezmlmrc as
#                    ezmlmrc) and default -> en_US, as an installation has
#                    them under /etc/ezmlm; exports EZMLM_ETC and EZMLM_BIN
#                    ($QMAILHOME/bin, where the sandbox links the programs)

list_etc_setup() {
    EZMLM_ETC=$SANDBOX/etc
    mkdir -p "$EZMLM_ETC" || return 1
    for _le_l in "$SUITE_SRC"/lang/*/; do
        _le_n=$(basename "$_le_l")
        mkdir -p "$EZMLM_ETC/$_le_n" &&
            cp -R "$_le_l". "$EZMLM_ETC/$_le_n/" &&
            cp "$SUITE_SRC/templates/ezmlmrc" "$EZMLM_ETC/$_le_n/ezmlmrc" || return 1
    done
    ln -s en_US "$EZMLM_ETC/default" || return 1
    EZMLM_BIN=$QMAILHOME/bin
    export EZMLM_ETC EZMLM_BIN
    if [ "$(list_store)" = mysql ]; then
        _list_mysql_ready
    fi
}

# ---- subscriber stores --------------------------------------------------------
# The list tests run twice: on the std store, and with LIST_STORE=mysql on
# MariaDB (tests/run.pl does the second run with one server for all files and
# its MARIADB_* variables; a file run alone with LIST_STORE=mysql starts its
# own server in list_etc_setup).  Tests make their lists with list_make (or
# qqrec.sh's mklist, which calls list_store_init).
#
#   list_make ARGS...  ezmlm-make ARGS.  With LIST_STORE=mysql, "-6 LINE" is
#                      put first (unless ARGS has -6, -e, -+ or an existing
#                      DIR/subdb): the list's subscribers live in MariaDB
#                      under a table root of its own (t_<file>_<pid>_<n>)
#   list_store_init DIR  for a list directory made by hand: with
#                      LIST_STORE=mysql writes DIR/subdb (a fresh table root)
#                      and creates the tables; nothing on std
#   list_store         prints the store tests run on: std or mysql
#   list_store_line    prints a store line for a fresh table root (mysql)
#   list_clear DIR     empties the subscriber store of DIR (main list and
#                      every sub-database) and removes its Log files
#   list_std_only WHY  on another store, skips the whole file (skip_all WHY)

list_store() {
    case ${LIST_STORE:-std} in
    mysql) echo mysql ;;
    *) echo std ;;
    esac
}

_list_mysql_ready() {
    [ "$(list_store)" = mysql ] || return 1
    [ -n "${MARIADB_PORT:-}" ] && return 0
    . "$SUITE_SRC/tests/lib/mariadb.sh"
    mariadb_start || BAIL_OUT "LIST_STORE=mysql: no MariaDB server"
}

list_store_line() {
    _ls_n=$(($(cat "$SANDBOX/.mklist-n" 2>/dev/null || echo 0) + 1))
    echo "$_ls_n" >"$SANDBOX/.mklist-n"
    _ls_base=$(basename "$0" .t | tr -c 'a-zA-Z0-9\n' '_' | cut -c1-24)
    printf 'mysql:%s:%s:%s:%s:%s:t_%s_%s_%s\n' "$MARIADB_HOST" "$MARIADB_PORT" "$MARIADB_USER" \
        "$MARIADB_PASSWORD" "$MARIADB_DB" "$_ls_base" "$$" "$_ls_n"
}

list_make() {
    if [ "$(list_store)" = mysql ]; then
        _ml_plain=
        for _ml_a in "$@"; do
            case $_ml_a in
            -6* | -e* | -+* | -[a-zA-Z0-9]*[e+6]*) _ml_plain=1 ;;
            /*) [ -f "$_ml_a/subdb" ] && _ml_plain=1 ;;
            esac
        done
        if [ -z "$_ml_plain" ]; then
            ezmlm-make -6 "$(list_store_line)" "$@"
            return $?
        fi
    fi
    ezmlm-make "$@"
}

list_store_init() {
    [ "$(list_store)" = mysql ] || return 0
    list_store_line >"$1/subdb" && ezmlm-mktab -e "$1"
}

list_clear() {
    if [ -f "$1/subdb" ] || [ -f "$1/sql" ]; then
        ezmlm-mktab -e -d "$1" || return 1
    else
        rm -f "$1"/subscribers/* "$1"/*/subscribers/*
    fi
    rm -f "$1/Log" "$1"/*/Log
}

list_std_only() {
    if [ "$(list_store)" != std ]; then
        skip_all "$1"
        exit 0
    fi
}

# store_sort: a filter that sorts its lines on stores whose listing order is
# not the std store's bucket-file order (mysql lists by its hash column,
# then address), dropping empty lines; on std it passes its input unchanged.  Apply it to both
# sides of a comparison of several addresses.
store_sort() {
    if [ "$(list_store)" = std ]; then
        cat
    else
        grep -v '^$' | LC_ALL=C sort
    fi
}
