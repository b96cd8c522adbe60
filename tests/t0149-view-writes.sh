#!/bin/bash
# The view's writes for new dialogs and users (the worst case of an import:
# every message from a new customer): complete, and without looking for
# files in directories the same update made.
. "$(dirname "$0")/lib.sh"

# maildir N DIR: N one-line messages, each from a new customer
maildir() {
	mkdir -p "$2/cur" "$2/new" "$2/tmp" &&
	for i in $(seq "$1"); do
		mail "$2/cur/$i.worst:2," "w$i@example.com" "c$i@example.com" "question $i"
	done
}

# complete: every dialog and user of the tip is in the view, whole
complete() {
	dlg -C s list -q --status all >ids &&
	test_line_count = ids "$1" &&
	while read -r id; do
		d=s/dialogs/${id:0:2}/${id:2:2}/$id &&
		test -f $d/info && test -f $d/log && test -f $d/status &&
		test -d $d/new && test -d $d/tmp && ls $d/cur >msgs && test_line_count = msgs 1 &&
		u=$(sed -n "s/^user: //p" $d/info) &&
		test -f s/users/${u:0:2}/${u:2:2}/$u/card || return 1
	done <ids &&
	dlg -C s fsck >fsck.out && test_line_count = fsck.out 0
}

# gc.auto 0: strace -f would follow the gc an import starts, and count its calls
test_expect_success 'setup' '
	dlg init -q s && dlg -C s config gc.auto 0 &&
	maildir 40 m
'

if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
test_expect_success 'new dialogs: no look for a file or directory before making it, one random draw' '
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -o trace -e trace=openat,mkdirat,getrandom,newfstatat dlg -C s import -q m &&
	grep -E "^[0-9]+ +(openat|newfstatat)\([0-9]+, \"(info|log|status|card|[0-9]+\.[0-9a-f]+:2,)\".*ENOENT" trace >probes ||
		true &&
	test_line_count = probes 0 &&
	grep -E "^[0-9]+ +mkdirat\(.*EEXIST" trace >again || true &&
	test_line_count = again 0 &&
	grep -E "^[0-9]+ +getrandom\(.*, 8, 0\)" trace >draws &&
	test $(wc -l <draws) -le 2 &&
	complete 40
'

test_expect_success 'DLG_VIEW_THREADS=4: four writers share the files, the view complete' '
	dlg init -q t && dlg -C t config gc.auto 0 &&
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 DLG_VIEW_THREADS=4 \
	strace -f -o trace4 -e trace=renameat dlg -C t import -q m &&
	grep -E "^[0-9]+ +renameat\([0-9]+, \"view\." trace4 | cut -d" " -f1 | sort -u >writers &&
	test_line_count = writers 4 &&
	test "$(cat t/.git/dlg/view)" = "$(git -C t rev-parse main)" &&
	dlg -C t fsck >fsck4.out && test_line_count = fsck4.out 0
'
else
test_skip 'new dialogs: no look before making' 'strace is missing or may not trace here'
test_skip 'DLG_VIEW_THREADS=4' 'strace is missing or may not trace here'
dlg -C s import -q m
fi

# A change's own files: what it keeps is neither read nor written, and
# what it changes is replaced without a look at what the view held.  A
# reply reads only the newest second's messages to find the operator's
# mark, however long the dialog (each read is a disk read at 100 000
# dialogs, where little of the view stays in memory).
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
test_expect_success 'a tag reads no view file and writes only log and tags' '
	id=$(dlg -C s list -q --status all | head -1) &&
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -o trace-tag -e trace=openat,renameat,renameat2 dlg -C s tag -q +viewcheck $id &&
	! grep -E "^[0-9]+ +openat\([0-9]+, \"(info|log|status|tags)\", O_RDONLY" trace-tag &&
	grep -E "^[0-9]+ +renameat2?\([0-9]+, \"view\.[^\"]*\", [0-9]+, \"[a-z]+\"" trace-tag |
		sed -E "s/.*, \"([a-z]+)\".*/\1/" | sort >written &&
	printf "log\ntags\n" >expect && test_cmp expect written &&
	test "$(cat s/dialogs/${id:0:2}/${id:2:2}/$id/tags)" = viewcheck &&
	dlg -C s fsck >fsck.out && test_line_count = fsck.out 0
'

test_expect_success 'a reply to a long dialog reads the newest second of it, not all of it' '
	mkdir -p m30/cur m30/new m30/tmp &&
	for i in $(seq 30); do
		mail m30/cur/$i.long:2, "long$i@example.com" "long@example.com" "question" \
			"${prev:-}" "$(date -u -R -d @$((1790000000 + i * 60)))" &&
		prev=long$i@example.com || return 1
	done &&
	dlg init -q r && dlg -C r config gc.auto 0 && dlg -C r import -q m30 &&
	id=$(for d in r/dialogs/*/*/*; do
		test $(ls $d/cur | wc -l) = 30 && basename $d; done) &&
	test -n "$id" &&
	ls r/dialogs/${id:0:2}/${id:2:2}/$id/cur >msgs && test_line_count = msgs 30 &&
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -o trace-reply -e trace=openat dlg -C r reply -q -m "we are on it" $id &&
	grep -E "^[0-9]+ +openat\(.*/cur/[0-9]{10}\.[0-9a-f]{16}:2," trace-reply >reads || true &&
	test $(wc -l <reads) -le 3 &&
	ls r/dialogs/${id:0:2}/${id:2:2}/$id/cur >msgs && test_line_count = msgs 31
'
fi

test_expect_success 'a second import of the same mail changes nothing' '
	dlg -C s import -q m &&
	complete 40
'

# A full disk while the view is written: the change is committed, the view
# record still names the commit before it, and once there is room the next
# command finishes the view.
small=$PWD/small
if mkdir -p "$small" && mount -t tmpfs -o size=4m,nr_inodes=3000 tmpfs "$small" 2>/dev/null; then
test_expect_success 'no room for the view: a clear error, the record unmoved, finished later' '
	dlg init -q "$small/s" &&
	git -C "$small/s" rev-parse main >before &&
	maildir 600 m600 &&
	test_must_fail dlg -C "$small/s" import -q m600 2>err &&
	grep -E "^dlg: import: cannot (write|open|make) .*(No space left on device)" err &&
	test "$(cat "$small/s/.git/dlg/view")" = "$(cat before)" &&
	mount -o remount,size=64m,nr_inodes=20000 "$small" &&
	dlg -C "$small/s" list -q --status all >ids &&
	test_line_count = ids 600 &&
	test "$(cat "$small/s/.git/dlg/view")" = "$(git -C "$small/s" rev-parse main)" &&
	dlg -C "$small/s" fsck >fsck.out && test_line_count = fsck.out 0
'
umount "$small"
else
test_skip 'no room for the view' 'cannot mount a small tmpfs here'
fi

test_done
