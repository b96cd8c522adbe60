#!/bin/bash
# A change that returned success survives a power cut: what it wrote is on
# disk before the branch moves, and the move is on disk before dlg returns
# or a channel's cursor moves (observed with strace, checked by
# durable-order.py).  A ref lock file is never removed: dlg waits, then
# fails with a message naming it.
. "$(dirname "$0")/lib.sh"

# traced LOG CMD...: CMD under strace, the calls that write and order writes.
# LeakSanitizer cannot run under ptrace, so a sanitized dlg leaves it out here.
traced() {
	log=$1
	shift
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -y -s 4096 -o "$log" \
		-e trace=openat,mkdir,mkdirat,fsync,fdatasync,syncfs,rename,renameat,renameat2,link,linkat "$@"
}

# in_order LOG GITDIR [--cursor REGEX]
in_order() {
	log=$1 gitdir=$2
	shift 2
	python3 "$SRCDIR/tests/durable-order.py" --cwd "$PWD" "$@" "$log" "$gitdir"
}

# mbox N FILE: N messages from N customers
mbox() {
	for i in $(seq "$1"); do
		printf 'From c%d@example.com Tue Nov 24 10:00:00 2026\n' "$i"
		printf 'From: c%d@example.com\nSubject: order %d\nMessage-ID: <m%d@example.com>\n' "$i" "$i" "$i"
		printf 'Date: Tue, 24 Nov 2026 10:00:00 +0000\n\nbody %d\n\n' "$i"
	done >"$2"
}

spool_drop() { # FILE JSON
	printf '%s\n' "$2" >spool/tmp/"$1" && mv spool/tmp/"$1" spool/new/"$1"
}

LOCK_MSG="dlg: tag: .git/refs/heads/main.lock exists: another git process is updating the branch; if none is running, remove the file"

if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
	test_skip 'durability order' 'strace is missing or may not trace here'
	STRACE=
else
	STRACE=1
fi

if [ -n "$STRACE" ]; then

test_expect_success 'init: the first commit is on disk before main points to it' '
	traced init.log dlg init -q s &&
	mail m.eml m1@ex ivan@example.ru "Where is my order?" &&
	dlg -C s import m.eml >D &&
	in_order init.log s/.git
'

test_expect_success 'tag: loose objects, their directories and the ref on disk in order' '
	traced tag.log dlg -C s tag +vip $(cat D) &&
	grep -q "objects/[0-9a-f][0-9a-f]/[0-9a-f]\{38\}" tag.log &&
	in_order tag.log s/.git &&
	grep -x vip s/dialogs/*/*/$(cat D)/tags
'

test_expect_success 'reply: the same order' '
	traced reply.log dlg -C s reply -m "On its way" $(cat D) &&
	in_order reply.log s/.git
'

# gc.auto 0: the gc the import starts would fold its pack, and strace -f follow it
test_expect_success 'import of 150 messages: one pack and its index on disk before the branch moves' '
	dlg -C s config gc.auto 0 &&
	mbox 150 big.mbox &&
	ls s/.git/objects/pack/*.pack 2>/dev/null | wc -l >before &&
	traced import.log dlg -C s import -q big.mbox &&
	ls s/.git/objects/pack/*.pack | wc -l >after &&
	test $(cat after) = $(( $(cat before) + 1 )) &&
	grep -q "objects/pack/pack-[0-9a-f]*\.idx" import.log &&
	in_order import.log s/.git &&
	dlg -C s list -q --status all >ids && test_line_count = ids 151
'

test_expect_success 'clone: the store appears whole, objects on disk before its branch' '
	traced clone.log dlg clone -q s a &&
	dlg clone -q s b &&
	in_order clone.log a/.git &&
	! ls -d a/.git-clone-* 2>/dev/null &&
	git -C a fsck --no-progress 2>&1 | grep -v "^dangling" >gf || true &&
	test_line_count = gf 0
'

test_expect_success 'sync: a merge commit on disk before main moves' '
	dlg -C a tag +a $(cat D) && DLG_OPERATOR=bob dlg -C b tag +b $(cat D) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	traced merge.log dlg -C a sync b/main >out &&
	echo merged >expect && test_cmp expect out &&
	in_order merge.log a/.git
'

test_expect_success 'sync: a fast-forward too' '
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	traced ff.log dlg -C b sync a/main >out &&
	echo fast-forward >expect && test_cmp expect out &&
	in_order ff.log b/.git
'

test_expect_success 'fetch: a spool file moves to cur/ only once its commit is on disk' '
	mkdir -p spool/new spool/tmp &&
	dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	spool_drop 0001.json "{\"id\":\"c-1\",\"visitor\":{\"id\":\"v42\"},\"text\":\"Hello\",\"date\":\"2026-11-24T10:00:00Z\"}" &&
	spool_drop 0002.json "{\"id\":\"c-2\",\"visitor\":{\"id\":\"v43\"},\"text\":\"Hi\",\"date\":\"2026-11-24T10:01:00Z\"}" &&
	traced fetch.log dlg -C s fetch site >ids &&
	test_line_count = ids 2 && test -e spool/cur/0001.json && test -e spool/cur/0002.json &&
	grep -q "spool/cur>, \"0001.json\"" fetch.log &&
	in_order fetch.log s/.git --cursor "/spool/cur/"
'

test_expect_success 'the checker catches a change made the old way' '
	printf "%s\n" "1 openat(AT_FDCWD<$PWD>, \"$PWD/s/.git/objects/ab/tmp_obj_x\", O_RDWR|O_CREAT|O_EXCL, 0600) = 4<$PWD/s/.git/objects/ab/tmp_obj_x>" \
		"1 rename(\"$PWD/s/.git/objects/ab/tmp_obj_x\", \"$PWD/s/.git/objects/ab/cdef\") = 0" \
		"1 openat(AT_FDCWD<$PWD>, \"$PWD/s/.git/refs/heads/main.lock\", O_WRONLY|O_CREAT|O_EXCL, 0666) = 5<$PWD/s/.git/refs/heads/main.lock>" \
		"1 fsync(5<$PWD/s/.git/refs/heads/main.lock>) = 0" \
		"1 rename(\"$PWD/s/.git/refs/heads/main.lock\", \"$PWD/s/.git/refs/heads/main\") = 0" >old.log &&
	test_must_fail in_order old.log s/.git >problems &&
	grep "object .*/objects/ab/cdef: data not on disk" problems &&
	grep "never made durable" problems
'

fi

test_expect_success 'a ref lock left behind: dlg waits, fails naming it, leaves it' '
	dlg init -q l && mail m.eml m1@ex ivan@example.ru "Where is my order?" &&
	dlg -C l import m.eml >LD &&
	git -C l rev-parse main >tip.before &&
	: >l/.git/refs/heads/main.lock &&
	start=$(date +%s) &&
	(cd l && test_must_fail dlg tag +vip $(cat ../LD) 2>../err) &&
	end=$(date +%s) &&
	echo "$LOCK_MSG" >expect && test_cmp expect err &&
	test $((end - start)) -ge 2 && test $((end - start)) -le 10 &&
	test -e l/.git/refs/heads/main.lock &&
	git -C l rev-parse main >tip.after && test_cmp tip.before tip.after &&
	! grep -x vip l/dialogs/*/*/$(cat LD)/tags 2>/dev/null
'

test_expect_success 'a ref lock held by a running process is left to it' '
	rm -f l/.git/refs/heads/main.lock &&
	sleep 30 >l/.git/refs/heads/main.lock &
	holder=$! &&
	while ! test -e l/.git/refs/heads/main.lock; do sleep 0.05; done &&
	if test_must_fail dlg -C l close $(cat LD) 2>err; then failed=1; else failed=0; fi &&
	kill $holder && { wait $holder 2>/dev/null || :; } && test $failed = 1 &&
	grep "main.lock exists: another git process is updating the branch" err &&
	test -e l/.git/refs/heads/main.lock &&
	git -C l rev-parse main >tip.after && test_cmp tip.before tip.after
'

test_expect_success 'the change goes through once the lock goes away' '
	(sleep 1; rm -f l/.git/refs/heads/main.lock) &
	dlg -C l tag +vip $(cat LD) &&
	wait &&
	grep -x vip l/dialogs/*/*/$(cat LD)/tags &&
	test ! -e l/.git/refs/heads/main.lock
'

test_expect_success 'an interrupted change (SIGINT, SIGTERM) never leaves the lock behind' '
	i=0 && while [ $i -lt 20 ]; do
		dlg -C l tag +i$i $(cat LD) & pid=$! &&
		sleep 0.0$((i % 10)) && kill -$(test $((i % 2)) = 0 && echo INT || echo TERM) $pid 2>/dev/null
		wait $pid 2>/dev/null
		test ! -e l/.git/refs/heads/main.lock || exit 1
		i=$((i + 1))
	done &&
	git -C l fsck --no-progress 2>&1 | grep -v "^dangling" >gf || true &&
	test_line_count = gf 0 &&
	dlg -C l fsck >out && test_line_count = out 0
'

test_expect_success 'an index another writer is making is not deleted by a reader' '
	dlg -C l list -q >/dev/null &&
	# A writer holds the store lock, its new index still empty.
	rm l/.git/dlg/index.sqlite && : >l/.git/dlg/index.sqlite &&
	ln l/.git/dlg/index.sqlite its-index &&
	flock l/.git/dlg/lock sleep 2 &
	sleep 0.5 &&
	dlg -C l list -q >ids &
	sleep 1 &&
	test l/.git/dlg/index.sqlite -ef its-index &&
	wait && test_line_count = ids 1
'

test_done
