#!/bin/bash
. "$(dirname "$0")/lib.sh"

dialogs() { dlg -C s list --status all -q | sort; }
count_dialogs() { dlg -C s list --status all -q | wc -l | tr -d ' '; }

test_expect_success 'setup' '
	dlg init -q s
'

test_expect_success 'a new message opens a dialog and prints its id' '
	mail m1.eml m1@ex ivan@example.ru "Where is my order?" &&
	dlg -C s import m1.eml >ids &&
	test_line_count = ids 1 &&
	id=$(cat ids) && test ${#id} = 16 &&
	test -f s/dialogs/${id:0:2}/${id:2:2}/$id/info &&
	grep "^channel: email" s/dialogs/*/*/$id/info &&
	echo open >expect && test_cmp expect s/dialogs/*/*/$id/status &&
	test "$(git -C s log -1 --format=%s)" = "import: 1 message, 1 new dialog" &&
	cp ids first
'

test_expect_success 'importing the same message twice adds nothing, and names its dialog' '
	git -C s rev-parse main >before &&
	dlg -C s import m1.eml >ids 2>err &&
	test "$(cat ids)" = "$(dlg -C s list -q --status all --user ivan@example.ru)" &&
	grep "1 message was already in the store" err &&
	git -C s rev-parse main >after &&
	test_cmp before after
'

test_expect_success 'a reply by the same user threads into the dialog' '
	mail m2.eml m2@ex ivan@example.ru "Re: Where is my order?" m1@ex "Tue, 24 Nov 2026 11:00:00 +0000" &&
	dlg -C s import m2.eml >ids &&
	test "$(cat ids)" = "$(dialogs)" &&
	test $(ls s/dialogs/*/*/*/cur | wc -l) = 2
'

test_expect_success 'a stranger citing the Message-ID opens a new dialog' '
	mail m3.eml m3@ex mallory@evil.example "Re: Where is my order?" m2@ex "Tue, 24 Nov 2026 12:00:00 +0000" &&
	dlg -C s import m3.eml >ids &&
	test $(count_dialogs) = 2 &&
	dlg -C s show --json $(cat ids) >show &&
	grep "\"messages\":\[{" show && ! grep "m1@ex" s/dialogs/*/*/$(cat ids)/cur/*
'

test_expect_success 'an address already in the thread may join it' '
	cat >m4.eml <<-\EOM &&
	From: Ivan <ivan@example.ru>
	To: support@shop.example
	Cc: Wife <olga@example.ru>
	Subject: Gift order
	Date: Tue, 24 Nov 2026 13:00:00 +0000
	Message-ID: <m4@ex>

	Olga will tell you the details.
	EOM
	dlg -C s import m4.eml >gift &&
	mail m5.eml m5@ex olga@example.ru "Re: Gift order" m4@ex "Tue, 24 Nov 2026 14:00:00 +0000" &&
	dlg -C s import m5.eml >ids &&
	test_cmp gift ids
'

test_expect_success 'no threading headers: same subject joins the open dialog' '
	mail m6.eml m6@ex ivan@example.ru "RE:  where is my ORDER?" "" "Tue, 24 Nov 2026 15:00:00 +0000" &&
	dlg -C s import m6.eml >ids &&
	test_cmp first ids &&
	test $(count_dialogs) = 3
'

test_expect_success 'no threading headers, other subject: a new dialog' '
	mail m7.eml m7@ex ivan@example.ru "Refund please" "" "Tue, 24 Nov 2026 16:00:00 +0000" &&
	dlg -C s import m7.eml >ids &&
	test $(count_dialogs) = 4
'

test_expect_success 'a message to a closed dialog reopens it' '
	id=$(cat ids) &&
	dlg -C s close $id &&
	echo closed >expect && test_cmp expect s/dialogs/*/*/$id/status &&
	mail m8.eml m8@ex ivan@example.ru "Re: Refund please" m7@ex "Tue, 24 Nov 2026 17:00:00 +0000" &&
	dlg -C s import m8.eml >ids2 &&
	test_cmp ids ids2 &&
	echo open >expect && test_cmp expect s/dialogs/*/*/$id/status
'

test_expect_success 'the same subject does not join a closed dialog' '
	id=$(cat ids) &&
	dlg -C s close $id &&
	mail m9.eml m9@ex ivan@example.ru "Refund please" "" "Tue, 24 Nov 2026 18:00:00 +0000" &&
	dlg -C s import m9.eml >ids3 &&
	! test_cmp ids ids3
'

test_expect_success 'mbox input, with >From unquoting' '
	dlg init -q mb &&
	cat >box.mbox <<-\EOM &&
	From ann@example.com Mon Nov 23 10:00:00 2026
	From: Ann <ann@example.com>
	Subject: first
	Date: Mon, 23 Nov 2026 10:00:00 +0000
	Message-ID: <a1@ex>

	>From the start.

	From bob@example.com Mon Nov 23 11:00:00 2026
	From: Bob <bob@example.com>
	Subject: second
	Date: Mon, 23 Nov 2026 11:00:00 +0000
	Message-ID: <b1@ex>

	hello
	EOM
	dlg -C mb import box.mbox >ids &&
	test_line_count = ids 2 &&
	dlg -C mb show --json $(head -1 ids) $(tail -1 ids) >out &&
	grep "\"text\":\"From the start.\"" out
'

test_expect_success 'Maildir input skips tmp/, stdin input works' '
	dlg init -q md &&
	mkdir -p box/cur box/new box/tmp &&
	mail box/cur/1:2,S c1@ex carl@example.com "one" &&
	mail box/new/2 c2@ex dana@example.com "two" &&
	mail box/tmp/3 c3@ex half@example.com "half-written" &&
	dlg -C md import box >ids &&
	test_line_count = ids 2 &&
	mail in.eml c4@ex erin@example.com "from stdin" &&
	dlg -C md import <in.eml >ids &&
	test_line_count = ids 1 &&
	! grep -r half@example.com md/dialogs
'

test_expect_success 'a batch threads replies that come before their parents' '
	dlg init -q batch &&
	mkdir thr &&
	mail thr/a.eml t2@ex fay@example.com "Re: q" t1@ex "Tue, 24 Nov 2026 11:00:00 +0000" &&
	mail thr/b.eml t1@ex fay@example.com "q" "" "Tue, 24 Nov 2026 10:00:00 +0000" &&
	dlg -C batch import thr >ids &&
	test_line_count = ids 1 &&
	test "$(git -C batch log -1 --format=%s)" = "import: 2 messages, 1 new dialog"
'

test_expect_success 'an empty message is reported; the rest is imported' '
	dlg init -q e &&
	: >empty.eml &&
	mail ok.eml ok@ex gil@example.com "fine" &&
	test_exit_code 1 dlg -C e import empty.eml ok.eml >ids 2>err &&
	grep "^dlg: import: empty.eml: empty message, skipped" err &&
	test_line_count = ids 1
'

test_expect_success 'a missing file is an error and nothing is written' '
	git -C e rev-parse main >before &&
	test_must_fail dlg -C e import nosuch.eml 2>err &&
	grep "^dlg: import: cannot read .nosuch.eml." err &&
	git -C e rev-parse main >after && test_cmp before after
'

# gc.auto 0: the gc the import starts would fold its pack into another
test_expect_success 'a large import writes one pack, no loose objects' '
	dlg init -q big && dlg -C big config gc.auto 0 &&
	mkdir many && i=0 && while [ $i -lt 100 ]; do
		mail many/$i.eml big$i@ex u$((i % 30))@example.com "subject $((i % 7))"; i=$((i + 1)); done &&
	before=$(git -C big count-objects -v | sed -n "s/^count: //p") &&
	dlg -C big import many >ids &&
	after=$(git -C big count-objects -v | sed -n "s/^count: //p") &&
	test "$before" = "$after" &&
	test "$(ls big/.git/objects/pack/*.pack | wc -l)" = 1 &&
	git -C big fsck --no-progress 2>&1 | grep -v "^dangling" >gf || true &&
	test_line_count = gf 0 &&
	test $(find big/dialogs -path "*/cur/*" -type f | wc -l) = 100 &&
	dlg -C big fsck >f && test_line_count = f 0
'

test_expect_success 'user card from the sender, with encoded name' '
	dlg init -q u &&
	printf "From: =?koi8-r?B?8NLJ18XU?= <Ivan@Example.RU>\nSubject: x\nMessage-ID: <k@ex>\n\nhi\n" >k.eml &&
	dlg -C u import k.eml &&
	cat u/users/*/*/*/card >card &&
	grep "^name: Привет" card && grep "^email: ivan@example.ru" card
'

test_done
