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

test_expect_success 'setup' '
	dlg init -q s &&
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
else
test_skip 'new dialogs: no look before making' 'strace is missing or may not trace here'
dlg -C s import -q m
fi

test_expect_success 'a second import of the same mail changes nothing' '
	dlg -C s import -q m &&
	complete 40
'

test_done
