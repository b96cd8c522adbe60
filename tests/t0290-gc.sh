#!/bin/bash
# Upkeep (issue 15): dlg gc packs a store's objects and prunes them safely,
# and a change starts it by itself, detached, when loose objects or packs
# pile up.
. "$(dirname "$0")/lib.sh"

loose() { git -C s count-objects -v | sed -n "s/^count: //p"; }
packs() { git -C s count-objects -v | sed -n "s/^packs: //p"; }
# Everything a reader sees of every dialog.
snapshot() {
	dlg -C s list --json >"$1.list" &&
	for id in $(dlg -C s list -q); do dlg -C s show "$id" || exit 1; done >"$1.show"
}
# Polls until a detached gc is gone (its gc.pid removed), up to 20 s.
wait_gc() {
	for _ in $(seq 200); do
		[ -e s/.git/gc.pid ] || return 0
		sleep 0.1
	done
	return 1
}

test_expect_success 'setup: a store after many changes, with loose objects and several packs' '
	dlg init -q s &&
	dlg -C s config gc.auto 0 &&
	for i in $(seq 12); do
		mail m$i.eml m$i@ex c$i@customers.example "Order $i" || exit 1
		dlg -C s import m$i.eml >>ids || exit 1
	done &&
	for id in $(cat ids); do
		dlg -C s tag +t1 "$id" && dlg -C s note -m "looked at it" "$id" || exit 1
	done &&
	for i in 1 2 3; do
		mkdir -p md$i/cur md$i/new md$i/tmp &&
		for j in $(seq 40); do mail md$i/new/$j.eml b$i.$j@ex bulk$i@customers.example "Bulk $i $j" || exit 1; done &&
		dlg -C s import md$i >/dev/null || exit 1
	done &&
	test "$(loose)" -gt 100 && test "$(packs)" -ge 3
'

test_expect_success 'gc packs everything into one pack: fewer files, fsck clean, every dialog as before' '
	snapshot before &&
	dlg -C s gc >out &&
	grep -E "^gc: [0-9]+ loose objects and [0-9]+ packs into 1 pack, " out &&
	test_line_count = out 1 &&
	test "$(loose)" = 0 && test "$(packs)" = 1 &&
	dlg -C s fsck && git -C s fsck --strict --no-dangling 2>&1 &&
	snapshot after &&
	test_cmp before.list after.list && test_cmp before.show after.show
'

test_expect_success 'gc -q says nothing; a second gc keeps one pack' '
	dlg -C s note -m again $(head -1 ids) &&
	dlg -C s gc -q >out 2>&1 && test_line_count = out 0 &&
	test "$(loose)" = 0 && test "$(packs)" = 1 && dlg -C s fsck
'

test_expect_success 'gc while changes run in a loop loses nothing (four rounds)' '
	D=$(head -1 ids) &&
	for round in 1 2 3 4; do
		: >commits.$round &&
		( for i in $(seq 15); do
			dlg -C s note -m "round $round note $i" "$D" || exit 1
			git -C s rev-parse main >>commits.$round || exit 1
		  done ) &
		pid=$! &&
		for g in 1 2 3; do dlg -C s gc -q || exit 1; done &&
		wait $pid || exit 1
		dlg -C s gc -q &&
		test_line_count = commits.$round 15 &&
		while read -r c; do git -C s cat-file -e "$c^{commit}" || exit 1; done <commits.$round &&
		dlg -C s fsck && git -C s fsck --no-dangling 2>&1 &&
		dlg -C s show "$D" >shown &&
		for i in $(seq 15); do grep -q "round $round note $i\$" shown || exit 1; done || exit 1
	done
'

test_expect_success 'a held store lock makes gc --auto skip and plain gc wait' '
	dlg -C s note -m "loose again" $(head -1 ids) &&
	n=$(loose) && test "$n" -gt 0 || exit 1
	( flock s/.git/dlg/lock -c "sleep 2; echo released >>order" ) &
	sleep 0.5 &&
	dlg -C s gc --auto -q && test "$(loose)" = "$n" &&
	dlg -C s gc -q && echo gc >>order &&
	wait &&
	printf "released\ngc\n" >expect && test_cmp expect order &&
	test "$(loose)" = 0
'

test_expect_success 'a git gc running (gc.pid) or a lock in refs stops gc' '
	dlg -C s note -m "loose again" $(head -1 ids) &&
	n=$(loose) || exit 1
	sleep 30 & holder=$!

	echo "$holder $(hostname)" >s/.git/gc.pid &&
	test_must_fail dlg -C s gc 2>err && grep "^dlg: gc: another gc is running (pid $holder" err &&
	dlg -C s gc --auto && test "$(loose)" = "$n" &&
	kill $holder && { wait $holder || :; } && rm s/.git/gc.pid &&
	touch s/.git/refs/heads/main.lock &&
	test_must_fail dlg -C s gc 2>err && grep "refs/heads/main.lock" err &&
	rm s/.git/refs/heads/main.lock &&
	echo "999999 $(hostname)" >s/.git/gc.pid &&
	dlg -C s gc -q && test "$(loose)" = 0 && test ! -e s/.git/gc.pid
'

test_expect_success 'an unreachable young object survives gc, an old one goes; --prune=now takes all' '
	young=$(echo young | git -C s hash-object -w --stdin) &&
	old=$(echo old | git -C s hash-object -w --stdin) &&
	touch -d "15 days ago" s/.git/objects/${old:0:2}/${old:2} &&
	dlg -C s gc -q &&
	git -C s cat-file -e $young && test_must_fail git -C s cat-file -e $old &&
	dlg -C s gc -q --prune=now && test_must_fail git -C s cat-file -e $young &&
	dlg -C s fsck
'

test_expect_success 'an old pack of only unreachable objects goes, a young one stays' '
	young=$(echo young-packed | git -C s hash-object -w --stdin) &&
	old=$(echo old-packed | git -C s hash-object -w --stdin) &&
	echo $young | git -C s pack-objects "$TRASH/s/.git/objects/pack/pack" >/dev/null &&
	p=$(echo $old | git -C s pack-objects "$TRASH/s/.git/objects/pack/pack") &&
	touch -d "15 days ago" s/.git/objects/pack/pack-$p.* &&
	rm -f s/.git/objects/${young:0:2}/${young:2} s/.git/objects/${old:0:2}/${old:2} &&
	dlg -C s gc -q &&
	git -C s cat-file -e $young && test_must_fail git -C s cat-file -e $old &&
	test ! -e s/.git/objects/pack/pack-$p.pack && test "$(packs)" = 2 && dlg -C s fsck
'

test_expect_success 'an old unreachable object that a commit made during the gc refers to survives' '
	old=$(echo precious | git -C s hash-object -w --stdin) &&
	obj=s/.git/objects/${old:0:2}/${old:2} &&
	touch -d "15 days ago" $obj &&
	main=$(git -C s rev-parse main) || exit 1
	DLG_TEST_GC_WAIT="$TRASH/go-precious" dlg -C s gc -q & gc=$!
	for _ in $(seq 100); do [ -e s/.git/gc.pid ] && break; sleep 0.05; done &&
	GIT_INDEX_FILE="$TRASH/idx" git -C s read-tree main &&
	GIT_INDEX_FILE="$TRASH/idx" git -C s update-index --add --cacheinfo "100644,$old,precious" &&
	tree=$(GIT_INDEX_FILE="$TRASH/idx" git -C s write-tree) &&
	commit=$(git -C s commit-tree "$tree" -p main -m precious) &&
	git -C s update-ref refs/heads/main "$commit" &&
	test -n "$(find $obj -mtime +10)" &&
	touch go-precious && wait $gc &&
	git -C s cat-file -e $old && git -C s fsck --no-dangling 2>&1 &&
	git -C s update-ref refs/heads/main "$main" && dlg -C s fsck
'

test_expect_success 'gc --prune: a bad duration is a usage error' '
	test_exit_code 2 dlg -C s gc --prune=soon 2>err && grep "^dlg: gc: " err
'

test_expect_success 'automatic: a change over gc.auto starts gc detached and returns before it ends' '
	dlg -C s gc -q --prune=now &&
	while [ "$(ls s/.git/objects/17 2>/dev/null | wc -l)" -lt 2 ]; do
		dlg -C s note -m "one more" $(head -1 ids) || exit 1
	done &&
	n=$(loose) &&
	export DLG_TEST_GC_WAIT="$TRASH/go" &&
	timeout 5 sh -c "dlg -C s config gc.auto 1 3>&1 2>&1" | cat >out &&
	test_line_count = out 0 &&
	sleep 0.5 && test -e s/.git/gc.pid && test "$(loose)" -ge "$n" &&
	touch go && wait_gc &&
	test "$(loose)" = 0 && test "$(packs)" = 1 && dlg -C s fsck
'

test_expect_success 'automatic: a gc that cannot bring the store under gc.auto holds the next back for a day' '
	# three young unreachable objects in objects/17, which gc must keep
	for c in $(python3 -c "
import hashlib
n = 0
for i in range(100000):
    b = b\"keep %d\\n\" % i
    if hashlib.sha1(b\"blob %d\\0\" % len(b) + b).hexdigest().startswith(\"17\"):
        print(i); n += 1
        if n == 3: break"); do
		echo "keep $c" | git -C s hash-object -w --stdin >/dev/null || exit 1
	done &&
	test "$(ls s/.git/objects/17 | wc -l)" -ge 3 &&
	dlg -C s note -m "start one" $(head -1 ids) && sleep 0.3 && wait_gc &&
	grep "automatic gc waits a day" s/.git/dlg/gc.log &&
	touch -d "1 hour ago" s/.git/dlg/gc.log &&
	dlg -C s note -m "held back" $(head -1 ids) && sleep 0.5 && wait_gc &&
	test -n "$(find s/.git/dlg/gc.log -mmin +30)" &&
	touch -d "25 hours ago" s/.git/dlg/gc.log &&
	dlg -C s note -m "a day later" $(head -1 ids) && sleep 0.3 && wait_gc &&
	test -z "$(find s/.git/dlg/gc.log -mmin +30)" &&
	dlg -C s gc -q --prune=now && rm s/.git/dlg/gc.log && dlg -C s fsck
'

test_expect_success 'automatic: gc.auto 0 turns it off' '
	dlg -C s config gc.auto 0 &&
	while [ "$(ls s/.git/objects/17 2>/dev/null | wc -l)" -lt 2 ]; do
		dlg -C s note -m "and more" $(head -1 ids) || exit 1
	done &&
	n=$(loose) && rm -f s/.git/dlg/gc.log &&
	dlg -C s note -m last $(head -1 ids) &&
	sleep 0.5 && test ! -e s/.git/dlg/gc.log && test "$(loose)" -gt "$n"
'

test_expect_success 'automatic: too many packs start gc too (gc.auto-pack-limit)' '
	dlg -C s config gc.auto-pack-limit 3 &&
	for i in 1 2; do
		mkdir -p mp$i/cur mp$i/new mp$i/tmp &&
		for j in $(seq 40); do mail mp$i/new/$j.eml p$i.$j@ex pk$i@customers.example "Pack $i $j" || exit 1; done &&
		dlg -C s import mp$i >/dev/null || exit 1
	done &&
	wait_gc && sleep 0.2 && wait_gc &&
	test "$(packs)" -le 3 && dlg -C s fsck
'

test_done
