#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Where the audit database may live, through the binary: a symbolic link (dangling or not), a file
# open to others or of another user, a folder others can write are refused with one line and exit 2,
# as sshd's StrictModes would; a sticky folder is fine; review of a file the reviewer only reads works.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

# refused WORDS ARGS...: exit 2, one line on stderr that says WORDS, nothing on stdout.
refused() {
    words=$1
    shift
    "$GUESTOS" "$@" </dev/null >"$AUDIT_TMP/out.txt" 2>"$AUDIT_TMP/err.txt"
    rc=$?
    [ "$rc" -eq 2 ] || audit_fail "'$*' exits $rc, expected 2: $(cat "$AUDIT_TMP/err.txt")"
    grep -q "$words" "$AUDIT_TMP/err.txt" || audit_fail "'$*' says: $(cat "$AUDIT_TMP/err.txt")"
    [ "$(wc -l <"$AUDIT_TMP/err.txt")" -eq 1 ] || audit_fail "'$*' wrote more than one line: $(cat "$AUDIT_TMP/err.txt")"
    [ ! -s "$AUDIT_TMP/out.txt" ] || audit_fail "'$*' printed: $(cat "$AUDIT_TMP/out.txt")"
}
record() {
    "$GUESTOS" -c test:///default --audit-db "$1" logoff test </dev/null >/dev/null 2>&1
    [ $? -ne 2 ] || audit_fail "a logoff recording in $1 was refused"
}

mkdir -m 700 "$AUDIT_TMP/home" || audit_fatal "mkdir"
good="$AUDIT_TMP/home/audit.db"
record "$good"
[ "$(stat -c %a "$good")" = 600 ] || audit_fail "the new database is mode $(stat -c %a "$good")"
events=$(audit_sql "$good" "SELECT count(*) FROM events")

# --- symbolic links: never followed, a dangling one never creates its target --------
ln -s "$AUDIT_TMP/home/target.db" "$AUDIT_TMP/home/dangling.db"
refused "is a symbolic link" -c test:///default --audit-db "$AUDIT_TMP/home/dangling.db" logoff test
[ ! -e "$AUDIT_TMP/home/target.db" ] || audit_fail "the dangling link's target was created"
refused "is a symbolic link" --audit-db "$AUDIT_TMP/home/dangling.db" audit
ln -s "$good" "$AUDIT_TMP/home/link.db"
refused "is a symbolic link" -c test:///default --audit-db "$AUDIT_TMP/home/link.db" logoff test
refused "is a symbolic link" --audit-db "$AUDIT_TMP/home/link.db" audit verify
[ "$(audit_sql "$good" "SELECT count(*) FROM events")" -eq "$events" ] || audit_fail "a logoff went through the link"
mkdir "$AUDIT_TMP/home/dir.db"
refused "is not a regular file" -c test:///default --audit-db "$AUDIT_TMP/home/dir.db" logoff test

# --- the file's mode ----------------------------------------------------------------
cp "$good" "$AUDIT_TMP/home/open.db"
chmod 644 "$AUDIT_TMP/home/open.db"
refused "open to group or others (mode 0644); make it private with chmod 600" \
    -c test:///default --audit-db "$AUDIT_TMP/home/open.db" logoff test
chmod 640 "$AUDIT_TMP/home/open.db"
refused "open to group or others (mode 0640)" -c test:///default --audit-db "$AUDIT_TMP/home/open.db" logoff test
# Review of a file others may read, not write, works; one others may write is refused.
"$GUESTOS" --audit-db "$AUDIT_TMP/home/open.db" audit verify >/dev/null || audit_fail "verify of a 0640 file"
chmod 666 "$AUDIT_TMP/home/open.db"
refused "can be written by its group or others (mode 0666)" --audit-db "$AUDIT_TMP/home/open.db" audit
refused "open to group or others (mode 0666)" -c test:///default --audit-db "$AUDIT_TMP/home/open.db" logoff test

# --- the folders ---------------------------------------------------------------------
mkdir -m 777 "$AUDIT_TMP/shared"
chmod 777 "$AUDIT_TMP/shared"     # whatever the umask
refused "The folder $AUDIT_TMP/shared of the audit database can be written by its group or others (mode 0777)" \
    -c test:///default --audit-db "$AUDIT_TMP/shared/audit.db" logoff test
[ ! -e "$AUDIT_TMP/shared/audit.db" ] || audit_fail "the database was created in a folder anyone can write"
# Below it, in a private folder of one's own, still not: the shared folder could swap that folder.
refused "The folder $AUDIT_TMP/shared of the audit database" \
    -c test:///default --audit-db "$AUDIT_TMP/shared/mine/deeper/audit.db" logoff test
[ ! -e "$AUDIT_TMP/shared/mine" ] || audit_fail "a folder was made inside a folder anyone can write"
chmod 1777 "$AUDIT_TMP/shared"    # sticky, as /tmp is: entries cannot be swapped by others
record "$AUDIT_TMP/shared/audit.db"
[ "$(audit_sql "$AUDIT_TMP/shared/audit.db" "SELECT count(*) FROM events")" -gt 0 ] ||
    audit_fail "nothing was recorded in a sticky folder"

# --- another user's file and folder, and a reviewer who can read but not write ------------
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
    echo "NOTE: not root (or no setpriv): the other-user cases were not run." >&2
    echo "PASS: audit_path"
    exit 0
fi
nobody=$(id -u nobody)
cp "$good" "$AUDIT_TMP/home/theirs.db"
chown nobody "$AUDIT_TMP/home/theirs.db"
refused "belongs to another user (uid $nobody), so guestos does not record in it" \
    -c test:///default --audit-db "$AUDIT_TMP/home/theirs.db" logoff test
"$GUESTOS" --audit-db "$AUDIT_TMP/home/theirs.db" audit verify >/dev/null || audit_fail "root cannot review nobody's file"
mkdir -m 700 "$AUDIT_TMP/home/theirs"
chown nobody "$AUDIT_TMP/home/theirs"
refused "The folder $AUDIT_TMP/home/theirs of the audit database belongs to another user (uid $nobody)" \
    -c test:///default --audit-db "$AUDIT_TMP/home/theirs/audit.db" logoff test

# nobody reviews root's log, which it can read and not write.
mkdir -m 755 "$AUDIT_TMP/review"
cp "$good" "$AUDIT_TMP/review/audit.db"
chmod 644 "$AUDIT_TMP/review/audit.db"
chmod 755 "$AUDIT_TMP"
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$GUESTOS" "$@"
}
out=$(as_nobody --audit-db "$AUDIT_TMP/review/audit.db" audit verify 2>&1) ||
    audit_fail "nobody cannot verify a log it may read: $out"
printf '%s\n' "$out" | grep -q "^ok: $events events" || audit_fail "nobody's verify says: $out"
as_nobody --audit-db "$AUDIT_TMP/review/audit.db" audit --format csv >"$AUDIT_TMP/review.csv" 2>&1 ||
    audit_fail "nobody cannot review a log it may read: $(cat "$AUDIT_TMP/review.csv")"
[ "$(wc -l <"$AUDIT_TMP/review.csv")" -ge 2 ] || audit_fail "nobody's review is empty"
chmod 700 "$AUDIT_TMP"

echo "PASS: audit_path"
exit 0
