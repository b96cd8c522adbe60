#!/bin/bash
# make bench: dlg against notmuch, mblaze and git on the same synthetic mail.
#
#   BENCH_SIZES   dialog counts (default: 10000, which with both shapes,
#                 the peers, the worst case and the chat load stays under
#                 30 minutes on 2 cores; 100000 takes hours with the peers;
#                 the million: BENCH_SIZES=1000000 BENCH_PEERS=0)
#   BENCH_SHAPES  the mail bench/gen writes, one column each per size
#                 (default: real small): real-shaped mail, on which the
#                 targets are set, and the 560-byte messages of earlier runs
#   BENCH_PEERS=0 dlg alone: no notmuch, mblaze or git (they would take
#                 hours at a million)
#   BENCH_WORST   messages of the import's worst case, each from a new
#                 customer (default 20000; 0 leaves it out)
#   BENCH_SKIP_1M=1  leave the million out of BENCH_SIZES
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
SIZES=${BENCH_SIZES:-10000}
SHAPES=${BENCH_SHAPES:-real small}
PEERS=${BENCH_PEERS:-1}
WORST=${BENCH_WORST:-20000}
[ "${BENCH_SKIP_1M:-}" = 1 ] && SIZES=$(echo $SIZES | tr ' ' '\n' | grep -vx 1000000 | tr '\n' ' ')
export DLG_OPERATOR=bench TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1
CHANNELS="email chat telegram vk facebook popup"

make -s dlg || exit 1
CFLAGS_PKG=$(pkg-config --cflags --libs libgit2 jansson libmagic sqlite3)
cc -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -o bench/gen bench/gen.c || exit 1
cc -O2 -o bench/floor bench/floor.c $CFLAGS_PKG || exit 1
cc -O2 -std=c11 -D_DEFAULT_SOURCE -o bench/clock bench/clock.c || exit 1
mkdir -p "$DIR"

# Nanoseconds from bash's own clock: $(date +%s%N) would time a fork and an
# exec of date(1) too, a few ms of every figure.
now() { local t=$EPOCHREALTIME; NOW=$(( ${t/./} * 1000 )); }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
# messages per second: rate MESSAGES NANOSECONDS
rate() { awk -v m="$1" -v ns="$2" 'BEGIN { printf "%.0f", m / (ns / 1e9) }'; }
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

# one column of the table: SHAPE mail at N dialogs
bench_size() {
	local shape=$1 n=$2 c=$1-$2 w=$DIR/$1-$2 s t0 t1 msgs raw ids
	rm -rf "$w" && mkdir -p "$w/mail"
	# ext4 skips inodes freed in the last minutes while their table blocks
	# are dirty: written back, the last run's files no longer slow this one.
	sync
	echo "== $(date +%T) $n dialogs, $shape mail" >&2
	bench/gen --shape "$shape" "$n" "$w/mail" || return 1
	msgs=$(cat "$w"/mail/*.mbox | grep -c '^From ')
	raw=$(cat "$w"/mail/*.mbox | wc -c)
	s=$w/s
	# automatic upkeep off: its gc would run beside what is timed; the
	# bench runs the same dlg gc --auto itself, after the import and at the end
	$DLG init -q "$s" && $DLG -C "$s" config gc.auto 0
	now; t0=$NOW
	for ch in $CHANNELS; do
		[ -f "$w/mail/$ch.mbox" ] &&
			/usr/bin/time -f %M -a -o "$w/import.kb" $DLG -C "$s" import -q --channel "$ch" "$w/mail/$ch.mbox"
	done
	now; t1=$NOW
	row "$c" messages "$msgs"
	row "$c" import_rate "$(rate "$msgs" $((t1 - t0)))"
	row "$c" import_kb "$(sort -n "$w/import.kb" | tail -1)"
	$DLG -C "$s" list -q >/dev/null; now; row "$c" index_build "$(ms $((NOW - t1)))"
	# what the issue compares with notmuch new: the import and the index
	# its first read builds, search rows included
	row "$c" import_index_rate "$(rate "$msgs" $((NOW - t0)))"
	row "$c" git_bytes_import "$(du -sb "$s/.git" | cut -f1)"
	row "$c" objects_bytes_import "$(du -sb "$s/.git/objects" | cut -f1)"
	# what the automatic gc after the import does (detached, as a rule)
	now; t1=$NOW; $DLG -C "$s" gc --auto -q; now
	row "$c" upkeep_import "$(ms $((NOW - t1)))"
	row "$c" objects_bytes_import_upkeep "$(du -sb "$s/.git/objects" | cut -f1)"
	ids=$($DLG -C "$s" list -q --status all | wc -l)
	row "$c" dialogs "$ids"

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
		row "$c" "op_$op" "$(cut -d' ' -f1 "$w/pairs.$op" | stats)"
		row "$c" "above_$op" "$(awk '{ print $1 - $2 }' "$w/pairs.$op" | stats)"
	done
	row "$c" floor "$(cat "$w"/pairs.* | cut -d' ' -f2 | stats)"
	# what getting a tag onto the disk costs (syncfs, fsync), from its trace points
	for i in $(seq "$RUNS"); do
		k=$((k + 1)); id=$(sed -n "${k}p" "$w/targets")
		DLG_TRACE_PERF=1 $DLG -C "$s" tag +f$i "$id" 2>&1 >/dev/null |
			awk '{ t[substr($0, index($0, "ms  ") + 4)] = $3 }
			END { a = t["change: branch moved"] - t["change: wrote objects"]
			      b = t["stamp: on disk"] - t["stamp: written"]; printf "%.0f\n", (a + b) * 1e6 }'
	done >"$w/flush.tag"
	row "$c" flush_tag "$(stats <"$w/flush.tag")"
	$DLG -C "$s" list -q >/dev/null # bring the index up to date first
	row "$c" list_sel "$(timeit $DLG -C "$s" list --tag bench-sel --status all)"
	row "$c" list_full "$(timeit $DLG -C "$s" list)"
	row "$c" list_kb "$(peak_kb $DLG -C "$s" list)"
	# full-text search, on the terms bench/gen puts in the messages
	SEARCH_RARE=$((70000000 + n / 2 * 20)) # one message's order number (and its quote in the next)
	declare -A SQ=([rare]=$SEARCH_RARE [common]=shopwise [phrase]='"tracking number"'
		[date]="shopwise after:2026-11-01")
	for q in "${!SQ[@]}"; do
		row "$c" "s_$q" "$(timeit $DLG -C "$s" search -q "${SQ[$q]}")"
		row "$c" "sc_$q" "$($DLG -C "$s" search -q "${SQ[$q]}" | wc -l)"
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
		row "$c" "s_after_$op" "$(cat "$w/catchup.$op")"
	done
	# the whole index again, list rows and search rows (import leaves it to the first read)
	row "$c" reindex "$(RUNS=3 timeit $DLG -C "$s" reindex -q)"
	row "$c" objects_bytes "$(du -sb "$s/.git/objects" | cut -f1)"
	$DLG -C "$s" gc --auto -q
	row "$c" upkeep_objects_bytes "$(du -sb "$s/.git/objects" | cut -f1)"
	row "$c" git_bytes "$(du -sb "$s/.git" | cut -f1)"
	row "$c" index_bytes "$(du -sb "$s/.git/dlg/index.sqlite" | cut -f1)"
	row "$c" search_bytes "$(sqlite3 "$s/.git/dlg/index.sqlite" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%'" 2>/dev/null)"
	# what a repack of the same objects saves (dlg leaves that to git gc)
	[ "$PEERS" != 0 ] && cp -a "$s/.git" "$w/gc.git" && git -C "$w/gc.git" gc -q 2>/dev/null &&
		row "$c" gc_bytes "$(du -sb "$w/gc.git/objects" | cut -f1)"
	rm -rf "$w/gc.git"
	row "$c" raw_bytes "$raw"
	# one walk of the view for both sizes: at 100 000 dialogs each walk
	# stats about a million files
	find "$s" -path "$s/.git" -prune -o -printf '%s %b\n' |
		awk '{ a += $1; b += $2 } END { printf "%.0f %.0f\n", a, b * 512 }' >"$w/viewsize"
	row "$c" view_apparent "$(cut -d' ' -f1 "$w/viewsize")"
	row "$c" view_alloc "$(cut -d' ' -f2 "$w/viewsize")"

	# peers, on the same messages: the dialogs are Maildirs already
	if [ "$PEERS" != 0 ] && command -v notmuch >/dev/null; then
		mkdir -p "$w/nmdb"
		printf '[database]\npath=%s\nmail_root=%s\n[new]\ntags=inbox\nignore=info;log;status;assignee;tags;notes\n[maildir]\nsynchronize_flags=false\n' \
			"$w/nmdb" "$s/dialogs" >"$w/nmcfg"
		export NOTMUCH_CONFIG=$w/nmcfg
		now; t0=$NOW; notmuch new >/dev/null 2>&1; now; t1=$NOW
		row "$c" nm_rate "$(rate "$msgs" $((t1 - t0)))"
		while read -r id; do notmuch tag +bench-sel -- "path:${id:0:2}/${id:2:2}/$id/**"; done <"$w/sel"
		row "$c" nm_sel "$(timeit notmuch search --output=threads tag:bench-sel)"
		# tens of seconds a run at 100 000: a few runs say as much
		row "$c" nm_full "$(RUNS=$(( RUNS < 5 ? RUNS : 5 )) timeit notmuch search --output=threads tag:inbox)"
		nmq() { case $1 in date) echo "shopwise date:2026-11-01.." ;; *) echo "${SQ[$1]}" ;; esac; }
		# a common term takes notmuch seconds at 100 000: fewer runs there
		local nm_runs=$RUNS
		[ "$n" -ge 100000 ] && nm_runs=$(( RUNS < 7 ? RUNS : 7 ))
		for q in "${!SQ[@]}"; do
			row "$c" "nm_s_$q" "$(RUNS=$nm_runs timeit notmuch search --output=threads "$(nmq $q)")"
			row "$c" "nm_sc_$q" "$(notmuch count --output=threads "$(nmq $q)")"
		done
		row "$c" nm_bytes "$(du -sb "$w/nmdb" | cut -f1)"
		unset NOTMUCH_CONFIG
	fi
	if [ "$PEERS" != 0 ] && command -v mlist >/dev/null; then
		find "$s/dialogs" -mindepth 3 -maxdepth 3 -type d >"$w/dirs"
		uid=$(sed -n 's/^user: //p' "$s"/dialogs/*/*/"$(head -1 "$w/sel")"/info)
		# mlist stats every message file: at 100 000 dialogs a run takes
		# minutes of disk reads, so one run there
		local mb_runs=$(( RUNS < 5 ? RUNS : 5 ))
		[ "$n" -ge 100000 ] && mb_runs=1
		row "$c" mb_sel "$(RUNS=$mb_runs timeit sh -c "mlist <'$w/dirs' | mpick -t '\"x-dlg-user\" == \"$uid\"' | mscan")"
		row "$c" mb_full "$(RUNS=$mb_runs timeit sh -c "mlist <'$w/dirs' | mscan")"
	fi
	[ "$PEERS" != 0 ] && git clone -q "$s/.git" "$w/checkout" 2>/dev/null
	f=$(cd "$w/checkout" 2>/dev/null && git ls-files dialogs | grep '/status$' | head -1)
	[ -n "$f" ] && for i in $(seq 5); do
		now; t0=$NOW
		(cd "$w/checkout" && echo closed >"$f" && git add "$f" && git -c user.name=b -c user.email=b@b commit -qm "close $i" && echo open >"$f" && git add "$f" && git -c user.name=b -c user.email=b@b commit -qm "open $i") >/dev/null
		now; echo $(( (NOW - t0) / 2 ))
	done | stats >"$w/gitop"
	[ -s "$w/gitop" ] && row "$c" git_change "$(cat "$w/gitop")"
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

# The import's worst case: one-line messages, each from a new customer,
# so each makes a user and a dialog; dlg and notmuch new on one Maildir.
bench_worst() {
	echo "== $(date +%T) worst case: $1 one-line messages, each from a new customer" >&2
	WORST_MESSAGES=$1 WORST_RUNS=3 BENCH_DIR=$DIR BENCH_PEERS=$PEERS bash bench/worst.sh >"$DIR/worst.out" || return 1
	sed -n '/^row /!p' "$DIR/worst.out" >&2
	while read -r _ name value; do row worst "$name" "$value"; done < <(grep '^row ' "$DIR/worst.out")
}

COLS=()
for n in $SIZES; do
	for shape in $SHAPES; do
		bench_size "$shape" "$n"
		COLS+=("$shape-$n")
	done
done
[ "$WORST" != 0 ] && bench_worst "$WORST"
[ "$CHAT_VISITORS" != 0 ] && bench_chat

# The table: a figure a line, its target, one column per shape and size,
# and whether the real-shaped columns meet the target.  Each line's value
# is an expression evaluated with $c set to the column.
med() { echo "${1%% *}"; }
p99() { echo "${1##* }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }'; }
get() { echo "${R[$c,$1]:--}"; }
getm() { med "${R[$c,$1]:-- -}"; }
getmp() { local v=${R[$c,$1]:-- -}; echo "$(med "$v")/$(p99 "$v")"; }
rr() { ratio "${R[$c,$1]:-}" "${R[$c,$2]:-0}"; }
rm_() { ratio "$(med "${R[$c,$1]:-}")" "$(med "${R[$c,$2]:-0 0}")"; }
mb() { awk -v b="$1" 'BEGIN { if (b == "") print "-"; else printf "%.1f", b / 1048576 }'; }
label() { case ${1%%-*} in real) echo "real ${1#*-}" ;; small) echo "560B ${1#*-}" ;; *) echo "$1" ;; esac; }
# fig TITLE TARGET CHECK EXPR: CHECK is a comparison such as ">= 2" that
# the real-shaped columns' values must pass, or empty
fig() {
	local title=$1 target=$2 check=$3 expr=$4 c v met=-
	printf '%-36s%-14s' "$title" "$target"
	for c in "${COLS[@]}"; do
		v=$(eval "$expr")
		printf '%14s' "$v"
		[ -n "$check" ] && [ "${c%%-*}" != small ] && [ "${v%%/*}" != - ] || continue
		if awk -v v="${v%%/*}" "BEGIN { exit !(v $check) }"; then [ "$met" = no ] || met=yes; else met=no; fi
	done
	[ -n "$check" ] && printf '  %s' "$met"
	echo
}
printf '\n%-36s%-14s' "figure" "target"; for c in "${COLS[@]}"; do printf '%14s' "$(label "$c")"; done; printf '  met?\n'
fig "dialogs" "" "" 'get dialogs'
fig "messages" "" "" 'get messages'
fig "raw message bytes, MB" "" "" 'mb "${R[$c,raw_bytes]:-}"'
fig "import + index build, messages/s" "" "" 'get import_index_rate'
fig "  notmuch new, messages/s" "peer" "" 'get nm_rate'
fig "  dlg / notmuch" ">= 2" ">= 2" 'rr import_index_rate nm_rate'
fig "  import alone, messages/s" "" "" 'get import_rate'
fig "  index build (first list), ms" "" "" 'get index_build'
fig "  import peak memory, MB" "" "" 'mb "$(( ${R[$c,import_kb]:-0} * 1024 ))"'
# the store is .git/objects: the derived index beside it is rebuilt at will
fig ".git/objects / raw, after import" "" "" 'rr objects_bytes_import raw_bytes'
fig "  after its upkeep (gc --auto)" "<= 0.5" "<= 0.5" 'rr objects_bytes_import_upkeep raw_bytes'
fig "  that upkeep, ms" "" "" 'get upkeep_import'
fig "  after the bench's changes" "" "" 'rr objects_bytes raw_bytes'
fig "  and their upkeep" "<= 0.5" "<= 0.5" 'rr upkeep_objects_bytes raw_bytes'
fig "  all .git, index included" "" "" 'rr git_bytes raw_bytes'
fig "  after git gc (peer)" "peer" "" 'rr gc_bytes raw_bytes'
fig "floor (libgit2 init), ms" "" "" 'getm floor'
for op in tag assign close note reply; do
	fig "$op: median/p99, ms" "" "" "getmp op_$op"
	fig "  above floor (median of pairs)" "<= 2 at 100k" "<= 2" "getm above_$op"
	fig "  median / median at 10 000" "" "" "ratio \"\$(med \"\${R[\$c,op_$op]:-}\")\" \"\$(med \"\${R[\${c%%-*}-10000,op_$op]:-0 0}\")\""
done
fig "tag: to disk (syncfs, fsync), ms" "" "" 'getmp flush_tag'
fig "git add+commit in checkout, ms" "peer" "" 'getm git_change'
fig "  dlg tag / git" "" "" 'rm_ op_tag git_change'
fig "list, ~10 of all (tag), ms" "" "" 'getm list_sel'
fig "  notmuch search tag:, ms" "peer" "" 'getm nm_sel'
fig "  mblaze mlist|mpick|mscan, ms" "peer" "" 'getm mb_sel'
fig "  dlg/notmuch, dlg/mblaze" "" "" 'echo "$(rm_ list_sel nm_sel)/$(rm_ list_sel mb_sel)"'
fig "list, all open with summaries, ms" "" "" 'getm list_full'
fig "  notmuch search (all threads), ms" "peer" "" 'getm nm_full'
fig "  mblaze mlist|mscan, ms" "peer" "" 'getm mb_full'
fig "  dlg/notmuch, dlg/mblaze" "" "" 'echo "$(rm_ list_full nm_full)/$(rm_ list_full mb_full)"'
for q in rare common phrase date; do
	case $q in
	rare) t="search a rare term, ms" ;;
	common) t="search a common term, ms" ;;
	phrase) t="search a phrase, ms" ;;
	date) t="search common term + after:, ms" ;;
	esac
	fig "$t" "" "" "getm s_$q"
	fig "  notmuch search, ms" "peer" "" "getm nm_s_$q"
	fig "  dlg/notmuch" "" "" "rm_ s_$q nm_s_$q"
	fig "  dialogs / notmuch threads found" "" "" "echo \"\${R[\$c,sc_$q]:--}/\${R[\$c,nm_sc_$q]:--}\""
done
fig "search after a note / a tag, ms" "" "" 'echo "$(getm s_after_note)/$(getm s_after_tag)"'
fig "reindex (list + search rows), ms" "" "" 'getm reindex'
fig "dlg index / its search part, MB" "" "" 'echo "$(mb "${R[$c,index_bytes]:-}")/$(mb "${R[$c,search_bytes]:-}")"'
fig "  notmuch database, MB" "peer" "" 'mb "${R[$c,nm_bytes]:-}"'
fig "list peak memory, MB" "" "" 'mb "$(( ${R[$c,list_kb]:-0} * 1024 ))"'
fig "view apparent / allocated, MB" "" "" 'echo "$(( ${R[$c,view_apparent]:-0} >> 20 ))/$(( ${R[$c,view_alloc]:-0} >> 20 ))"'
if [ "$WORST" != 0 ]; then
	COLS=(worst)
	echo
	echo "worst case: ${R[worst,messages]:-} one-line messages, each from a new customer (one Maildir)"
	fig "  import + index build, messages/s" "" "" 'get import_index_rate'
	fig "  notmuch new, messages/s" "peer" "" 'get nm_rate'
	fig "  dlg / notmuch" ">= 1" ">= 1" 'rr import_index_rate nm_rate'
	fig "  .git / raw" "" "" 'rr git_bytes_import raw_bytes'
fi
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
