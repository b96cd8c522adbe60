#!/bin/bash
# Working together (issue 13, part 3): dlg show says who is assigned and who
# answered last; dlg reply warns when another operator answered what this
# one had not seen (what dlg show last displayed, kept per operator in
# .git/dlg/seen/); dlg log marks the operations a concurrent one overrode.
. "$(dirname "$0")/lib.sh"

sync_from() { # sync_from DEST SRC
	git -C "$1" fetch -q "../$2" +main:refs/remotes/"$2"/main && dlg -C "$1" sync -q "$2"/main
}
short() { D=$(D); echo "${D:0:7}"; }

test_expect_success 'show: who is assigned and who answered last, in text and JSON' '
	fresh &&
	dlg -C a show $(D) >s &&
	grep "^assignee: (none)$" s && grep "^answered: (nobody yet)$" s &&
	dlg -C a show --json $(D) >j && grep "\"last_answer\":null" j &&
	DLG_NOW=2026-11-25T10:02:00Z DLG_OPERATOR=bob dlg -C a reply -q -m "On its way" $(D) &&
	DLG_NOW=2026-11-25T10:03:00Z dlg -C a assign -q --force carol $(D) &&
	dlg -C a show $(D) >s &&
	grep "^assignee: carol$" s && grep "^answered: bob, 2026-11-25 10:02$" s &&
	dlg -C a show --last 1 --json $(D) >j &&
	grep "\"assignee\":\"carol\"" j &&
	grep "\"last_answer\":{\"operator\":\"bob\",\"date\":\"2026-11-25T10:02:00Z\"}" j &&
	TZ=Europe/Moscow dlg -C a show $(D) >s && grep "^answered: bob, 2026-11-25 13:02$" s
'

test_expect_success 'show records what it displayed in .git/dlg/seen, per operator, never in the tree' '
	fresh &&
	dlg -C a show $(D) >/dev/null &&
	newest=$(ls a/dialogs/*/*/$(D)/cur/ | sort | tail -1) &&
	echo "$newest" >expect && test_cmp expect a/.git/dlg/seen/alice/$(D) &&
	! test -e a/.git/dlg/seen/bob &&
	git -C a ls-tree -r --name-only main >tree &&
	! grep seen tree &&
	ls a/.git/dlg/tmp >tmp && test_line_count = tmp 0 &&
	DLG_OPERATOR="Bob Smith/../x" dlg -C a show --json $(D) >/dev/null &&
	ls a/.git/dlg/seen >ops && test_line_count = ops 2 && ! test -e a/.git/dlg/x &&
	grep -v "^alice$" ops | grep "^=[0-9a-f]*$"
'

test_expect_success 'show without a known operator still shows, and records nothing' '
	fresh &&
	env -u DLG_OPERATOR dlg -C a show $(D) >s && grep "^assignee:" s &&
	! test -e a/.git/dlg/seen
'

loads_libgit2() { LD_DEBUG=files env -u DLG_OPERATOR "$@" 2>&1 >/dev/null | grep -q "file=libgit2"; }

test_expect_success 'show knows the operator from the store'"'"'s git config without loading libgit2' '
	fresh &&
	git -C a config dlg.operator carol &&
	! loads_libgit2 dlg -C a show $(D) &&
	test -f a/.git/dlg/seen/carol/$(D) &&
	printf "[dlg]\n\toperator = dave ; the night shift\n" >>b/.git/config &&
	env -u DLG_OPERATOR dlg -C b show $(D) >/dev/null && test -f b/.git/dlg/seen/dave/$(D) &&
	git -C b config --unset dlg.operator && git config --global dlg.operator erin &&
	env -u DLG_OPERATOR dlg -C b show $(D) >/dev/null && test -f b/.git/dlg/seen/erin/$(D) &&
	git config --global --unset dlg.operator
'

test_expect_success 'reply warns when another operator answered after the operator read the dialog' '
	fresh &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a show $(D) >/dev/null &&
	DLG_NOW=2026-11-25T10:02:00Z DLG_OPERATOR=bob dlg -C b reply -q -m "Bob here" $(D) &&
	sync_from a b &&
	DLG_NOW=2026-11-25T10:05:00Z dlg -C a reply -q -m "Alice here" $(D) 2>err &&
	echo "dlg: reply: warning: bob answered $(short) at 10:02, after you read it" >expect &&
	test_cmp expect err &&
	grep -l "Alice here" a/dialogs/*/*/$(D)/cur/* &&
	DLG_NOW=2026-11-26T09:00:00Z dlg -C a reply -m "Again" $(D) 2>err &&
	grep "^dlg: reply: warning: bob answered $(short) at 2026-11-25 10:02, after you read it$" err &&
	grep "^reply $(short): queued" err
'

test_expect_success 'no warning once show displayed that answer, nor for the operator'"'"'s own' '
	fresh &&
	DLG_NOW=2026-11-25T10:02:00Z DLG_OPERATOR=bob dlg -C b reply -q -m "Bob here" $(D) &&
	sync_from a b &&
	dlg -C a show $(D) >/dev/null &&
	dlg -C a reply -q -m "Alice here" $(D) 2>err && test_line_count = err 0 &&
	dlg -C a reply -q -m "Alice again" $(D) 2>err && test_line_count = err 0
'

test_expect_success 'never shown: compared with the dialog as reply first read it' '
	fresh &&
	DLG_OPERATOR=bob dlg -C b reply -q -m "Bob here" $(D) &&
	sync_from a b &&
	dlg -C a reply -q -m "Alice here" $(D) 2>err && test_line_count = err 0
'

test_expect_success 'an answer that arrives while $EDITOR is open is caught' '
	command -v script >/dev/null || exit 0
	fresh && D=$(D) &&
	cat >ed.sh <<-EOF &&
	#!/bin/sh
	DLG_NOW=2026-11-25T10:02:00Z DLG_OPERATOR=bob dlg -C "$TRASH/a" reply -q -m "Bob, meanwhile" $D
	echo "written in the editor" >"\$1"
	EOF
	chmod +x ed.sh &&
	EDITOR=$PWD/ed.sh script -qec "dlg -C a reply $D" /dev/null >out &&
	grep "warning: bob answered $(short) at 10:02, after you read it" out &&
	grep -l "written in the editor" a/dialogs/*/*/$D/cur/*
'

test_expect_success 'a damaged or foreign seen record is no record' '
	fresh &&
	DLG_OPERATOR=bob dlg -C b reply -q -m "Bob here" $(D) && sync_from a b &&
	mkdir -p a/.git/dlg/seen/alice &&
	printf "../../../../etc/passwd\n" >a/.git/dlg/seen/alice/$(D) &&
	dlg -C a reply -q -m "Alice here" $(D) 2>err && test_line_count = err 0 &&
	head -c 100000 /dev/zero >a/.git/dlg/seen/alice/$(D) &&
	dlg -C a reply -q -m "Alice again" $(D) 2>err && test_line_count = err 0 &&
	rm a/.git/dlg/seen/alice/$(D) && ln -s /etc/passwd a/.git/dlg/seen/alice/$(D) &&
	dlg -C a show $(D) >/dev/null && test -f /etc/passwd && ! test -L a/.git/dlg/seen/alice/$(D)
'

test_expect_success 'log marks an assignment a concurrent one overrode, and who overrode it' '
	fresh &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a assign -q --force carol $(D) &&
	DLG_NOW=2026-11-25T10:03:00Z DLG_OPERATOR=bob dlg -C b assign -q bob $(D) &&
	sync_from a b && sync_from b a &&
	dlg -C a log $(D) >log &&
	grep "^    assign carol  (overridden by bob.s assign bob, 2026-11-25 10:03)$" log &&
	grep "^    assign bob$" log &&
	dlg -C b log $(D) >logb && test_cmp log logb &&
	dlg -C a log --json $(D) >j &&
	grep "\"ops\":\[\"assign carol\"\],\"overridden_by\":\[{\"actor\":\"bob\",\"op\":\"assign bob\",\"date\":\"2026-11-25T10:03:00Z\"}\]" j &&
	grep "\"ops\":\[\"assign bob\"\],\"overridden_by\":\[null\]" j
'

test_expect_success 'log: an assignment replaced by one that saw it is not overridden' '
	fresh &&
	dlg -C a assign -q --force carol $(D) && DLG_OPERATOR=bob dlg -C a assign -q bob $(D) &&
	dlg -C a log $(D) >log && ! grep overridden log
'

test_expect_success 'log and show: a tag change lost to a concurrent one from another clone' '
	fresh &&
	DLG_NOW=2026-11-25T10:01:00Z dlg -C a tag -q +x $(D) &&
	DLG_NOW=2026-11-25T10:02:00Z dlg -C a tag -q -x $(D) &&
	DLG_NOW=2026-11-25T10:01:00Z DLG_OPERATOR=bob dlg -C b tag -q +y $(D) &&
	DLG_NOW=2026-11-25T10:03:00Z DLG_OPERATOR=bob dlg -C b tag -q +x $(D) &&
	sync_from a b && sync_from b a &&
	dlg -C a log $(D) >log &&
	grep "^    tag -x  (overridden by bob.s tag +x, 2026-11-25 10:03)$" log &&
	dlg -C a show $(D) >s && grep "^tags:     x, y$" s &&
	grep "^conflict: alice.s concurrent tag -x lost to bob.s tag +x$" s
'

test_expect_success 'log: a close lost to a concurrent reopen' '
	fresh && dlg -C origin close -q $(D) && rm -rf a b &&
	dlg clone -q origin a && dlg clone -q origin b &&
	DLG_NOW=2026-11-25T10:01:00Z dlg -C a tag -q +x $(D) &&
	DLG_NOW=2026-11-25T10:02:00Z dlg -C a reopen -q $(D) &&
	DLG_NOW=2026-11-25T10:01:00Z DLG_OPERATOR=bob dlg -C b reopen -q $(D) &&
	DLG_NOW=2026-11-25T10:01:30Z DLG_OPERATOR=bob dlg -C b close -q $(D) &&
	sync_from a b &&
	dlg -C a log $(D) >log &&
	grep "^    close  (overridden by alice.s reopen, 2026-11-25 10:02)$" log
'

test_done
