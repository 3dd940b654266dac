#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The man page against the program: every action and every option is there, and groff has nothing to say.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
page="$top_srcdir/doc/guestos.1"
if [ -z "$GUESTOS" ] || [ ! -x "$GUESTOS" ]; then
    echo "ERROR: GUESTOS must name the guestos binary (make check sets it)." >&2
    exit 99
fi
[ -r "$page" ] || { echo "ERROR: no $page" >&2; exit 99; }

fail=0
# The ACTIONS section, from its heading to the next one, with roff's escaped hyphens plain.
actions=$(sed -n '/^\.SH ACTIONS/,/^\.SH [^A]/p' "$page" | sed 's/\\-/-/g')
names=$(LANGUAGE=C "$GUESTOS" --list-actions | awk '{ print $1 }')
[ -n "$names" ] || { echo "ERROR: guestos --list-actions printed nothing" >&2; exit 99; }
for name in $names; do
    # A macro line starting an entry: .B name, .BR name ..., .BI name ..., or "name" inside one.
    if ! printf '%s\n' "$actions" | grep -E -q "^\.(B|BR|BI)( \"?| .*[ \"])$name( |\"|$)"; then
        echo "FAIL: the action '$name' is missing from the ACTIONS section of doc/guestos.1" >&2
        fail=1
    fi
done

page_plain=$(sed 's/\\-/-/g' "$page")
for opt in $(LANGUAGE=C "$GUESTOS" --help | grep -o -E -- '--[a-z][a-z-]+' | sort -u); do
    if ! printf '%s\n' "$page_plain" | grep -F -q -- "$opt"; then
        echo "FAIL: the option '$opt' of guestos --help is missing from doc/guestos.1" >&2
        fail=1
    fi
done

if command -v groff >/dev/null 2>&1; then
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    if [ -n "$warnings" ]; then
        printf 'FAIL: groff warns about doc/guestos.1:\n%s\n' "$warnings" >&2
        fail=1
    fi
else
    echo "NOTE: groff is not installed; the page was not typeset." >&2
fi

# Every source that says something to the operator is in the catalog's list, or its
# sentences would stay English in every language.
for f in "$top_srcdir"/base/*.c "$top_srcdir"/core/*.c "$top_srcdir"/db/*.c "$top_srcdir"/tui/*.c; do
    grep -q '_("\|N_("\|ngettext(' "$f" || continue
    rel=${f#"$top_srcdir"/}
    grep -qx "$rel" "$top_srcdir/po/POTFILES.in" || { echo "FAIL: $rel has messages but is not in po/POTFILES.in" >&2; fail=1; }
done

[ "$fail" = 0 ] && echo "PASS: man_page"
exit "$fail"
