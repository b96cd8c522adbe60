#!/bin/bash
. "$(dirname "$0")/lib.sh"

if ! test -d "$CORPUS"; then
	test_skip 'real-mail corpus' "no $CORPUS"
	test_done
	exit
fi

test_expect_success 'the notmuch corpus imports without a crash' '
	cp -r "$CORPUS" corpus && chmod -R u+w corpus &&
	dlg init -q s &&
	test_exit_code 1 dlg -C s import corpus >ids 2>err &&
	grep "^dlg: import: corpus/README: not an email message (no header fields), skipped" err &&
	test $(grep -c "^dlg: import: .*skipped" err) = 1 &&
	grep "^dlg: import: 43 messages were already in the store" err
'

test_expect_success 'dialog and message counts' '
	find s/dialogs -path "*/cur/*" -type f >msgs &&
	test_line_count = msgs 277 &&
	test_line_count = ids 118 &&
	dlg -C s list -q --status all | sort >listed && sort ids >printed &&
	test_cmp printed listed
'

test_expect_success 'messages agree with notmuch (the same Message-ID dedupe)' '
	command -v notmuch >/dev/null || exit 0
	printf "[database]\npath=%s/corpus\n[new]\ntags=inbox\n[maildir]\nsynchronize_flags=false\n" "$PWD" >nmcfg &&
	NOTMUCH_CONFIG=$PWD/nmcfg notmuch new >/dev/null 2>&1 &&
	n=$(NOTMUCH_CONFIG=$PWD/nmcfg notmuch count --output=messages "*") &&
	# notmuch skips insert/mbox-attachment.eml as non-mail (it starts with a
	# From_ line); dlg reads it as a one-message mbox.
	test $((n + 1)) = 277
'

test_expect_success 'importing the corpus again adds nothing, and names the same dialogs' '
	git -C s rev-parse main >before &&
	test_exit_code 1 dlg -C s import corpus >ids2 2>err &&
	sort ids2 >again && sort ids >first && test_cmp first again &&
	git -C s rev-parse main >after && test_cmp before after
'

test_expect_success 'every dialog shows, as text and JSON' '
	dlg -C s list --status all -q | dlg -C s show >all.txt &&
	dlg -C s list --status all -q | dlg -C s show --json >all.json &&
	test_line_count = all.json 118 &&
	grep -c "^dialog " all.txt >n && echo 118 >expect && test_cmp expect n
'

test_expect_success 'a thread of one sender stays one dialog; attachments are listed' '
	# threading/parent-priority: root, child and grand-child, all from Alice
	dlg -C s list --status all --json | grep "\"subject\":\"Parent priority\"" >pp ||
	grep -l "parent-priority\|grand-child" all.json >/dev/null &&
	for m in root child grand-child; do
		id=$(sed -n "s/^Message-I[dD]: *<\(.*\)>/\1/p" corpus/threading/parent-priority/cur/$m | head -1) &&
		grep -rl "^X-Dlg-Channel-Message: $id" s/dialogs | sed "s|/cur/.*||" || exit 1
	done | sort -u >dirs &&
	test_line_count = dirs 1 &&
	grep "\"type\":\"text/calendar\"" all.json
'

test_expect_success 'the store passes git fsck and dlg fsck' '
	git -C s fsck --no-progress 2>&1 | grep -v "^dangling" >gf || true &&
	test_line_count = gf 0 &&
	dlg -C s fsck >out && test_line_count = out 0
'

test_done
