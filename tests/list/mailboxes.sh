# mailboxes.sh -- local Maildirs for the list tests that run the real queue
# (POSIX sh; source after sandbox.sh and queue.sh, run in $QMAILHOME).
#
#   mailboxes_setup NAME...  USER-EXT@DOMAIN goes to ~/.qmail-EXT (users/
#                            assign), and each NAME gets ~/NAME/ as a Maildir
#                            with ~/.qmail-NAME delivering to it
#   count NAME               messages in ~/NAME/new
#   wait_count NAME N        waits (up to a minute) until there are N
#   newest NAME              the path of the newest of them

mailboxes_setup() {
    sed -i '$d' users/assign
    printf '+%s-:%s:%s:%s:%s:-::\n.\n' "$SANDBOX_USER" "$SANDBOX_USER" "$SANDBOX_UID" "$SANDBOX_GID" \
        "$SANDBOX_HOME" >>users/assign
    qmail-newu || return 1
    for _mb in "$@"; do
        maildirmake "$SANDBOX_HOME/$_mb" || return 1
        printf './%s/\n' "$_mb" >"$SANDBOX_HOME/.qmail-$_mb"
    done
}

count() { find "$SANDBOX_HOME/$1/new" -type f | wc -l | tr -d ' '; }
wait_count() {
    _wc=0
    while [ "$(count "$1")" -lt "$2" ] && [ $_wc -lt 1200 ]; do sleep 0.05; _wc=$((_wc + 1)); done
    [ "$(count "$1")" -ge "$2" ]
}
newest() { ls -t "$SANDBOX_HOME/$1"/new/* | head -1; }
