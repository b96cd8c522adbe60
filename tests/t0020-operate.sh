#!/bin/bash
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: three dialogs' '
	dlg init -q s &&
	mail a.eml a@ex ann@example.com "Broken kettle" "" "Mon, 23 Nov 2026 09:00:00 +0000" &&
	mail b.eml b@ex bob@example.com "Invoice copy" "" "Mon, 23 Nov 2026 10:00:00 +0000" &&
	printf "From: Вера <vera@example.ru>\nSubject: Доставка\nDate: Mon, 23 Nov 2026 11:00:00 +0000\nMessage-ID: <c@ex>\nContent-Type: text/plain; charset=utf-8\n\nКогда привезут?\n" >c.eml &&
	dlg -C s import a.eml >A && dlg -C s import b.eml >B && dlg -C s import c.eml >C &&
	A=$(cat A) && B=$(cat B) && C=$(cat C) &&
	test ${#A} = 16 && test ${#B} = 16 && test ${#C} = 16
'
A=$(cat A 2>/dev/null) B=$(cat B 2>/dev/null) C=$(cat C 2>/dev/null)
export A B C

test_expect_success 'list: newest first, ids first, waiting marked' '
	dlg -C s list >out &&
	test_line_count = out 3 &&
	cut -c1-7 out >ids &&
	printf "%s\n" ${C:0:7} ${B:0:7} ${A:0:7} >expect &&
	test_cmp expect ids &&
	grep "^${C:0:7}  open   \* -  *email  *Вера" out &&
	grep "Когда привезут?" out
'

test_expect_success 'list -q prints full ids; --json has the documented fields' '
	dlg -C s list -q >ids && printf "%s\n" $C $B $A >expect && test_cmp expect ids &&
	dlg -C s list --json >json &&
	test_line_count = json 3 &&
	head -1 json >first &&
	for f in "\"id\":\"$C\"" "\"status\":\"open\"" "\"assignee\":null" "\"tags\":\[\]" \
		"\"channel\":\"email\"" "\"user\":{\"id\":\"[0-9a-f]\{16\}\",\"name\":\"Вера\"}" \
		"\"subject\":\"Доставка\"" "\"last_message_at\":\"2026-11-23T11:00:00Z\"" \
		"\"waiting\":true" "\"preview\":\"Когда привезут?\"" "\"messages\":1"; do
		grep "$f" first || { echo "missing $f"; exit 1; }
	done
'

test_expect_success 'id prefixes: unique works, short, unknown and ambiguous fail clearly' '
	dlg -C s show ${A:0:4} >/dev/null &&
	test_exit_code 1 dlg -C s show abc 2>err &&
	grep "^dlg: show: dialog id .abc. is too short" err &&
	test_exit_code 1 dlg -C s show ffffffff 2>err || true &&
	{ test "${A:0:4}" = ffff || grep "^dlg: show: no dialog .ffffffff." err; } &&
	test_exit_code 1 dlg -C s close xyz1 2>err &&
	grep "^dlg: close: .xyz1. is not a dialog id" err
'

test_expect_success 'an ambiguous prefix lists the candidates' '
	dlg init -q amb &&
	i=0 && while [ $i -lt 1000 ]; do mail x$i.eml x$i@ex u$i@example.com "s$i"; i=$((i+1)); done &&
	mkdir -p m && mv x*.eml m/ && dlg -C amb import m >/dev/null &&
	dlg -C amb list -q | cut -c1-4 | sort | uniq -d | head -1 >dup &&
	test -s dup &&
	test_exit_code 1 dlg -C amb show $(cat dup) 2>err &&
	p=$(cat dup) && dlg -C amb list -q | grep "^$p" | sort | paste -sd, | sed "s/,/, /g" >cands &&
	echo "dlg: show: ambiguous id '"'"'$p'"'"': $(cat cands)" >expect && test_cmp expect err
'

test_expect_success 'assign, tag, close in one commit each, with clear messages' '
	dlg -C s assign bob $A &&
	dlg -C s tag +vip +billing $A &&
	dlg -C s tag -billing $A &&
	dlg -C s close $B &&
	git -C s log -4 --format=%s >log &&
	cat >expect <<-EOF &&
	close ${B:0:7}
	tag ${A:0:7} -billing
	tag ${A:0:7} +vip +billing
	assign ${A:0:7} to bob
	EOF
	test_cmp expect log &&
	echo bob >expect && test_cmp expect s/dialogs/*/*/$A/assignee &&
	echo vip >expect && test_cmp expect s/dialogs/*/*/$A/tags &&
	echo closed >expect && test_cmp expect s/dialogs/*/*/$B/status &&
	git -C s log --format=%an -1 >who && echo alice >expect && test_cmp expect who
'

test_expect_success 'a change that changes nothing makes no commit' '
	git -C s rev-parse main >before &&
	dlg -C s tag +vip $A && dlg -C s close $B && dlg -C s assign bob $A &&
	git -C s rev-parse main >after && test_cmp before after
'

test_expect_success 'filters' '
	dlg -C s list -q >out && printf "%s\n" $C $A >expect && test_cmp expect out &&
	dlg -C s list -q --status closed >out && echo $B >expect && test_cmp expect out &&
	dlg -C s list -q --status all >out && test_line_count = out 3 &&
	dlg -C s list -q --assignee bob >out && echo $A >expect && test_cmp expect out &&
	dlg -C s list -q --assignee none >out && echo $C >expect && test_cmp expect out &&
	DLG_OPERATOR=bob dlg -C s list -q --assignee me >out && echo $A >expect && test_cmp expect out &&
	dlg -C s list -q --tag vip >out && echo $A >expect && test_cmp expect out &&
	dlg -C s list -q --tag -vip >out && echo $C >expect && test_cmp expect out &&
	dlg -C s list -q --tag vip --tag nosuch >out && test_line_count = out 0 &&
	dlg -C s list -q --channel email >out && test_line_count = out 2 &&
	dlg -C s list -q --channel chat >out && test_line_count = out 0 &&
	dlg -C s list -q --user vera@example.ru >out && echo $C >expect && test_cmp expect out &&
	dlg -C s list -q --since 2026-11-23T10:30 >out && echo $C >expect && test_cmp expect out &&
	dlg -C s list -q --until 2026-11-23T10:30 >out && echo $A >expect && test_cmp expect out &&
	dlg -C s list -q --status all --until 2026-11-23 >out && test_line_count = out 3 &&
	dlg -C s list -q --waiting >out && test_line_count = out 2 &&
	test_exit_code 2 dlg -C s list --status maybe 2>err && grep "takes open, closed or all" err &&
	test_exit_code 2 dlg -C s list --since someday 2>err && grep "cannot read the date" err &&
	test_exit_code 1 dlg -C s list --user nobody@example.com 2>err && grep "no user" err
'

test_expect_success 'ids on stdin restrict list and drive actions' '
	printf "%s\n" $C >in &&
	dlg -C s list -q - <in >out && echo $C >expect && test_cmp expect out &&
	dlg -C s list --status all -q | dlg -C s tag +triage &&
	dlg -C s list --tag triage --status all -q >out && test_line_count = out 3 &&
	git -C s log -1 --format=%B >msg &&
	grep "^tag 3 dialogs +triage" msg && grep "^${A:0:7}" msg &&
	dlg -C s list --tag triage | dlg -C s assign carol &&
	dlg -C s list -q --assignee carol >out && test_line_count = out 2 &&
	dlg -C s assign --none $C &&
	test ! -e s/dialogs/*/*/$C/assignee &&
	test_exit_code 2 dlg -C s close 2>err </dev/null && grep "no dialog ids given" err
'

test_expect_success 'reply: queued, addressed, threaded, assigns the first replier' '
	dlg -C s reply -m "Привет! 🚚 It ships today." $C &&
	test "$(git -C s log -1 --format=%s)" = "reply ${C:0:7}: \"Привет! 🚚 It ships today.\" (assign to alice)" &&
	echo alice >expect && test_cmp expect s/dialogs/*/*/$C/assignee &&
	f=$(ls s/dialogs/*/*/$C/cur/*:2,S) &&
	grep "^X-Dlg-Direction: out" $f && grep "^X-Dlg-Delivery: queued" $f &&
	grep "^X-Dlg-Operator: alice" $f && grep "^To: vera@example.ru" $f &&
	grep "^In-Reply-To: <c@ex>" $f && grep "^References: <c@ex>" $f &&
	grep "^Subject: =?UTF-8?B?" $f &&
	dlg -C s list -q --waiting >out && ! grep $C out
'

test_expect_success 'reply to an assigned dialog keeps the assignee; text from stdin and -F' '
	echo "Checking." | DLG_OPERATOR=dave dlg -C s reply $A &&
	echo carol >expect && test_cmp expect s/dialogs/*/*/$A/assignee &&
	test "$(git -C s log -1 --format=%s)" = "reply ${A:0:7}: \"Checking.\"" &&
	echo "From a file" >r.txt && dlg -C s reply -F r.txt $A &&
	test_exit_code 1 dlg -C s reply -m "   " $A 2>err && grep "empty reply" err
'

test_expect_success 'reply through $EDITOR when stdin is a terminal' '
	command -v script >/dev/null || exit 0
	printf "#!/bin/sh\necho \"written in the editor\" >\"\$1\"\n" >ed.sh && chmod +x ed.sh &&
	EDITOR=$PWD/ed.sh script -qec "dlg -C s reply $B" /dev/null >/dev/null &&
	grep -l "written in the editor" s/dialogs/*/*/$B/cur/*
'

test_expect_success 'notes are internal' '
	dlg -C s note -m "customer is a reseller" $C &&
	ls s/dialogs/*/*/$C/notes/ >notes && test_line_count = notes 1 &&
	grep "^Author: alice" s/dialogs/*/*/$C/notes/* &&
	! grep -r "reseller" s/dialogs/*/*/$C/cur
'

test_expect_success 'show: header, messages in order, notes marked internal' '
	dlg -C s show $C >out &&
	grep "^dialog $C  open" out &&
	grep "^assignee: alice" out && grep "^user:     Вера" out &&
	grep "── 2026-11-23 11:00 · Вера <vera@example.ru> · via email · in" out &&
	grep "── 2026-11-25 10:00 · alice · via email · out, queued" out &&
	grep "── note · 2026-11-25 10:00 · alice · internal, never sent" out &&
	grep "customer is a reseller" out
'

test_expect_success 'show --json' '
	dlg -C s show --json $C >out &&
	test_line_count = out 1 &&
	grep "\"messages\":\[{\"id\":\"[0-9]*\.[0-9a-f]*:2,\",\"direction\":\"in\",\"author\":\"Вера\",\"channel\":\"email\",\"date\":\"2026-11-23T11:00:00Z\"" out &&
	grep "\"direction\":\"out\",\"author\":\"alice\"" out &&
	grep "\"delivery\":\"queued\"" out &&
	grep "\"notes\":\[{\"author\":\"alice\",\"date\":\"2026-11-25T10:00:00Z\",\"text\":\"customer is a reseller\\\\n\"}\]" out
'

test_expect_success 'git log of a dialog directory is its audit trail' '
	git -C s log --format=%s -- dialogs/${A:0:2}/${A:2:2}/$A >log &&
	grep "^assign ${A:0:7} to bob" log && grep "^import: 1 message, 1 new dialog" log &&
	! grep "${C:0:7}" log
'

test_expect_success 'no operator identity: a clear error, nothing written' '
	git -C s rev-parse main >before &&
	DLG_OPERATOR= test_exit_code 1 dlg -C s close $A 2>err &&
	grep "^dlg: close: who are you?" err &&
	git -C s rev-parse main >after && test_cmp before after &&
	git -C s config dlg.operator erin &&
	DLG_OPERATOR= dlg -C s tag +erin $A &&
	test "$(git -C s log -1 --format=%an)" = erin
'

test_done
