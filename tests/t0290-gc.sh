#!/bin/bash
# Upkeep (issue 15): dlg gc packs a store's objects and prunes them safely,
# and a change starts it by itself, detached, when loose objects or packs
# pile up.
. "$(dirname "$0")/lib.sh"

loose() { git -C ${1:-s} count-objects -v | sed -n "s/^count: //p"; }
packs() { git -C ${1:-s} count-objects -v | sed -n "s/^packs: //p"; }
# Polls until store $1 notes no pack written whole (a gc folded them), up to 60 s.
wait_folded() {
	for _ in $(seq 600); do
		[ -e $1/.git/dlg/whole-packs ] || return 0
		sleep 0.1
	done
	return 1
}
# The ids of the objects stored as deltas in store $1's packs.
deltas() { git verify-pack -v "$TRASH/$1"/.git/objects/pack/*.idx | awk 'NF == 7 { print $1 }' | sort; }
# Everything a reader sees of every dialog.
snapshot() {
	dlg -C s list --json >"$1.list" &&
	for id in $(dlg -C s list -q); do dlg -C s show "$id" || exit 1; done >"$1.show"
}
# Polls until a detached gc is gone (its gc.pid removed), up to 60 s.
wait_gc() {
	for _ in $(seq 600); do
		# the detached gc holds a lock on gc.log from its start to its end
		[ ! -e ${1:-s}/.git/gc.pid ] && flock -n ${1:-s}/.git/dlg/gc.log true && return 0
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

# A thread of N messages, each quoting the one before it whole, among
# NOISE one-message dialogs of the same sizes: one Maildir.
thread_maildir() {
	python3 - "$@" <<-\PY
	import os, random, sys
	d, n, noise = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	rnd = random.Random(15)
	words = "order parcel refund delivery invoice size colour courier address week".split()
	def text(k):
	    return " ".join(rnd.choice(words) + str(rnd.randrange(1000)) for _ in range(k)) + "\n"
	def mail(name, frm, subject, msgid, reply, body):
	    with open(os.path.join(d, "cur", name), "w") as f:
	        f.write("From: %s\nTo: support@shop.example\nSubject: %s\n" % (frm, subject))
	        f.write("Date: Tue, 24 Nov 2026 10:%02d:00 +0000\nMessage-ID: <%s>\n" % (len(os.listdir(os.path.join(d, "cur"))) % 60, msgid))
	        if reply:
	            f.write("In-Reply-To: <%s>\nReferences: <%s>\n" % (reply, reply))
	        f.write("Content-Type: text/plain; charset=utf-8\n\n" + body)
	for sub in ("cur", "new", "tmp"):
	    os.makedirs(os.path.join(d, sub), exist_ok=True)
	body = ""
	for i in range(n):
	    body = text(60) + "".join("> " + l + "\n" for l in body.splitlines())
	    mail("t%02d:2," % i, "thread@customers.example", "Re: my order", "t%d@ex" % i, "t%d@ex" % (i - 1) if i else None, body)
	for i in range(noise):
	    mail("n%03d:2," % i, "n%d@customers.example" % i, "Question %d" % i, "n%d@ex" % i, None, text(60 * (1 + i % n)))
	PY
}

test_expect_success 'a big import writes its pack whole; the automatic gc after it packs it again with deltas' '
	dlg init -q w && thread_maildir tm 8 120 &&
	dlg -C w config gc.auto 0 && dlg -C w import -q tm &&
	test "$(packs w)" = 1 && deltas w >d && test_line_count = d 0 &&
	p=$(basename $(ls w/.git/objects/pack/*.pack) .pack) &&
	test "$(cat w/.git/dlg/whole-packs)" = "$p" &&
	dlg -C w config gc.auto 6700 && wait_folded w && wait_gc w &&
	test ! -e w/.git/dlg/whole-packs && test ! -e w/.git/objects/pack/$p.pack &&
	test "$(packs w)" = 1 && test "$(loose w)" = 0 &&
	deltas w >d && test $(wc -l <d) -gt 100 &&
	dlg -C w fsck && git -C w fsck --no-dangling 2>&1
'

test_expect_success "gc makes a dialog's messages each other's delta bases, which git's own names would scatter" '
	dir=$(git -C w ls-tree -r --name-only main | sed -n "s|/cur/.*||p" | uniq -c | awk "\$1 == 8 { print \$2 }") &&
	git -C w ls-tree -r main $dir/cur | awk "{ print \$3 }" | sort >thread &&
	test_line_count = thread 8 &&
	comm -12 thread d >thread-deltas &&
	test_line_count = thread-deltas 7
'

test_expect_success 'automatic gc prunes nothing; the next whole gc does' '
	old=$(echo old-and-lost | git -C w hash-object -w --stdin) &&
	touch -d "15 days ago" w/.git/objects/${old:0:2}/${old:2} &&
	mkdir -p tm2/cur tm2/new tm2/tmp &&
	for j in $(seq 40); do mail tm2/cur/$j:2, more$j@ex more$j@customers.example "More $j" || exit 1; done &&
	dlg -C w config gc.auto 0 && dlg -C w import -q tm2 && test -s w/.git/dlg/whole-packs &&
	dlg -C w config gc.auto 6700 && wait_folded w && wait_gc w &&
	test ! -e w/.git/dlg/whole-packs && test "$(packs w)" = 2 &&
	git -C w cat-file -e $old &&
	dlg -C w gc -q && test "$(packs w)" = 1 && test_must_fail git -C w cat-file -e $old &&
	dlg -C w fsck
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
	p=$(ls s/.git/objects/pack/*.pack) &&
	touch go && wait_gc &&
	test "$(loose)" = 0 && test "$(packs)" = 2 && test -e "$p" && dlg -C s fsck
'

test_expect_success 'automatic gc packs only what no pack has; past gc.auto-pack-limit it repacks all' '
	p=$(ls s/.git/objects/pack/*.pack) &&
	dlg -C s config gc.auto 0 &&
	while [ "$(ls s/.git/objects/17 2>/dev/null | wc -l)" -lt 2 ]; do
		dlg -C s note -m "and one more" $(head -1 ids) || exit 1
	done &&
	dlg -C s config gc.auto-pack-limit 2 &&
	dlg -C s config gc.auto 1 && sleep 0.3 && wait_gc &&
	test "$(loose)" = 0 && test "$(packs)" = 1 &&
	for f in $p; do test ! -e $f || exit 1; done &&
	dlg -C s config gc.auto-pack-limit 50 && wait_gc && dlg -C s fsck
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
