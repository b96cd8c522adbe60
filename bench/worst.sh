#!/bin/bash
# The worst case for an import: WORST_MESSAGES one-line messages, each
# from a new customer (a new user and a new dialog per message), as one
# Maildir written by bench/gen --shape one-line; dlg import and its index
# build (the first list) against notmuch new on the same files.
#
#   WORST_MESSAGES  how many (default 20000)
#   WORST_RUNS      timed runs of each, interleaved (default 3)
#   BENCH_DIR       scratch space (default /tmp/dlg-bench): its file
#                   system is what is measured (tmpfs shows the CPU's part)
#   BENCH_PEERS=0   dlg alone
#
# Prints each run's seconds (wall, user, system) and the medians, then
# the lines "row NAME VALUE" that bench/run.sh reads.
set -u
cd "$(dirname "$0")/.." || exit 1
DLG=$PWD/dlg
N=${WORST_MESSAGES:-20000}
RUNS=${WORST_RUNS:-3}
W=${BENCH_DIR:-/tmp/dlg-bench}/worst-$N
export DLG_OPERATOR=bench TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1

make -s dlg bench/gen || exit 1
rm -rf "$W" && mkdir -p "$W" && bench/gen --shape one-line "$N" "$W/mail" >/dev/null || exit 1
sync

secs() { awk '/^real|^user|^sys/ { printf "%s ", $2 } END { print "" }'; }
# wall user sys of a command, from bash's time in seconds
timed() { { TIMEFORMAT='real %R
user %U
sys %S'; time "$@" >/dev/null 2>"$W/err"; } 2>&1 | secs; }
dlg_run() {
	# gc.auto 0: the gc an import starts would run beside notmuch
	$DLG init -q "$W/s" && $DLG -C "$W/s" config gc.auto 0 && sync &&
	timed sh -c "$DLG -C '$W/s' import -q '$W/mail' && $DLG -C '$W/s' list -q >/dev/null"
}

: >"$W/dlg.times"; : >"$W/nm.times"
for r in $(seq "$RUNS"); do
	rm -rf "$W/s" "$W/nmdb"
	dlg_run >>"$W/dlg.times" || { cat "$W/err"; exit 1; }
	if [ "${BENCH_PEERS:-1}" != 0 ] && command -v notmuch >/dev/null; then
		mkdir -p "$W/nmdb"
		printf '[database]\npath=%s\nmail_root=%s\n[new]\ntags=inbox\n[maildir]\nsynchronize_flags=false\n' \
			"$W/nmdb" "$W/mail" >"$W/nmcfg"
		sync
		NOTMUCH_CONFIG=$W/nmcfg timed notmuch new >>"$W/nm.times"
	fi
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rate() { awk -v n="$N" -v s="$(cut -d' ' -f1 "$1" | med)" 'BEGIN { if (s > 0) printf "%.0f", n / s }'; }
report() {
	printf '%-22s' "$1"
	for col in 1 2 3; do printf ' %8s' "$(cut -d' ' -f$col "$2" | med)"; done
	printf '   (%s/s)\n' "$(rate "$2")"
}
echo "worst case: $N one-line messages, each from a new customer; median of $RUNS"
echo "                         wall s   user s    sys s"
report "dlg import + index" "$W/dlg.times"
[ -s "$W/nm.times" ] && report "notmuch new" "$W/nm.times"
echo "dialogs: $($DLG -C "$W/s" list -q --status all | wc -l), view files: $(find "$W/s" -path "$W/s/.git" -prune -o -type f -print | wc -l)"
echo "row messages $N"
echo "row raw_bytes $(cat "$W"/mail/new/* | wc -c)"
echo "row import_index_rate $(rate "$W/dlg.times")"
echo "row git_bytes_import $(du -sb "$W/s/.git" | cut -f1)"
[ -s "$W/nm.times" ] && echo "row nm_rate $(rate "$W/nm.times")"
rm -rf "$W"
