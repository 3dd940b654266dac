#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile text in the audit exports, through the binary: CSV cells that a spreadsheet would run are
# quoted out (OWASP), control characters never reach the CSV or the table (in a UTF-8 locale and in
# one that is not, where every byte above 0x7f is a character of the terminal's), JSON keeps the raw
# values, escaped.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_audit.sh"

db="$AUDIT_TMP/audit.db"
"$GUESTOS" -c test:///default --audit-db "$db" logoff test </dev/null >/dev/null 2>&1
task=$(audit_sql "$db" "SELECT task_id FROM tasks LIMIT 1")
[ -n "$task" ] || audit_fatal "no task was recorded"
# What a guest and libvirt could have said, put into the summary (which the exports read).
sqlite3 "$db" "UPDATE tasks SET
    vm_name = '=cmd|'' /C calc''!A0',
    op_user = '@SUM(1+1)',
    origin = char(9) || 'tab',
    phase = '-2+3',
    host = '+h',
    message = 'a' || char(27) || ']52;c;ZXZpbA==' || char(7) || ' b' || char(133) || ' c' || char(256) || ' ' || char(8238) || 'rtl',
    users_before = '[\"=1+1\",\"' || char(27) || '[2J\"]'
    WHERE task_id = '$task'" || audit_fatal "sqlite3 could not set the hostile row"

# no_controls FILE WHAT [CRLF]: no C0 control (but CR LF where CRLF says so), DEL, or C1 (UTF-8 C2 80..9F).
no_controls() {
    if [ -n "$3" ]; then bad=$(LC_ALL=C tr -d '\r\n' <"$1" | LC_ALL=C tr -cd '\000-\037\177' | wc -c)
    else bad=$(LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C tr -cd '\000-\037\177' | wc -c); fi
    [ "$bad" -eq 0 ] || audit_fail "$2 holds $bad control bytes: $(od -c "$1" | head -n 20)"
    LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1" && audit_fail "$2 holds a C1 control"
    LC_ALL=C grep -q "$(printf '\342\200\256')" "$1" && audit_fail "$2 holds a right-to-left override"
    return 0
}

# --- CSV --------------------------------------------------------------------------
"$GUESTOS" --audit-db "$db" audit --format csv >"$AUDIT_TMP/out.csv" || audit_fail "csv export"
no_controls "$AUDIT_TMP/out.csv" "the CSV" crlf
row=$(grep -F "$task" "$AUDIT_TMP/out.csv")
for cell in "'=cmd|' /C calc'!A0" ",'@SUM(1+1)," ",'-2+3," ",'+h," ",?tab,"; do
    printf '%s\n' "$row" | grep -q -F -- "$cell" || audit_fail "the CSV row lacks $cell: $row"
done
printf '%s\n' "$row" | grep -q -F 'a?]52;c;ZXZpbA==? b? c' || audit_fail "the CSV message: $row"
# A users array starts with [: not a formula, kept whole as one field.
printf '%s\n' "$row" | grep -q -F '"[""=1+1"",""?[2J""]"' || audit_fail "the CSV users: $row"
# Every record ends in CRLF, one a line: the line breaks were not let through.
[ "$(LC_ALL=C grep -c "$(printf '\r')\$" "$AUDIT_TMP/out.csv")" -eq "$(wc -l <"$AUDIT_TMP/out.csv")" ] ||
    audit_fail "a CSV record is broken over lines"

# --- the table, UTF-8 and not ----------------------------------------------------------
LC_ALL=C.UTF-8 "$GUESTOS" --audit-db "$db" audit >"$AUDIT_TMP/utf8.txt" || audit_fail "table export"
no_controls "$AUDIT_TMP/utf8.txt" "the UTF-8 table"
LC_ALL=C grep -q "$(printf '\304\200')" "$AUDIT_TMP/utf8.txt" || audit_fail "the UTF-8 table lost a printable letter"
LC_ALL=C "$GUESTOS" --audit-db "$db" audit >"$AUDIT_TMP/c.txt" || audit_fail "table export in C"
no_controls "$AUDIT_TMP/c.txt" "the C table"
high=$(LC_ALL=C tr -d '\000-\177' <"$AUDIT_TMP/c.txt" | wc -c)
[ "$high" -eq 0 ] || audit_fail "the table in a non-UTF-8 locale holds $high bytes above 0x7f"
grep -q "a?]52;c;ZXZpbA==? b? c? ?rtl" "$AUDIT_TMP/c.txt" || audit_fail "the C table's message: $(grep "$task" "$AUDIT_TMP/c.txt")"

# --- JSON: the raw values, escaped --------------------------------------------------------
"$GUESTOS" --audit-db "$db" audit --format json >"$AUDIT_TMP/out.json" || audit_fail "json export"
no_controls "$AUDIT_TMP/out.json" "the JSON"
grep -q -F '"vm_name": "=cmd|'"'"' /C calc'"'"'!A0"' "$AUDIT_TMP/out.json" || audit_fail "JSON vm_name: $(grep vm_name "$AUDIT_TMP/out.json")"
grep -q -F '"message": "a\u001b]52;c;ZXZpbA==\u0007 b' "$AUDIT_TMP/out.json" || audit_fail "JSON message: $(grep message "$AUDIT_TMP/out.json")"

echo "PASS: audit_hostile"
exit 0
