#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console in German (LANGUAGE=de, catalog from po/de.po): labels, confirmation, HRESULT description, macro badge.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
. "$top_srcdir/tests/lib_screen.sh"

screen_require_tmux
screen_require_guestos

# The catalog of the source tree, compiled where GUESTOS_LOCALEDIR points.
LOCALEDIR="$SCREEN_TMP/locale"
mkdir -p "$LOCALEDIR/de/LC_MESSAGES" || screen_fatal "cannot make $LOCALEDIR"
if command -v msgfmt >/dev/null 2>&1; then
    msgfmt -o "$LOCALEDIR/de/LC_MESSAGES/guestos.mo" "$top_srcdir/po/de.po" || screen_fatal "msgfmt failed on po/de.po"
elif [ -r "$(dirname "$GUESTOS")/po/de.gmo" ]; then
    cp "$(dirname "$GUESTOS")/po/de.gmo" "$LOCALEDIR/de/LC_MESSAGES/guestos.mo" || screen_fatal "cannot copy de.gmo"
else
    screen_fatal "neither msgfmt nor a built po/de.gmo to make the German catalog from"
fi

CFG="$SCREEN_TMP/config"
mkdir -p "$CFG" || screen_fatal "cannot make $CFG"

# C.UTF-8 for the character set; LANGUAGE picks the catalog.
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=de GUESTOS_LOCALEDIR="$LOCALEDIR" XDG_CONFIG_HOME="$CFG"
screen_run "$(screen_quote "$GUESTOS") -c test:///default --audit-db $(screen_quote "$SCREEN_TMP/audit.db"); echo \"EXIT=\$?\""
screen_wait_re '^ +test +.*'
# The frame, the column headers and the hint bar, generated from the tables, in German.
screen_wait "VM-Liste"
screen_wait "F1 Hilfe"
screen_wait "L Abmelden"
screen_wait "F10 Beenden"
screen_wait "0 markiert"
screen_expect_absent "F1 Help"
screen_expect_absent "F10 Quit"

# The confirmation asks in German and wants the word: j alone (cursor down
# elsewhere) does nothing; "ja" and Enter answer yes.
screen_keys L
screen_wait "Bestätigen"
screen_wait "logoff auf dieser VM ausführen?"
screen_wait "Geben Sie ja ein und drücken Sie Enter"
screen_keys j
sleep 0.3
screen_wait "logoff auf dieser VM ausführen?"
screen_keys BSpace
screen_type ja
screen_keys Enter
screen_wait_line "0xA0040505" "VM_E_ADDITIONS_FEATURE_NOT_AVAIL"
screen_wait "1 fehlgeschlagen"

# Wide enough to read the whole HRESULT description, from the catalog.
screen_resize 160 30
screen_wait_line "VM_E_ADDITIONS_FEATURE_NOT_AVAIL" "Das Feature \"Integrationskomponenten\" ist auf diesem virtuellen Computer nicht installiert."

# Recording shows the German badge and the German stop label.
screen_resize 80 24
screen_keys R
screen_wait "Makro aufzeichnen unter dem Namen:"
screen_type "abend"
screen_keys Enter
screen_wait "AUFN abend"
screen_wait "R Stopp"
screen_keys R
screen_wait "Es wurde nichts aufgezeichnet, daher wurde Makro abend nicht gespeichert."

# Too small, in German.
screen_resize 70 20
screen_wait "Terminal zu klein"
screen_resize 80 24
screen_wait "F1 Hilfe"

screen_keys q
screen_wait "EXIT=0"

# --- German words fit their columns, at both sizes -----------------------------------------
for size in $SCREEN_SIZES; do
    cols=${size%x*}
    rows=${size#*x}
    screen_start "$cols" "$rows" LC_ALL=C.UTF-8 LANGUAGE=de GUESTOS_LOCALEDIR="$LOCALEDIR" XDG_CONFIG_HOME="$CFG"
    screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$top_srcdir/tests/fleet.xml") --audit-db $(screen_quote "$SCREEN_TMP/fleet-$size.db"); echo \"EXIT=\$?\""
    # States and agent conditions whole, each followed by a blank: none is cut.
    screen_wait_re '^ +db-off +.* ausgeschaltet +kein Kanal '
    screen_wait_re '^ +web1 +.* läuft +nicht möglich '
    screen_wait_re '^ +batch-paused +.* angehalten +kein Kanal '
    screen_expect_absent "ausgeschal "
    screen_wait "1 ausgeschaltet"
    # The counts of the top line use the German separator once there are thousands (none here).
    screen_keys +
    screen_keys L
    screen_wait "logoff auf diesen 4 VMs ausführen?"
    screen_type ja
    screen_keys Enter
    screen_wait "Tasks: 0 laufen, 4 fehlgeschlagen"
    screen_wait_re ' logoff +fehlgeschlagen +prüft '
    screen_keys q
    screen_wait "EXIT=0"
done

# The separator of thousands, from the catalog (LC_NUMERIC aside).
big="$SCREEN_TMP/big.xml"
sh "$top_srcdir/tests/gen-fleet.sh" 2000 >"$big" || screen_fatal "gen-fleet.sh failed"
screen_start 80 24 LC_ALL=C.UTF-8 LANGUAGE=de GUESTOS_LOCALEDIR="$LOCALEDIR" XDG_CONFIG_HOME="$CFG"
screen_run "$(screen_quote "$GUESTOS") -c $(screen_quote "test://$big") --audit-db $(screen_quote "$SCREEN_TMP/big.db"); echo \"EXIT=\$?\""
screen_wait "1/2.000, 0 markiert"
screen_wait "1.143 läuft"
screen_keys q
screen_wait "EXIT=0"
echo "PASS: screen_german"
exit 0
