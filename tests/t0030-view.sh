#!/bin/bash
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	dlg init -q s &&
	mail a.eml a@ex ann@example.com "Kettle" &&
	mail b.eml b@ex bob@example.com "Invoice" &&
	dlg -C s import a.eml >A && dlg -C s import b.eml >B &&
	dlg -C s fsck >out && test_line_count = out 0 &&
	test "$(cat s/.git/dlg/view)" = "$(git -C s rev-parse main)"
'
A=$(cat A) B=$(cat B)

test_expect_success 'the view is a Maildir per dialog' '
	d=s/dialogs/${A:0:2}/${A:2:2}/$A &&
	test -d $d/cur && test -d $d/new && test -d $d/tmp
'

test_expect_success 'a branch moved back by git update-ref is caught up' '
	git -C s rev-parse main >old &&
	dlg -C s tag +vip $A &&
	test -f s/dialogs/*/*/$A/tags &&
	git -C s update-ref refs/heads/main $(cat old) &&
	dlg -C s list -q --tag vip >out && test_line_count = out 0 &&
	test ! -e s/dialogs/*/*/$A/tags &&
	dlg -C s fsck >out && test_line_count = out 0
'

test_expect_success 'git reset --soft is caught up' '
	dlg -C s close $B &&
	git -C s reset -q --soft HEAD~1 &&
	echo open >expect &&
	dlg -C s list -q >out && grep $B out &&
	test_cmp expect s/dialogs/*/*/$B/status
'

test_expect_success 'a git fetch into the branch is caught up' '
	dlg clone -q s other &&
	dlg -C other tag +fromother $A &&
	git -C s fetch -q ../other +main:main 2>err || git -C s fetch -q --update-head-ok ../other +main:main &&
	dlg -C s list -q --tag fromother >out && echo $A >expect && test_cmp expect out &&
	cat s/dialogs/*/*/$A/tags >tags && grep fromother tags
'

test_expect_success 'fsck reports files edited, deleted or added by hand' '
	d=$(echo s/dialogs/*/*/$A) &&
	echo closed >$d/status &&
	rm $d/info &&
	echo junk >$d/cur/stray &&
	echo junk >$d/new/delivered &&
	test_exit_code 1 dlg -C s fsck >out &&
	sed "s|dialogs/../../||" out | sort >actual &&
	cat >expect <<-EOF &&
	extra $A/cur/stray
	extra $A/new/delivered
	missing $A/info
	modified $A/status
	EOF
	test_cmp expect actual
'

test_expect_success 'fsck --repair restores them; extras go to lost+found' '
	dlg -C s fsck --repair >out &&
	grep "repaired 4 problems" out &&
	dlg -C s fsck >out && test_line_count = out 0 &&
	echo open >expect && test_cmp expect s/dialogs/*/*/$A/status &&
	find s/.git/dlg/lost+found -type f >lf && test_line_count = lf 2 &&
	grep -r junk s/.git/dlg/lost+found >/dev/null
'

test_expect_success 'a lost view record is rebuilt from the files' '
	rm s/.git/dlg/view &&
	rm -r s/dialogs/${B:0:2} &&
	dlg -C s list -q --status all >out && test_line_count = out 2 &&
	dlg -C s fsck >out && test_line_count = out 0
'

test_expect_success '8 concurrent dlg tag processes all land' '
	for i in 1 2 3 4 5 6 7 8; do dlg -C s tag +t$i $A & done; wait &&
	for i in 1 2 3 4 5 6 7 8; do grep -x t$i s/dialogs/*/*/$A/tags || exit 1; done &&
	git -C s log --format=%s | grep -c "^tag ${A:0:7} +t" >n && echo 8 >expect && test_cmp expect n &&
	dlg -C s fsck >out && test_line_count = out 0
'

test_expect_success 'concurrent writers across dialogs and a branch mover' '
	for i in 1 2 3 4; do dlg -C s tag +c$i $B & dlg -C s note -m "n$i" $A & done; wait &&
	ls s/dialogs/*/*/$A/notes | wc -l >n && test $(cat n) -ge 4 &&
	for i in 1 2 3 4; do grep -x c$i s/dialogs/*/*/$B/tags || exit 1; done
'

test_expect_success 'a dlg killed mid-change leaves a store git fsck accepts' '
	i=0 && while [ $i -lt 20 ]; do
		dlg -C s tag +k$i $A & pid=$! &&
		sleep 0.0$((i % 10)) && kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		i=$((i + 1))
	done &&
	# killed while moving the branch, it leaves git lock: removed as dlg says
	rm -f s/.git/refs/heads/main.lock &&
	git -C s fsck --no-progress 2>&1 | grep -v "^dangling" >fsck || true &&
	test_line_count = fsck 0 &&
	dlg -C s list -q --status all >/dev/null &&
	dlg -C s fsck >out && test_line_count = out 0 &&
	for t in $(git -C s log --format=%s | sed -n "s/^tag ${A:0:7} +//p"); do
		grep -x $t s/dialogs/*/*/$A/tags || exit 1
	done
'

test_expect_success 'a change interrupted between commit and view is finished by the next command' '
	git -C s rev-parse main >tip &&
	dlg -C s tag +half $A &&
	git -C s rev-parse main >new &&
	echo $(cat tip) >s/.git/dlg/view &&
	rm s/dialogs/*/*/$A/tags &&
	dlg -C s list -q --tag half >out && echo $A >expect && test_cmp expect out
'

test_done
