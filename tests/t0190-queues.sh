#!/bin/bash
# An operator's queue at the terminal: list's width, order, limits, ages
# and dates, tags in use, and show's pager, --last and colours.
. "$(dirname "$0")/lib.sh"

# The display columns of each line of a file (wide characters count 2).
widths() {
	python3 -c '
import sys, unicodedata
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    print(sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
              for c in line))
' "$1"
}

# Both ways of listing: from the index and from the files alone.
both() {
	"$@" >idx.out && DLG_NO_INDEX=1 "$@" >files.out && test_cmp idx.out files.out && cat idx.out
}

test_expect_success 'setup: four dialogs, one answered' '
	dlg init -q s &&
	mail a.eml a@ex ann@example.com "Broken kettle" "" "Mon, 23 Nov 2026 09:00:00 +0000" &&
	mail b1.eml b1@ex bob@example.com "Invoice copy" "" "Tue, 24 Nov 2026 09:00:00 +0000" &&
	mail b2.eml b2@ex bob@example.com "Re: Invoice copy" b1@ex "Wed, 25 Nov 2026 09:00:00 +0000" &&
	printf "From: Вера <vera@example.ru>\nSubject: 配送について 配送について 配送について 配送について 配送について\nDate: Wed, 25 Nov 2026 07:00:00 +0000\nMessage-ID: <c@ex>\nContent-Type: text/plain; charset=utf-8\n\nКогда привезут?\n" >c.eml &&
	mail d.eml d@ex dan@example.com "Where is my parcel" "" "Tue, 24 Nov 2026 08:00:00 +0000" &&
	dlg -C s import a.eml >A && dlg -C s import b1.eml >B && dlg -C s import b2.eml &&
	dlg -C s import c.eml >C && dlg -C s import d.eml >D &&
	dlg -C s reply -m "On its way" $(cat D) &&
	dlg -C s tag +delivery +tokyo-office $(cat C)
'
A=$(cat A 2>/dev/null) B=$(cat B 2>/dev/null) C=$(cat C 2>/dev/null) D=$(cat D 2>/dev/null)

test_expect_success 'width: list fits COLUMNS 60, 80 and 120; the id is never cut' '
	for w in 60 80 120; do
		COLUMNS=$w dlg -C s list >out.$w && test_line_count = out.$w 4 &&
		widths out.$w >w.$w && awk -v w=$w "\$1 > w { bad = 1 } END { exit bad }" w.$w &&
		cut -d" " -f1 out.$w >ids && printf "%s\n" ${D:0:7} ${B:0:7} ${C:0:7} ${A:0:7} >expect &&
		test_cmp expect ids || { echo "width $w:"; cat out.$w w.$w; exit 1; }
	done &&
	# at 120 the tags fit whole; narrower, they are cut before anything else
	grep "\[delivery,tokyo-office\]" out.120 && ! grep "tokyo-office\]" out.80 &&
	grep "^${C:0:7} .*Вера" out.80 && grep "^${C:0:7} .*Вера" out.60 &&
	# a terminal of 60 columns, as the kernel tells its size
	script -qc "stty cols 60; dlg -C s list" /dev/null </dev/null | tr -d "\r" >tty.out &&
	widths tty.out >w.tty && awk "\$1 > 60 { bad = 1 } END { exit bad }" w.tty
'

test_expect_success 'queues: --sort oldest|newest and --limit N, index and files alike' '
	both dlg -C s list -q >out && printf "%s\n" $D $B $C $A >expect && test_cmp expect out &&
	both dlg -C s list -q --sort newest >out && test_cmp expect out &&
	both dlg -C s list -q --sort oldest >out && printf "%s\n" $A $C $B $D >expect && test_cmp expect out &&
	both dlg -C s list -q --sort oldest --limit 2 >out && printf "%s\n" $A $C >expect && test_cmp expect out &&
	both dlg -C s list -q --waiting --limit 1 >out && echo $B >expect && test_cmp expect out &&
	both dlg -C s list --json --limit 1 >out && test_line_count = out 1 &&
	test_exit_code 2 dlg -C s list --sort sideways 2>err && grep "^dlg: list: --sort takes oldest or newest" err &&
	test_exit_code 2 dlg -C s list --limit -1 2>err && grep "^dlg: list: " err &&
	test_exit_code 2 dlg -C s list --limit x 2>err && grep "^dlg: list: " err
'

test_expect_success 'queues: the customer has waited since their first unanswered message' '
	both dlg -C s list >out &&
	# bob wrote on the 24th at 09:00 and again today at 09:00: waiting 25 hours
	grep "^${B:0:7} .* 1d " out && grep "^${C:0:7} .* 3h " out && grep "^${A:0:7} .* 2d " out &&
	! grep "^${D:0:7} .* [0-9][0-9]*[mhdy] " out &&
	both dlg -C s list --json >out &&
	grep "\"id\":\"$B\".*\"waiting_since\":\"2026-11-24T09:00:00Z\"" out &&
	grep "\"id\":\"$D\".*\"waiting_since\":null" out
'

test_expect_success 'queues: relative dates, and impossible dates refused with exit 2' '
	both dlg -C s list -q --since 1d >out && printf "%s\n" $D $B $C >expect && test_cmp expect out &&
	both dlg -C s list -q --since 30m >out && echo $D >expect && test_cmp expect out &&
	both dlg -C s list -q --since yesterday --until yesterday >out && test_line_count = out 0 &&
	both dlg -C s list -q --since today >out && printf "%s\n" $D $B $C >expect && test_cmp expect out &&
	both dlg -C s list -q --until yesterday >out && echo $A >expect && test_cmp expect out &&
	both dlg -C s list -q --until today >out && test_line_count = out 4 &&
	both dlg -C s list -q --since 2026-11-23 --until 2026-11-23 >out && echo $A >expect && test_cmp expect out &&
	dlg -C s list -q --since 2024-02-29 >/dev/null &&
	for bad in 2011-02-30 2026-13-01 2023-02-29 2026-04-31 2026-11-00 2026-11-25T24:00 2026-11-25T-1:00 3x tomorrowish; do
		test_exit_code 2 dlg -C s list --since $bad 2>err &&
		grep "^dlg: list: cannot read the date .$bad." err || { echo "accepted $bad"; exit 1; }
	done
'

# A tag as an older dlg wrote it, in capitals: the log line and the tags
# file, committed with git's plumbing.
legacy_tag() {
	gd=s/.git dir=dialogs/${1:0:2}/${1:2:2}/$1 &&
	git --git-dir=$gd show main:$dir/log >log.old &&
	{ cat log.old; printf "99 2026-11-25T09:30:00Z alice tag +%s\n" "$2"; } >log.new &&
	printf "%s\n" "$2" >tags.new &&
	export GIT_INDEX_FILE=$PWD/legacy.idx && rm -f legacy.idx &&
	git --git-dir=$gd read-tree main &&
	git --git-dir=$gd update-index --add --cacheinfo 100644,$(git --git-dir=$gd hash-object -w log.new),$dir/log &&
	git --git-dir=$gd update-index --add --cacheinfo 100644,$(git --git-dir=$gd hash-object -w tags.new),$dir/tags &&
	tree=$(git --git-dir=$gd write-tree) && unset GIT_INDEX_FILE &&
	commit=$(echo "tag $1 +$2" | git --git-dir=$gd commit-tree $tree -p main) &&
	git --git-dir=$gd update-ref refs/heads/main $commit
}

test_expect_success 'queues: tags match whatever their case; new ones are written in lowercase' '
	dlg -C s tag +VIP $B &&
	git -C s show main:dialogs/${B:0:2}/${B:2:2}/$B/tags >tags && echo vip >expect && test_cmp expect tags &&
	legacy_tag $A VIP &&
	both dlg -C s list -q --tag vip >out && printf "%s\n" $B $A >expect && test_cmp expect out &&
	both dlg -C s list -q --tag Vip >out && test_cmp expect out &&
	both dlg -C s list -q --tag -VIP >out && printf "%s\n" $D $C >expect && test_cmp expect out &&
	dlg -C s tag +vip $A && git -C s show main:dialogs/${A:0:2}/${A:2:2}/$A/tags >tags &&
	echo VIP >expect && test_cmp expect tags &&
	dlg -C s tag -vip $A && ! git -C s cat-file -e main:dialogs/${A:0:2}/${A:2:2}/$A/tags &&
	dlg -C s tag +Срочно $A &&
	both dlg -C s list -q --tag СРОЧНО >out && echo $A >expect && test_cmp expect out
'

test_expect_success 'queues: tag --list shows the tags in use with counts' '
	dlg -C s tag +vip $C && legacy_tag $D VIP &&
	both dlg -C s tag --list >out &&
	printf "%7d %s\n" 1 delivery 1 tokyo-office 3 vip 1 срочно >expect &&
	test_cmp expect out &&
	dlg -C s tag --list --help | grep "usage: dlg tag" &&
	test_exit_code 2 dlg -C s tag --list +x $A 2>err && grep "^usage: dlg tag" err
'

# A pager that records what it was given, and how it was called.
cat >pager <<-\EOF
	#!/bin/sh
	echo "$0 $*" >"$(dirname "$0")/pager.args"
	cat >"$(dirname "$0")/pager.in"
EOF
chmod +x pager

test_expect_success 'reading: show pages through $PAGER on a terminal, DLG_PAGER first' '
	rm -f pager.in && PAGER=$PWD/pager dlg -C s show $C >out && test ! -e pager.in && grep "Когда привезут?" out &&
	PAGER="$PWD/pager -x" script -qc "dlg -C s show $C" /dev/null </dev/null >/dev/null &&
	grep "Когда привезут?" pager.in && grep "pager -x" pager.args &&
	rm -f pager.in && DLG_PAGER=$PWD/pager PAGER=false script -qc "dlg -C s show $C" /dev/null </dev/null >/dev/null &&
	grep "Когда привезут?" pager.in &&
	rm -f pager.in && DLG_PAGER=cat PAGER=$PWD/pager script -qc "dlg -C s show $C" /dev/null </dev/null >tty.out &&
	test ! -e pager.in && grep "Когда привезут?" tty.out &&
	# the default is less -FRX, which prints a short text at once
	unset PAGER DLG_PAGER && TERM=xterm script -qc "dlg -C s show $C" /dev/null </dev/null >tty.out &&
	grep "Когда привезут?" tty.out
'

test_expect_success 'reading: show --last N shows the last N messages' '
	dlg -C s show --last 1 $B >out && grep "Body of b2@ex" out && ! grep "Body of b1@ex" out &&
	dlg -C s show --last 2 $B >out && grep "Body of b2@ex" out && grep "Body of b1@ex" out &&
	dlg -C s show --last 5 $B >out && grep "Body of b1@ex" out &&
	dlg -C s show --json --last 1 $B >out && grep "Body of b2@ex" out && ! grep "Body of b1@ex" out &&
	test_exit_code 2 dlg -C s show --last 0 $B 2>err && grep "^dlg: show: " err
'

test_expect_success 'reading: --color=auto|always|never, NO_COLOR when not empty, TERM=dumb' '
	esc=$(printf "\033") &&
	unset NO_COLOR &&
	dlg -C s list >out && ! grep -q "$esc" out &&
	dlg -C s list --color=always >out && grep -q "$esc\[33m" out &&
	dlg -C s show --color=always $C >out && grep -q "$esc\[33m" out &&
	TERM=xterm script -qc "dlg -C s list" /dev/null </dev/null >tty.out && grep -q "$esc\[33m" tty.out &&
	TERM=xterm script -qc "dlg -C s list --color=never" /dev/null </dev/null >tty.out && ! grep -q "$esc\[" tty.out &&
	TERM=xterm NO_COLOR= script -qc "dlg -C s list" /dev/null </dev/null >tty.out && grep -q "$esc\[33m" tty.out &&
	TERM=xterm NO_COLOR=1 script -qc "dlg -C s list" /dev/null </dev/null >tty.out && ! grep -q "$esc\[" tty.out &&
	TERM=dumb script -qc "dlg -C s list" /dev/null </dev/null >tty.out && ! grep -q "$esc\[" tty.out &&
	TERM=dumb dlg -C s list --color=always >out && grep -q "$esc\[33m" out &&
	test_exit_code 2 dlg -C s list --color=sometimes 2>err && grep "^dlg: list: --color takes" err
'

test_done
