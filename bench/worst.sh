#!/bin/bash
# The worst case for an import: WORST_MESSAGES one-line messages, each
# from a new customer (a new user and a new dialog per message), as one
# Maildir; dlg import against notmuch new on the same files.
#
#   WORST_MESSAGES  how many (default 20000)
#   WORST_RUNS      timed runs of each, interleaved (default 3)
#   BENCH_DIR       scratch space (default /tmp/dlg-bench)
#
# Prints each run's seconds (wall, user, system) and the medians.
set -u
cd "$(dirname "$0")/.." || exit 1
DLG=$PWD/dlg
N=${WORST_MESSAGES:-20000}
RUNS=${WORST_RUNS:-3}
W=${BENCH_DIR:-/tmp/dlg-bench}/worst-$N
export DLG_OPERATOR=bench TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1

make -s dlg || exit 1
rm -rf "$W" && mkdir -p "$W/mail/cur" "$W/mail/new" "$W/mail/tmp" || exit 1
awk -v n="$N" -v dir="$W/mail/cur" 'BEGIN {
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/%d.%06d.worst:2,", dir, 1795000000 + i, i)
		printf "From: Customer %d <customer%d@example.com>\n", i, i >f
		printf "To: support@example.com\n" >f
		printf "Subject: Question %d\n", i >f
		printf "Date: Mon, 23 Nov 2026 %02d:%02d:%02d +0000\n", (i / 3600) % 24, (i / 60) % 60, i % 60 >f
		printf "Message-ID: <worst-%d@example.com>\n\n", i >f
		printf "Where is my order %d?\n", i >f
		close(f)
	}
}'
sync

secs() { awk '/^real|^user|^sys/ { printf "%s ", $2 } END { print "" }'; }
# wall user sys of a command, from bash's time in seconds
timed() { { TIMEFORMAT='real %R
user %U
sys %S'; time "$@" >/dev/null 2>"$W/err"; } 2>&1 | secs; }

: >"$W/dlg.times"; : >"$W/nm.times"
for r in $(seq "$RUNS"); do
	rm -rf "$W/s" "$W/nmdb" && $DLG init -q "$W/s" && sync
	timed $DLG -C "$W/s" import -q "$W/mail" >>"$W/dlg.times" || { cat "$W/err"; exit 1; }
	if command -v notmuch >/dev/null; then
		mkdir -p "$W/nmdb"
		printf '[database]\npath=%s\nmail_root=%s\n[new]\ntags=inbox\n[maildir]\nsynchronize_flags=false\n' \
			"$W/nmdb" "$W/mail" >"$W/nmcfg"
		sync
		NOTMUCH_CONFIG=$W/nmcfg timed notmuch new >>"$W/nm.times"
	fi
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
report() {
	printf '%-14s' "$1"
	for col in 1 2 3; do printf ' %8s' "$(cut -d' ' -f$col "$2" | med)"; done
	printf '   (%s/s)\n' "$(awk -v n="$N" -v s="$(cut -d' ' -f1 "$2" | med)" 'BEGIN { printf "%.0f", n / s }')"
}
echo "worst case: $N one-line messages, each from a new customer; median of $RUNS"
echo "               wall s   user s    sys s"
report "dlg import" "$W/dlg.times"
[ -s "$W/nm.times" ] && report "notmuch new" "$W/nm.times"
echo "dialogs: $($DLG -C "$W/s" list -q --status all | wc -l), view files: $(find "$W/s" -path "$W/s/.git" -prune -o -type f -print | wc -l)"
