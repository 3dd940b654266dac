#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The parsers of guest data against their fuzz corpora: every input and its
# prefixes through the corpus drivers (any compiler, under make check's
# sanitizers), then, where clang built the libFuzzer targets, a short fuzzing
# run of each from the corpus with the JSON dictionary (FUZZ_SECONDS, 15).
# `make fuzz-long` runs them for 10 million inputs each.
top_srcdir=${top_srcdir:-$(dirname "$0")/..}
build=$(dirname "${GUESTOS:-./guestos}")
corpus=$top_srcdir/tests/fuzz/corpus
failures=0
for t in agent winsess logons; do
    if "$build/tests/fuzz/corpus_$t" "$corpus/$t"; then
        echo "ok: corpus of $t"
    else
        echo "FAIL: corpus of $t" >&2
        failures=$((failures + 1))
    fi
done
for t in agent winsess logons; do
    f=$build/tests/fuzz/fuzz_$t
    if [ ! -x "$f" ]; then
        echo "note: no libFuzzer build of $t (clang with libFuzzer not found); corpus only"
        continue
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/guestos-fuzz.XXXXXX") || exit 99
    cp "$corpus/$t"/* "$work/"
    if "$f" -max_total_time="${FUZZ_SECONDS:-15}" -dict="$top_srcdir/tests/fuzz/agent.dict" \
        -print_final_stats=1 -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
        echo "ok: $t fuzzed for ${FUZZ_SECONDS:-15} s: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') inputs"
    else
        echo "FAIL: fuzzing $t found a crash:" >&2
        tail -n 40 "$work.log" >&2
        failures=$((failures + 1))
    fi
    rm -rf "$work" "$work.log"
done
[ "$failures" = 0 ]
