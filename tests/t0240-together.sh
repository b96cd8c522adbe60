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

test_done
