#!/bin/bash
# make bench: dlg against notmuch, mblaze and git on the same synthetic mail.
#
#   BENCH_SIZES   dialog counts (default: 10000 100000 1000000)
#   BENCH_SKIP_1M=1  leave out the million (it takes hours on 2 cores)
#   BENCH_DIR     scratch space (default /tmp/dlg-bench; needs ~1 GB per 100k)
#   BENCH_RUNS    timed runs per latency figure (default 31)
#   BENCH_CHAT_VISITORS, BENCH_CHAT_MESSAGES  the chat gateway's load
#                 (default 1000 visitors holding event streams, 20000
#                 messages; 0 visitors leaves it out)
#
# Times are whole-process wall times, as a script feels them.  Prints one
# table; nothing here asserts a target.
set -u
cd "$(dirname "$0")/.." || exit 1
SRC=$PWD
DLG=$SRC/dlg
DIR=${BENCH_DIR:-/tmp/dlg-bench}
RUNS=${BENCH_RUNS:-31}
SIZES=${BENCH_SIZES:-10000 100000 1000000}
[ "${BENCH_SKIP_1M:-}" = 1 ] && SIZES=$(echo $SIZES | tr ' ' '\n' | grep -vx 1000000 | tr '\n' ' ')
export DLG_OPERATOR=bench TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1
CHANNELS="email chat telegram vk facebook popup"

make -s dlg || exit 1
CFLAGS_PKG=$(pkg-config --cflags --libs libgit2 jansson libmagic sqlite3)
cc -O2 -std=c11 -D_DEFAULT_SOURCE -o bench/gen bench/gen.c || exit 1
cc -O2 -o bench/floor bench/floor.c $CFLAGS_PKG || exit 1
cc -O2 -std=c11 -D_DEFAULT_SOURCE -o bench/clock bench/clock.c || exit 1
mkdir -p "$DIR"

# Nanoseconds from bash's own clock: $(date +%s%N) would time a fork and an
# exec of date(1) too, a few ms of every figure.
now() { local t=$EPOCHREALTIME; NOW=$(( ${t/./} * 1000 )); }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
# median and p99 (nearest rank) of numbers on stdin, in ms
stats() { sort -n | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.99 + 0.999)]; printf "%.1f %.1f", m / 1e6, p / 1e6 }'; }
# time one command RUNS times (stdout discarded); prints "median p99"
timeit() {
	local i t0
	for i in $(seq "$RUNS"); do bench/clock "$@"; done | stats
}
peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

declare -A R
row() { R[$1,$2]=$3; }

bench_size() {
	local n=$1 w=$DIR/$1 s t0 t1 msgs raw ids
	rm -rf "$w" && mkdir -p "$w/mail"
	# ext4 skips inodes freed in the last minutes while their table blocks
	# are dirty: written back, the last run's files no longer slow this one.
	sync
	echo "== $n dialogs" >&2
	bench/gen "$n" "$w/mail" || return 1
	msgs=$(cat "$w"/mail/*.mbox | grep -c '^From ')
	raw=$(cat "$w"/mail/*.mbox | wc -c)
	s=$w/s
	$DLG init -q "$s"
	now; t0=$NOW
	for ch in $CHANNELS; do
		[ -f "$w/mail/$ch.mbox" ] &&
			/usr/bin/time -f %M -a -o "$w/import.kb" $DLG -C "$s" import -q --channel "$ch" "$w/mail/$ch.mbox"
	done
	now; t1=$NOW
	row "$n" messages "$msgs"
	row "$n" import_rate "$(awk -v m="$msgs" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (ns / 1e9) }')"
	row "$n" import_kb "$(sort -n "$w/import.kb" | tail -1)"
	now; t0=$NOW; $DLG -C "$s" list -q >/dev/null; now; row "$n" index_build "$(ms $((NOW - t0)))"
	ids=$($DLG -C "$s" list -q --status all | wc -l)
	row "$n" dialogs "$ids"

	# ~10 dialogs for the selective query, and operators' state to filter on
	$DLG -C "$s" list -q --status all | awk 'NR % int('"$ids"' / 10 + 1) == 1' | head -10 >"$w/sel"
	$DLG -C "$s" tag +bench-sel <"$w/sel"
	$DLG -C "$s" list -q | awk 'NR % 7 == 0' | $DLG -C "$s" assign alice
	$DLG -C "$s" list -q | awk 'NR % 5 == 0' | $DLG -C "$s" tag +vip

	# one change, on dialogs spread over the store
	$DLG -C "$s" list -q --status all | shuf -n $((RUNS * 6)) --random-source=<(yes) >"$w/targets"
	local k=0 op
	for op in tag assign close note reply; do
		for i in $(seq "$RUNS"); do
			k=$((k + 1)); id=$(sed -n "${k}p" "$w/targets")
			case $op in
			tag) cmd=($DLG -C "$s" tag +b$i "$id") ;;
			assign) cmd=($DLG -C "$s" assign carol "$id") ;;
			close) cmd=($DLG -C "$s" close "$id") ;;
			note) cmd=($DLG -C "$s" note -m "bench note $i" "$id") ;;
			reply) cmd=($DLG -C "$s" reply -m "bench reply $i" "$id") ;;
			esac
			# the floor runs next to each change, so drift hits both alike
			echo "$(bench/clock "${cmd[@]}") $(bench/clock bench/floor)"
		done >"$w/pairs.$op"
		row "$n" "op_$op" "$(cut -d' ' -f1 "$w/pairs.$op" | stats)"
		row "$n" "above_$op" "$(awk '{ print $1 - $2 }' "$w/pairs.$op" | stats)"
	done
	row "$n" floor "$(cat "$w"/pairs.* | cut -d' ' -f2 | stats)"
	# what getting a tag onto the disk costs (syncfs, fsync), from its trace points
	for i in $(seq "$RUNS"); do
		k=$((k + 1)); id=$(sed -n "${k}p" "$w/targets")
		DLG_TRACE_PERF=1 $DLG -C "$s" tag +f$i "$id" 2>&1 >/dev/null |
			awk '{ t[substr($0, index($0, "ms  ") + 4)] = $3 }
			END { a = t["change: branch moved"] - t["change: wrote objects"]
			      b = t["stamp: on disk"] - t["stamp: written"]; printf "%.0f\n", (a + b) * 1e6 }'
	done >"$w/flush.tag"
	row "$n" flush_tag "$(stats <"$w/flush.tag")"
	$DLG -C "$s" list -q >/dev/null # bring the index up to date first
	row "$n" list_sel "$(timeit $DLG -C "$s" list --tag bench-sel --status all)"
	row "$n" list_full "$(timeit $DLG -C "$s" list)"
	row "$n" list_kb "$(peak_kb $DLG -C "$s" list)"
	# full-text search, on the terms bench/gen puts in the messages
	SEARCH_RARE=$((70000000 + n / 2 * 20)) # one message's order number
	declare -A SQ=([rare]=$SEARCH_RARE [common]=shopwise [phrase]='"tracking number"'
		[date]="shopwise after:2026-11-01")
	for q in "${!SQ[@]}"; do
		row "$n" "s_$q" "$(timeit $DLG -C "$s" search -q "${SQ[$q]}")"
		row "$n" "sc_$q" "$($DLG -C "$s" search -q "${SQ[$q]}" | wc -l)"
	done
	# what a change leaves the next search to do: a note's dialog gets its
	# search row again, a tag's only its list row
	for op in note tag; do
		for i in $(seq "$RUNS"); do
			id=$(sed -n "${i}p" "$w/targets")
			case $op in
			note) $DLG -C "$s" note -q -m "catch-up note $i" "$id" ;;
			tag) $DLG -C "$s" tag -q +c$i "$id" ;;
			esac
			bench/clock $DLG -C "$s" search -q "$SEARCH_RARE"
		done | stats >"$w/catchup.$op"
		row "$n" "s_after_$op" "$(cat "$w/catchup.$op")"
	done
	# the whole index again, list rows and search rows (import leaves it to the first read)
	row "$n" reindex "$(RUNS=3 timeit $DLG -C "$s" reindex -q)"
	row "$n" git_bytes "$(du -sb "$s/.git" | cut -f1)"
	row "$n" objects_bytes "$(du -sb "$s/.git/objects" | cut -f1)"
	row "$n" index_bytes "$(du -sb "$s/.git/dlg/index.sqlite" | cut -f1)"
	row "$n" search_bytes "$(sqlite3 "$s/.git/dlg/index.sqlite" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%'" 2>/dev/null)"
	# what a repack of the same objects saves (dlg leaves that to git gc)
	cp -a "$s/.git" "$w/gc.git" && git -C "$w/gc.git" gc -q 2>/dev/null &&
		row "$n" gc_bytes "$(du -sb "$w/gc.git/objects" | cut -f1)"
	rm -rf "$w/gc.git"
	row "$n" raw_bytes "$raw"
	# one walk of the view for both sizes: at 100 000 dialogs each walk
	# stats about a million files
	find "$s" -path "$s/.git" -prune -o -printf '%s %b\n' |
		awk '{ a += $1; b += $2 } END { printf "%.0f %.0f\n", a, b * 512 }' >"$w/viewsize"
	row "$n" view_apparent "$(cut -d' ' -f1 "$w/viewsize")"
	row "$n" view_alloc "$(cut -d' ' -f2 "$w/viewsize")"

	# peers, on the same messages: the dialogs are Maildirs already
	if command -v notmuch >/dev/null; then
		mkdir -p "$w/nmdb"
		printf '[database]\npath=%s\nmail_root=%s\n[new]\ntags=inbox\nignore=info;log;status;assignee;tags;notes\n[maildir]\nsynchronize_flags=false\n' \
			"$w/nmdb" "$s/dialogs" >"$w/nmcfg"
		export NOTMUCH_CONFIG=$w/nmcfg
		now; t0=$NOW; notmuch new >/dev/null 2>&1; now; t1=$NOW
		row "$n" nm_rate "$(awk -v m="$msgs" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (ns / 1e9) }')"
		while read -r id; do notmuch tag +bench-sel -- "path:${id:0:2}/${id:2:2}/$id/**"; done <"$w/sel"
		row "$n" nm_sel "$(timeit notmuch search --output=threads tag:bench-sel)"
		# tens of seconds a run at 100 000: a few runs say as much
		row "$n" nm_full "$(RUNS=$(( RUNS < 5 ? RUNS : 5 )) timeit notmuch search --output=threads tag:inbox)"
		nmq() { case $1 in date) echo "shopwise date:2026-11-01.." ;; *) echo "${SQ[$1]}" ;; esac; }
		# a common term takes notmuch seconds at 100 000: fewer runs there
		local nm_runs=$RUNS
		[ "$n" -ge 100000 ] && nm_runs=$(( RUNS < 7 ? RUNS : 7 ))
		for q in "${!SQ[@]}"; do
			row "$n" "nm_s_$q" "$(RUNS=$nm_runs timeit notmuch search --output=threads "$(nmq $q)")"
			row "$n" "nm_sc_$q" "$(notmuch count --output=threads "$(nmq $q)")"
		done
		row "$n" nm_bytes "$(du -sb "$w/nmdb" | cut -f1)"
		unset NOTMUCH_CONFIG
	fi
	if command -v mlist >/dev/null; then
		find "$s/dialogs" -mindepth 3 -maxdepth 3 -type d >"$w/dirs"
		uid=$(sed -n 's/^user: //p' "$s"/dialogs/*/*/"$(head -1 "$w/sel")"/info)
		# mlist stats every message file: at 100 000 dialogs a run takes
		# minutes of disk reads, so one run there
		local mb_runs=$(( RUNS < 5 ? RUNS : 5 ))
		[ "$n" -ge 100000 ] && mb_runs=1
		row "$n" mb_sel "$(RUNS=$mb_runs timeit sh -c "mlist <'$w/dirs' | mpick -t '\"x-dlg-user\" == \"$uid\"' | mscan")"
		row "$n" mb_full "$(RUNS=$mb_runs timeit sh -c "mlist <'$w/dirs' | mscan")"
	fi
	git clone -q "$s/.git" "$w/checkout" 2>/dev/null
	f=$(cd "$w/checkout" && git ls-files dialogs | grep '/status$' | head -1)
	for i in $(seq 5); do
		now; t0=$NOW
		(cd "$w/checkout" && echo closed >"$f" && git add "$f" && git -c user.name=b -c user.email=b@b commit -qm "close $i" && echo open >"$f" && git add "$f" && git -c user.name=b -c user.email=b@b commit -qm "open $i") >/dev/null
		now; echo $(( (NOW - t0) / 2 ))
	done | stats >"$w/gitop"
	row "$n" git_change "$(cat "$w/gitop")"
	rm -rf "$w/checkout" "$w/nmdb"
}

# The chat gateway under load (bench/chat-load.py): visitors holding live
# event streams while they send; its figures are printed after the table.
bench_chat() {
	local w=$DIR/chat port pid
	rm -rf "$w" && mkdir -p "$w/spool" || return
	"$DLG" init -q "$w/s" && "$DLG" -C "$w/s" channel add site --type chat --spool "$w/spool" \
		--visitor-rate off --address-rate off >/dev/null || return
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	(ulimit -n "$(ulimit -Hn)"; exec "$DLG" -C "$w/s" chat serve --channel site --listen "127.0.0.1:$port" 2>"$w/log") &
	pid=$!
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
	/usr/bin/python3 bench/chat-load.py --url "http://127.0.0.1:$port" --spool "$w/spool" --pid "$pid" \
		--visitors "$CHAT_VISITORS" --messages "$CHAT_MESSAGES" >"$w/report"
	kill "$pid"; wait "$pid"
	CHAT_REPORT=$(cat "$w/report")
	rm -rf "$w"
}
CHAT_VISITORS=${BENCH_CHAT_VISITORS:-1000}
CHAT_MESSAGES=${BENCH_CHAT_MESSAGES:-20000}
CHAT_REPORT=

for n in $SIZES; do bench_size "$n"; done
[ "$CHAT_VISITORS" != 0 ] && bench_chat

med() { echo "${1%% *}"; }
p99() { echo "${1##* }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-34s' "dialogs"; for n in $SIZES; do printf '%16s' "$n"; done; echo
line() { printf '%-34s' "$1"; shift; for n in $SIZES; do printf '%16s' "$("$@" "$n")"; done; echo; }
get() { echo "${R[$2,$1]:--}"; }
get_med() { med "${R[$2,$1]:-- -}"; }
line "messages" get messages
line "import, messages/s" get import_rate
line "  notmuch new, messages/s" get nm_rate
printf '%-34s' "  dlg/notmuch (higher is better)"; for n in $SIZES; do printf '%16s' "$(ratio "${R[$n,import_rate]:-0}" "${R[$n,nm_rate]:-0}")"; done; echo
printf '%-34s' "  import peak memory, MB"; for n in $SIZES; do printf '%16s' "$(( ${R[$n,import_kb]:-0} / 1024 ))"; done; echo
line "index build (first list), ms" get index_build
for op in tag assign close note reply; do
	printf '%-34s' "$op: median / p99 ms"; for n in $SIZES; do v=${R[$n,op_$op]:-- -}; printf '%16s' "$(med "$v")/$(p99 "$v")"; done; echo
	printf '%-34s' "  above floor (median of pairs), ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,above_$op]:-- -}")"; done; echo
	printf '%-34s' "  median / median at 10 000"; for n in $SIZES; do printf '%16s' "$(ratio "$(med "${R[$n,op_$op]:-0 0}")" "$(med "${R[10000,op_$op]:-0 0}")")"; done; echo
done
printf '%-34s' "tag: to disk (syncfs, fsync), ms"; for n in $SIZES; do v=${R[$n,flush_tag]:-- -}; printf '%16s' "$(med "$v")/$(p99 "$v")"; done; echo
printf '%-34s' "floor (libgit2 init) median ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,floor]:-- -}")"; done; echo
printf '%-34s' "git add+commit in checkout, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,git_change]:-- -}")"; done; echo
printf '%-34s' "  dlg tag / git (lower is better)"; for n in $SIZES; do printf '%16s' "$(ratio "$(med "${R[$n,op_tag]:-0 0}")" "$(med "${R[$n,git_change]:-0 0}")")"; done; echo
printf '%-34s' "list, ~10 of all (tag), ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,list_sel]:-- -}")"; done; echo
printf '%-34s' "  notmuch search tag:, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,nm_sel]:-- -}")"; done; echo
printf '%-34s' "  mblaze mlist|mpick|mscan, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,mb_sel]:-- -}")"; done; echo
printf '%-34s' "  dlg/notmuch, dlg/mblaze"; for n in $SIZES; do printf '%16s' "$(ratio "$(med "${R[$n,list_sel]:-0 0}")" "$(med "${R[$n,nm_sel]:-0 0}")")/$(ratio "$(med "${R[$n,list_sel]:-0 0}")" "$(med "${R[$n,mb_sel]:-0 0}")")"; done; echo
printf '%-34s' "list, all open with summaries, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,list_full]:-- -}")"; done; echo
printf '%-34s' "  notmuch search (all threads), ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,nm_full]:-- -}")"; done; echo
printf '%-34s' "  mblaze mlist|mscan, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,mb_full]:-- -}")"; done; echo
printf '%-34s' "  dlg/notmuch, dlg/mblaze"; for n in $SIZES; do printf '%16s' "$(ratio "$(med "${R[$n,list_full]:-0 0}")" "$(med "${R[$n,nm_full]:-0 0}")")/$(ratio "$(med "${R[$n,list_full]:-0 0}")" "$(med "${R[$n,mb_full]:-0 0}")")"; done; echo
for q in rare common phrase date; do
	case $q in
	rare) t="search a rare term (1 message), ms" ;;
	common) t="search a common term, ms" ;;
	phrase) t="search a phrase, ms" ;;
	date) t="search common term + after:, ms" ;;
	esac
	printf '%-34s' "$t"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,s_$q]:-- -}")"; done; echo
	printf '%-34s' "  notmuch search, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,nm_s_$q]:-- -}")"; done; echo
	printf '%-34s' "  dlg/notmuch (lower is better)"; for n in $SIZES; do printf '%16s' "$(ratio "$(med "${R[$n,s_$q]:-0 0}")" "$(med "${R[$n,nm_s_$q]:-0 0}")")"; done; echo
	printf '%-34s' "  dialogs / notmuch threads found"; for n in $SIZES; do printf '%16s' "${R[$n,sc_$q]:--}/${R[$n,nm_sc_$q]:--}"; done; echo
done
printf '%-34s' "search after a note / a tag, ms"; for n in $SIZES; do printf '%16s' "$(med "${R[$n,s_after_note]:-- -}")/$(med "${R[$n,s_after_tag]:-- -}")"; done; echo
line "reindex (list + search rows), ms" get_med reindex
mb() { awk -v b="${1:-0}" 'BEGIN { printf "%.1f", b / 1048576 }'; }
printf '%-34s' "dlg index / its search part, MB"; for n in $SIZES; do printf '%16s' "$(mb "${R[$n,index_bytes]:-}")/$(mb "${R[$n,search_bytes]:-}")"; done; echo
printf '%-34s' "  notmuch database, MB"; for n in $SIZES; do printf '%16s' "$(mb "${R[$n,nm_bytes]:-}")"; done; echo
printf '%-34s' "  dlg index / notmuch"; for n in $SIZES; do printf '%16s' "$(ratio "${R[$n,index_bytes]:-0}" "${R[$n,nm_bytes]:-0}")"; done; echo
printf '%-34s' "list peak memory, MB"; for n in $SIZES; do printf '%16s' "$(( ${R[$n,list_kb]:-0} / 1024 ))"; done; echo
printf '%-34s' ".git / raw message bytes"; for n in $SIZES; do printf '%16s' "$(ratio "${R[$n,git_bytes]:-0}" "${R[$n,raw_bytes]:-0}")"; done; echo
printf '%-34s' "  .git/objects / raw"; for n in $SIZES; do printf '%16s' "$(ratio "${R[$n,objects_bytes]:-0}" "${R[$n,raw_bytes]:-0}")"; done; echo
printf '%-34s' "  after git gc / raw"; for n in $SIZES; do printf '%16s' "$(ratio "${R[$n,gc_bytes]:-0}" "${R[$n,raw_bytes]:-0}")"; done; echo
printf '%-34s' "view apparent / allocated, MB"; for n in $SIZES; do printf '%16s' "$(( ${R[$n,view_apparent]:-0} >> 20 ))/$(( ${R[$n,view_alloc]:-0} >> 20 ))"; done; echo
printf '%-34s' "raw message bytes, MB"; for n in $SIZES; do printf '%16s' "$(( ${R[$n,raw_bytes]:-0} >> 20 ))"; done; echo
if [ -n "$CHAT_REPORT" ]; then
	echo
	echo "$CHAT_REPORT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
kb = lambda v: "-" if v is None else "%.1f" % (v / 1024)
print("chat gateway: %d visitors with live event streams, %d messages" % (r["visitors"], r["messages"]))
rows = [
    ("accepted / refused", "%d / %d" % (r["accepted"], r["refused"])),
    ("lost / duplicated in the spool", "%d / %d" % (r["lost"], r["duplicated"])),
    ("messages/s", r["messages_per_s"]),
    ("send to spool (201), p50 / p99 ms", "%s / %s" % (r["send_to_spool_p50_ms"], r["send_to_spool_p99_ms"])),
    ("answer to its stream, p50 / max ms", "%s / %s" % (r["answer_p50_ms"], r["answer_max_ms"])),
    ("gateway RSS, streams open, MB", kb(r["rss_kb_streams_open"])),
    ("gateway peak RSS, MB", kb(r["peak_rss_kb"])),
    ("gateway threads", r["threads"]),
]
for k, v in rows:
    print("%-34s%16s" % (k, v))
for p in r["problems"]:
    print("PROBLEM: " + p)
'
fi

# Upkeep (bench/upkeep.sh): a change after 10 000 changes with dlg gc --auto
# on and off, on its own two stores; BENCH_UPKEEP_CHANGES=0 leaves it out.
if [ "${BENCH_UPKEEP_CHANGES:-10000}" != 0 ]; then
	BENCH_DIR=$DIR bash bench/upkeep.sh
fi
