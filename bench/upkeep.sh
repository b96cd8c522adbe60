#!/bin/bash
# Upkeep in the bench (issue 15): a change's median and p99 after many
# changes, with automatic upkeep (dlg gc --auto) on and off, and the bytes
# the store takes after them.  Two copies of one store take the same
# changes, interleaved, so the shared machine's drift hits both alike.
#
#   BENCH_UPKEEP_DIALOGS  dialogs in the store (default 10000)
#   BENCH_UPKEEP_CHANGES  changes made to each copy (default 10000)
#   BENCH_DIR, BENCH_RUNS as for bench/run.sh, which calls this
#
# Writes "key value" lines to $DIR/results and prints them as a table.
set -u
cd "$(dirname "$0")/.." || exit 1
DLG=$PWD/dlg
DIR=${BENCH_DIR:-/tmp/dlg-bench}/upkeep
RUNS=${BENCH_RUNS:-31}
N=${BENCH_UPKEEP_DIALOGS:-10000}
CHANGES=${BENCH_UPKEEP_CHANGES:-10000}
export DLG_OPERATOR=bench TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1
[ -x bench/gen ] && [ -x bench/clock ] || { make -s dlg &&
	cc -O2 -std=c11 -D_DEFAULT_SOURCE -o bench/gen bench/gen.c &&
	cc -O2 -std=c11 -D_DEFAULT_SOURCE -o bench/clock bench/clock.c; } || exit 1
stats() { sort -n | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.99 + 0.999)]; printf "%.1f %.1f", m / 1e6, p / 1e6 }'; }
# waits for a detached gc to end (its .git/gc.pid gone)
settle() { while [ -e "$1/.git/gc.pid" ]; do sleep 0.2; done; }

rm -rf "$DIR" && mkdir -p "$DIR/mail" || exit 1
echo "== upkeep: $N dialogs, $CHANGES changes with upkeep on and off" >&2
bench/gen "$N" "$DIR/mail" || exit 1
$DLG init -q "$DIR/on"
for f in "$DIR"/mail/*.mbox; do
	ch=$(basename "$f" .mbox)
	$DLG -C "$DIR/on" import -q --channel "$ch" "$f" || exit 1
done
settle "$DIR/on"
mapfile -t IDS < <($DLG -C "$DIR/on" list -q --status all | shuf --random-source=<(yes))
cp -a "$DIR/on" "$DIR/off"
$DLG -C "$DIR/off" config gc.auto 0
$DLG -C "$DIR/on" config gc.auto 6700 # the default, so both made one more commit
settle "$DIR/on"

# one change, alternately a tag and a note, on dialogs spread over the store
change() { # STORE I
	local id=${IDS[$(( $2 % ${#IDS[@]} ))]}
	if (( $2 % 2 )); then bench/clock $DLG -C "$1" tag +u$(( $2 % 97 )) "$id"
	else bench/clock $DLG -C "$1" note -m "upkeep note $2" "$id"; fi
}
for i in $(seq "$CHANGES"); do
	echo "$(change "$DIR/on" "$i") $(change "$DIR/off" "$i")"
done >"$DIR/during"
settle "$DIR/on"
for i in $(seq $((CHANGES + 1)) $((CHANGES + RUNS * 3))); do
	echo "$(change "$DIR/on" "$i") $(change "$DIR/off" "$i")"
done >"$DIR/after"
settle "$DIR/on"
# the check after each change, from its trace points (ms there, µs here)
for i in $(seq "$RUNS"); do
	DLG_TRACE_PERF=1 $DLG -C "$DIR/on" tag +check$i "${IDS[$i]}" 2>&1 >/dev/null |
		awk '{ t[substr($0, index($0, "ms  ") + 4)] = $3 }
		END { printf "%.0f\n", (t["change: upkeep checked"] - t["change: view updated"]) * 1e3 }'
done | sort -n | awk '{ v[NR] = $1 } END { printf "check_us %d %d\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)] }' >"$DIR/results"
settle "$DIR/on"

{
echo "changes $CHANGES"
# a pair whose clock said nothing (the command could not start) is left out
for phase in during after; do
	echo "${phase}_on $(awk 'NF == 2 { print $1 }' "$DIR/$phase" | stats)"
	echo "${phase}_off $(awk 'NF == 2 { print $2 }' "$DIR/$phase" | stats)"
done
for s in on off; do
	echo "git_bytes_$s $(du -sb "$DIR/$s/.git" | cut -f1)"
	echo "objects_bytes_$s $(du -sb "$DIR/$s/.git/objects" | cut -f1)"
	echo "files_$s $(git -C "$DIR/$s" count-objects -v | awk '/^count:/ { c = $2 } /^packs:/ { p = $2 } END { print c, p }')"
done
echo "raw_bytes $(cat "$DIR"/mail/*.mbox | wc -c)"
} >>"$DIR/results"
awk -v n="$N" '
{ v[$1] = $2; w[$1] = $3 }
function row(k, a, b) { printf "%-34s%16s%16s\n", k, a, b }
function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
END {
	printf "\nupkeep: %d changes at %d dialogs%18s%16s\n", v["changes"], n, "upkeep on", "off"
	row("change during them, median/p99 ms", v["during_on"] "/" w["during_on"], v["during_off"] "/" w["during_off"])
	row("change after them, median/p99 ms", v["after_on"] "/" w["after_on"], v["after_off"] "/" w["after_off"])
	row("  the check after a change, us", v["check_us"] "/" w["check_us"], "-")
	row("loose objects / packs after", v["files_on"] "/" w["files_on"], v["files_off"] "/" w["files_off"])
	row(".git / raw message bytes", r(v["git_bytes_on"], v["raw_bytes"]), r(v["git_bytes_off"], v["raw_bytes"]))
	row("  .git/objects / raw", r(v["objects_bytes_on"], v["raw_bytes"]), r(v["objects_bytes_off"], v["raw_bytes"]))
}' "$DIR/results"
