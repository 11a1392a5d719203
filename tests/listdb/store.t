#!/bin/sh
# The MySQL subscriber store itself: the schema and ezmlm-mktab/-rmtab, the
# store line and its defaults, the legacy DIR/sql, matching ('%' and '_'
# are data, case is ignored), forced hashes (-h), the subscription log
# (time, whole event tag, name), concurrent subscribers, lists sharing a
# database, and tables made by ezmlm-idx 7.2 before and after
# sql/upgrade-from-ezmlm-idx-7.sql.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/mariadb.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
mariadb_start
cd "$SANDBOX" || exit 1

P=$MARIADB_PORT
line() { # table-root
    printf 'mysql:127.0.0.1:%s:%s:%s:%s:%s\n' "$P" "$MARIADB_USER" "$MARIADB_PASSWORD" "$MARIADB_DB" "$1"
}
sql() { mariadb_root -N -B "$MARIADB_DB" -e "$1"; }
tables() { sql "SHOW TABLES LIKE '$1%'" | sort | tr '\n' ' '; }
mk() { # DIR-name table-root: a list on the MySQL store
    ezmlm-make -6 "$(line "$2")" "$SANDBOX/$1" "$SANDBOX_HOME/.qmail-$1" "$1" "$SANDBOX_DOMAIN"
}

# ---- ezmlm-mktab ------------------------------------------------------------------------------
ezmlm-mktab >out; ok $? "ezmlm-mktab prints the schema"
is "$(grep -c '^CREATE TABLE IF NOT EXISTS `list' out)" 14 "...14 tables, table root 'list' by default"
is "$(grep -c ';$' out)" 14 "...each statement ends with ;"
grep -v '^--' "$SUITE_SRC/sql/ezmlm-mysql.sql" | sed '/^$/d' >schema
ezmlm-mktab ezmlm | cmp -s - schema; ok $? "sql/ezmlm-mysql.sql is ezmlm-mktab ezmlm"
is "$(ezmlm-mktab -d -C xx | tr '\n' ' ')" \
    'DROP TABLE IF EXISTS `xx_mlog`; DROP TABLE IF EXISTS `xx_digest_mlog`; DROP TABLE IF EXISTS `xx_cookie`; DROP TABLE IF EXISTS `xx_digest_cookie`; DROP TABLE IF EXISTS `xx_slog`; DROP TABLE IF EXISTS `xx_allow_slog`; DROP TABLE IF EXISTS `xx_deny_slog`; DROP TABLE IF EXISTS `xx_digest_slog`; DROP TABLE IF EXISTS `xx_mod_slog`; DROP TABLE IF EXISTS `xx`; DROP TABLE IF EXISTS `xx_allow`; DROP TABLE IF EXISTS `xx_deny`; DROP TABLE IF EXISTS `xx_digest`; DROP TABLE IF EXISTS `xx_mod`; ' \
    "-d -C: only the drops, message logs first, address tables last"
ezmlm-mktab -d yy | head -1 | grep -q '^DROP'; ok $? "-d: the drops come before the creates"
ezmlm-mktab 'x`y' 2>err; is $? 100 "a table root with a backquote: 100"
like "$(cat err)" 'cannot be a table root' "...saying so"
ezmlm-mktab "$(printf '%051d' 0)" 2>/dev/null; is $? 100 "a table root of 51 bytes: 100"
ezmlm-mktab -Q 2>/dev/null; is $? 100 "a bad option: 100"
ezmlm-mktab ezmlm | mariadb_root "$MARIADB_DB"; ok $? "the printed schema runs on MariaDB"
ezmlm-mktab ezmlm | mariadb_root "$MARIADB_DB"; ok $? "...twice (IF NOT EXISTS)"
is "$(tables ezmlm)" "ezmlm ezmlm_allow ezmlm_allow_slog ezmlm_cookie ezmlm_deny ezmlm_deny_slog ezmlm_digest ezmlm_digest_cookie ezmlm_digest_mlog ezmlm_digest_slog ezmlm_mlog ezmlm_mod ezmlm_mod_slog ezmlm_slog " \
    "...making ezmlm-idx's fourteen tables"
is "$(sql "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ezmlm' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION" | tr '\n' ' ')" \
    "hash address " "...the address table's primary key is (hash, address)"

# ---- a list, ezmlm-rmtab -----------------------------------------------------------------------
mk L one; ok $? "ezmlm-make -6 mysql:...: a list on the MySQL store"
L=$SANDBOX/L
is "$(cat "$L/subdb")" "$(line one)" "DIR/subdb holds the store line"
is "$(tables one)" "one one_allow one_allow_slog one_cookie one_deny one_deny_slog one_digest one_digest_cookie one_digest_mlog one_digest_slog one_mlog one_mod one_mod_slog one_slog " \
    "...and ezmlm-make made the tables"
ezmlm-sub "$L" a@x.org; ok $? "ezmlm-sub"
ezmlm-rmtab "$L"; ok $? "ezmlm-rmtab DIR"
is "$(tables one)" "" "...drops every table of the list"
ezmlm-sub "$L" a@x.org 2>/dev/null; is $? 111 "...after which the list has no store (111)"
ezmlm-mktab -e "$L"; ok $? "ezmlm-mktab -e DIR makes them again"
is "$(ezmlm-list -n "$L")" 0 "...empty"
ezmlm-sub "$L" a@x.org && ezmlm-mktab -e -d "$L"; ok $? "ezmlm-mktab -e -d DIR: drop and create"
is "$(ezmlm-list -n "$L")" 0 "...empties the list"
ezmlm-rmtab -S "$(line one)" "$SANDBOX"; ok $? "ezmlm-rmtab -S LINE"
is "$(tables one)" "" "...drops that store's tables"
ezmlm-mktab -e -S "$(line one)" "$SANDBOX"; ok $? "ezmlm-mktab -e -S LINE makes them"
ezmlm-rmtab -Q "$L" 2>/dev/null; is $? 100 "ezmlm-rmtab: a bad option: 100"
ezmlm-rmtab "$SANDBOX/nolist" 2>/dev/null; is $? 111 "ezmlm-rmtab: a missing DIR: 111"
ezmlm-rmtab -V 2>err; is "$(cat err)" "ezmlm-rmtab version: ezmlm-idx-7.2.2" "ezmlm-rmtab -V"

# ---- the store line --------------------------------------------------------------------------------
mkdir -p D/allow D/deny D/digest D/mod
mariadb_root -e "CREATE DATABASE ezmlm; GRANT ALL ON ezmlm.* TO '$MARIADB_USER'@'127.0.0.1', '$MARIADB_USER'@'localhost'"
printf 'mysql:127.0.0.1:%s:%s:%s\n' "$P" "$MARIADB_USER" "$MARIADB_PASSWORD" >D/subdb
ezmlm-mktab -e D && ezmlm-sub D d@x.org; ok $? "a store line without db and table"
is "$(mariadb_root -N -B ezmlm -e 'SELECT address FROM ezmlm')" "d@x.org" "...uses database ezmlm, table ezmlm"
printf 'mysql:127.0.0.1:%s:%s:%s:%s:\n' "$P" "$MARIADB_USER" "$MARIADB_PASSWORD" "$MARIADB_DB" >D/subdb
ezmlm-mktab -e D && ezmlm-sub D e@x.org; ok $? "an empty table field"
is "$(sql 'SELECT address FROM ezmlm')" "e@x.org" "...is table ezmlm"
printf '127.0.0.1:%s:%s:%s:%s:legacy\n' "$P" "$MARIADB_USER" "$MARIADB_PASSWORD" "$MARIADB_DB" >D/sql
rm D/subdb
ezmlm-mktab -e D && ezmlm-sub D f@x.org; ok $? "the legacy DIR/sql (no store name)"
is "$(sql 'SELECT address FROM legacy')" "f@x.org" "...is the MySQL store"
is "$(ezmlm-list D)" "f@x.org" "...for every program"
rm D/sql
printf 'mysql:127.0.0.1:port:u:p:d:t\n' >D/subdb
ezmlm-list D 2>err; is $? 111 "a bad port: 111"
like "$(cat err)" 'bad port "port"' "...saying so"
printf 'mysql:127.0.0.1:%s:%s:%s:%s:bad`name\n' "$P" "$MARIADB_USER" "$MARIADB_PASSWORD" "$MARIADB_DB" >D/subdb
ezmlm-list D 2>err; is $? 111 "a table name with a backquote: 111"
like "$(cat err)" 'cannot be a table name' "...saying so"
printf 'mysql:127.0.0.1:%s:%s:%s:%s:one\n' "$P" "$MARIADB_USER" "$MARIADB_PASSWORD" "$MARIADB_DB" >D/subdb
mkdir -p "D/a b"
SENDER=a@x.org ezmlm-issubn D 'a b' 2>err; is $? 111 "a sub-database name that is no table name: 111"
like "$(cat err)" '"one_a b_slog" cannot be a table name' "...saying so"
ezmlm-sub -S "$(line one)" "$SANDBOX/D" digest g@x.org; ok $? "ezmlm-sub -S LINE DIR digest"
is "$(sql 'SELECT address FROM one_digest')" "g@x.org" "...uses table one_digest"

# ---- matching ------------------------------------------------------------------------------------------
ezmlm-sub "$L" 'a%b_c@Example.ORG' 'Mixed.Case@X.ORG'
is "$(sql "SELECT address FROM one WHERE address LIKE 'a%' ORDER BY address" | tr '\n' ' ')" "a%b_c@example.org " \
    "the domain is lowercased when stored, the local part kept"
SENDER='a%b_c@example.org' ezmlm-issubn "$L"; is $? 0 "'%' and '_' match themselves"
SENDER='aXXb_c@example.org' ezmlm-issubn "$L"; is $? 99 "...'%' is no wildcard"
SENDER='a%bXc@example.org' ezmlm-issubn "$L"; is $? 99 "...'_' is no wildcard"
SENDER='A%B_C@EXAMPLE.ORG' ezmlm-issubn "$L"; is $? 0 "case is ignored"
SENDER='mixed.case@x.org' ezmlm-issubn "$L"; is $? 0 "...both ways"
ezmlm-sub "$L" 'MIXED.CASE@x.org'
is "$(sql "SELECT COUNT(*) FROM one WHERE address = 'mixed.case@x.org'")" 1 "...and a second spelling is no second subscriber"
ezmlm-unsub "$L" 'mixed.CASE@X.org'; SENDER='Mixed.Case@x.org' ezmlm-issubn "$L"; is $? 99 "...removal ignores case"
q="o'neil\\\"x@x.org"
ezmlm-sub "$L" "$q" && SENDER=$q ezmlm-issubn "$L"; is $? 0 "quotes and backslashes are data"
is "$(sql "SELECT COUNT(*) FROM one WHERE address LIKE 'o%'")" 1 "...stored once, as given"
u=$(printf 'j\303\266rg@x.org')
U=$(printf 'J\303\266RG@x.org')
ezmlm-sub "$L" "$u" && SENDER=$U ezmlm-issubn "$L"; is $? 0 "UTF-8: ASCII case is ignored"
is "$(ezmlm-list "$L" | grep rg@)" "$u" "...and the bytes come back unchanged"
SENDER=$(printf 'j\303\226rg@x.org') ezmlm-issubn "$L"; is $? 99 "...other bytes are compared as they are"
ezmlm-sub "$L" '@wild.example' && SENDER=anyone@wild.example ezmlm-issubn "$L"; is $? 0 "an @domain entry matches the whole domain"
ezmlm-unsub "$L" "$q" "$u" '@wild.example' 'a%b_c@example.org'

# ---- forced hashes ----------------------------------------------------------------------------------------
ezmlm-sub -h 99 "$L" sub@list.example; ok $? "ezmlm-sub -h 99"
is "$(sql "SELECT hash FROM one WHERE address = 'sub@list.example'")" 99 "...stored with hash 99"
ezmlm-list "$L" | grep -q sub@; is $? 1 "...not listed (hashes 0-52 only)"
SENDER=sub@list.example ezmlm-issubn "$L"; is $? 0 "...but a subscriber"
ezmlm-unsub "$L" sub@list.example; SENDER=sub@list.example ezmlm-issubn "$L"; is $? 0 "ezmlm-unsub without -h leaves it"
ezmlm-unsub -h 99 "$L" sub@list.example; ok $? "ezmlm-unsub -h 99"
SENDER=sub@list.example ezmlm-issubn "$L"; is $? 99 "...removes it (both placeholders bound)"
ezmlm-sub -h 7 "$L" seven@x.org
is "$(sql "SELECT hash FROM one WHERE address = 'seven@x.org'")" 7 "-h 7: hash 7"
ezmlm-sub -h 107 "$L" big@x.org
is "$(sql "SELECT hash FROM one WHERE address = 'big@x.org'")" 7 "-h 107: hash 107 mod 100"
ezmlm-sub "$L" foo@example.com
is "$(sql "SELECT hash FROM one WHERE address = 'foo@example.com'")" 48 "the computed hash is ezmlm-idx's (foo@example.com: 48)"
ezmlm-unsub -h 7 "$L" seven@x.org big@x.org foo@example.com

# ---- the subscription log ------------------------------------------------------------------------------------
list_clear "$L"
before=$(date +%s)
ezmlm-sub -n "$L" log@x.org 'Log Tester'
after=$(date +%s)
t=$(sql "SELECT UNIX_TIMESTAMP(tai) FROM one_slog WHERE address = 'log@x.org'")
ok "$(test "$t" -ge "$before" && test "$t" -le "$after"; echo $?)" "the log time is set (not NULL): $t"
is "$(sql "SELECT CONCAT(edir, etype, '|', fromline) FROM one_slog WHERE address = 'log@x.org'")" "+manual|Log Tester" \
    "...the whole event tag and the name"
is "$(cat "$L/Log")" "$t +manual log@x.org Log Tester" "...and the std Log line, with the same time"
ezmlm-unsub -t probe "$L" log@x.org
is "$(sql "SELECT CONCAT(edir, etype) FROM one_slog ORDER BY id DESC LIMIT 1")" "-probe" "-t probe: -probe"
ezmlm-sub "$L" mod m@x.org
is "$(sql "SELECT address FROM one_mod_slog")" "m@x.org" "sub-databases log into their own table"
is "$(sql "SELECT COUNT(*) FROM one_slog WHERE address = 'm@x.org'")" 0 "...only"
test -f "$L/mod/Log"; ok $? "...and their own Log file"
ezmlm-sub "$L" log@x.org; ezmlm-sub "$L" log@x.org
is "$(sql "SELECT COUNT(*) FROM one_slog WHERE address = 'log@x.org' AND edir = '+'")" 2 "no log record for a change that was not made"

# ---- many subscribers at once ----------------------------------------------------------------------------------
list_clear "$L"
pids=
for p in 1 2 3 4; do
    awk -v p=$p 'BEGIN { for (i = 1; i <= 150; i++) printf "u%d@par.example\n", (i * p) % 300 }' >par$p
    ezmlm-sub "$L" <par$p 2>par$p.err &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
cat par1 par2 par3 par4 | sort -u >par.all
is "$(ezmlm-list "$L" | sort)" "$(cat par.all)" "four ezmlm-sub at once: every address subscribed"
is "$(cat par1.err par2.err par3.err par4.err)" "" "...without an error"
is "$(sql "SELECT COUNT(*) FROM one_slog")" "$(wc -l <par.all | tr -d ' ')" "...and logged exactly once"

# ---- lists sharing a database ---------------------------------------------------------------------------------------
mk M two; ezmlm-sub "$SANDBOX/M" only@two.example
SENDER=only@two.example ezmlm-issubn "$L"; is $? 99 "two lists in one database do not see each other's subscribers"
is "$(ezmlm-list "$SANDBOX/M")" "only@two.example" "...each has its own tables"

# ---- tables made by ezmlm-idx 7.2 -----------------------------------------------------------------------------------
oldtables() { # table root: ezmlm-idx 7.2's tables for the main list and mod, as it makes them
    sql "CREATE TABLE $1 (hash TINYINT UNSIGNED NOT NULL, address VARCHAR(255) NOT NULL, INDEX h (hash), INDEX a (address(12)));
CREATE TABLE $1_slog (tai TIMESTAMP, address VARCHAR(255) NOT NULL, fromline VARCHAR(255) NOT NULL, edir CHAR(1) NOT NULL, etype CHAR(1) NOT NULL, INDEX (tai));
CREATE TABLE $1_cookie (msgnum INTEGER UNSIGNED NOT NULL, tai TIMESTAMP NOT NULL, cookie CHAR(20) NOT NULL, chunk TINYINT UNSIGNED NOT NULL DEFAULT 0, bodysize INTEGER UNSIGNED NOT NULL DEFAULT 0, PRIMARY KEY (msgnum));
CREATE TABLE $1_mlog (msgnum INTEGER UNSIGNED NOT NULL, listno INTEGER UNSIGNED NOT NULL, tai TIMESTAMP, subs INTEGER UNSIGNED NOT NULL DEFAULT 0, done TINYINT NOT NULL DEFAULT 0, PRIMARY KEY (listno,msgnum,done));
CREATE TABLE $1_mod (hash TINYINT UNSIGNED NOT NULL, address VARCHAR(255) NOT NULL, INDEX h (hash), INDEX a (address(12)));
CREATE TABLE $1_mod_slog (tai TIMESTAMP, address VARCHAR(255) NOT NULL, fromline VARCHAR(255) NOT NULL, edir CHAR(1) NOT NULL, etype CHAR(1) NOT NULL, INDEX (tai));"
}
oldtables old
# what ezmlm-idx itself wrote: NULL times, one-letter event types, a duplicate
sql "INSERT INTO old (hash, address) VALUES (31, 'a@b.org'), (31, 'A@b.org'), (3, 'C@d.org');
INSERT INTO old_slog (address, edir, etype, fromline) VALUES ('a@b.org', '+', 'm', ''), ('C@d.org', '+', '', 'Cee <C@d.org>');"
mk O old; ok $? "ezmlm-make -6 on ezmlm-idx's tables (it makes only the missing ones)"
is "$(sql "SHOW CREATE TABLE old" | grep -c PRIMARY)" 0 "...and leaves the others as they are"
is "$(ezmlm-list O | sort | tr '\n' ' ')" "A@b.org C@d.org a@b.org " "the store reads ezmlm-idx's tables"
ezmlm-sub -n O e@f.org 'Eve'; ok $? "...subscribes into them"
is "$(sql "SELECT CONCAT(edir, etype, ' ', UNIX_TIMESTAMP(tai) > 1000000000) FROM old_slog WHERE address = 'e@f.org'")" "+m 1" \
    "...logging as ezmlm-idx does (one-letter etype) but with the time"
ezmlm-unsub O C@d.org; SENDER=c@d.org ezmlm-issubn O; is $? 99 "...and unsubscribes"
long=$(printf '%0300d@x.org' 0)
ezmlm-sub O "$long" 2>err; is $? 100 "a 306-byte address into ezmlm-idx's 255-byte column: 100"
like "$(cat err)" 'address is too long' "...address is too long"
touch O/remote O/modcanlist
ezmlm-sub O mod mod@m.example
printf 'From: someone\nSubject: x\n\n' | SENDER=mod@m.example DEFAULT=log ezmlm-manage O 2>err; is $? 0 "ezmlm-manage -log on ezmlm-idx's log table"
m=$(cat "$QQREC/$(qqrec_count).msg")
like "$m" '1 Jan 1970 00:00:00 -0000: \+m a@b\.org' "...NULL times show as the epoch"
like "$m" '[0-9]+ [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]{8} -0000: \+m e@f\.org Eve' "...our records with their time"

mariadb_root "$MARIADB_DB" <"$SUITE_SRC/sql/upgrade-from-ezmlm-idx-7.sql"; ok $? "sql/upgrade-from-ezmlm-idx-7.sql runs"
is "$(sql "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'old' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION" | tr '\n' ' ')" \
    "hash address " "...the address table has the primary key"
is "$(sql "SELECT address FROM old ORDER BY address" | tr '\n' ' ')" "a@b.org e@f.org " "...the duplicate (equal ignoring case) is gone, the first kept"
is "$(sql "SELECT INDEX_NAME, SUB_PART FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'old' AND INDEX_NAME <> 'PRIMARY'" | tr '\t\n' '  ')" \
    "a NULL " "...a full index on address, no index h"
is "$(sql "SELECT COUNT(*) FROM old_slog WHERE tai IS NULL")" 0 "...no NULL log times"
is "$(sql "SELECT UNIX_TIMESTAMP(tai) FROM old_slog WHERE address = 'a@b.org'")" 1 "...they are 1970-01-01 00:00:01"
is "$(sql "SELECT id FROM old_slog ORDER BY id" | tr '\n' ' ')" "1 2 3 4 " "...log records numbered in the order they were stored"
is "$(sql "SELECT address FROM old_slog ORDER BY id" | tr '\n' ' ')" "a@b.org C@d.org e@f.org C@d.org " "...(that order)"
is "$(sql "SELECT IS_NULLABLE, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'old_mlog' AND COLUMN_NAME = 'tai'" | tr '\t' ' ')" \
    "NO current_timestamp()" "...message log times default to the current time"
ezmlm-sub O "$long"; ok $? "...addresses up to 400 bytes fit"
ezmlm-sub -t manual O g@h.org
is "$(sql "SELECT CONCAT(edir, etype) FROM old_slog WHERE address = 'g@h.org'")" "+manual" "...the whole event tag fits"
sql "INSERT INTO old_slog (address, edir, etype, fromline) VALUES ('x@y.org', '+', 'm', '')"
is "$(sql "SELECT UNIX_TIMESTAMP(tai) > 1000000000 FROM old_slog WHERE address = 'x@y.org'")" 1 "...ezmlm-idx's own insert (no tai) now gets the time"
sql "INSERT INTO old (hash, address) VALUES (5, 'idx@x.org')"; ok $? "...and its subscribe statement still works"
dump() { sql "SHOW CREATE TABLE $1\\G"; }
before=$(for t in old old_slog old_cookie old_mlog old_mod old_mod_slog; do dump $t; done)
mariadb_root "$MARIADB_DB" <"$SUITE_SRC/sql/upgrade-from-ezmlm-idx-7.sql"; ok $? "running the upgrade again"
is "$(for t in old old_slog old_cookie old_mlog old_mod old_mod_slog; do dump $t; done)" "$before" "...changes nothing"
is "$(tables one)" "one one_allow one_allow_slog one_cookie one_deny one_deny_slog one_digest one_digest_cookie one_digest_mlog one_digest_slog one_mlog one_mod one_mod_slog one_slog " \
    "...and leaves our own tables alone"

done_testing
