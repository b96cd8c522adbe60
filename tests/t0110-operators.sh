#!/bin/bash
# Operators, the versioned configuration, and automatic assignment of new
# dialogs (round-robin and least-open) by import and fetch.
. "$(dirname "$0")/lib.sh"

new_mail() { # N: a message from uN@example.com that opens a dialog
	printf "From: u%s@example.com\nSubject: question %s\nMessage-ID: <q%s@example.com>\nDate: Tue, 24 Nov 2026 10:%02d:00 +0000\n\nhi\n" \
		"$1" "$1" "$1" "$1" >q$1.eml
}
assignee_of() { dlg -C s list --json --status all --user "u$1@example.com" | sed -n 's/.*"assignee":"\([^"]*\)".*/\1/p'; }

test_expect_success 'operator add, list, away, back, rm' '
	dlg init -q s &&
	dlg -C s operator add alice --email alice@shop.example &&
	dlg -C s operator add bob && dlg -C s operator add carol && dlg -C s operator add dave &&
	dlg -C s operator away carol &&
	dlg -C s operator list >out &&
	grep "^alice  *available  *0 open  alice@shop.example$" out &&
	grep "^carol  *away  *0 open$" out && test_line_count = out 4 &&
	cat s/operators/carol/card >card && grep "^status: away$" card &&
	dlg -C s operator rm dave && ! dlg -C s operator list | grep dave &&
	dlg -C s operator list --json | grep "{\"name\":\"bob\",\"email\":null,\"away\":false,\"open\":0,\"dialogs\":\[\]}" &&
	test_exit_code 1 dlg -C s operator away nobody 2>err && grep "no operator .nobody." err &&
	test_exit_code 1 dlg -C s operator add "Bad Name" 2>err && grep "not an operator name" err &&
	test_exit_code 1 dlg -C s operator add x --email nope 2>err && grep "not an email address" err &&
	head=$(git -C s rev-parse HEAD) && dlg -C s operator add bob && test "$(git -C s rev-parse HEAD)" = "$head" &&
	git -C s log --format=%s -3 | grep "^operator rm dave$"
'

test_expect_success 'config: get, set, unset, list; validated; secrets refused' '
	test_exit_code 1 dlg -C s config assign.mode &&
	dlg -C s config assign.mode round-robin && test "$(dlg -C s config assign.mode)" = round-robin &&
	git -C s show HEAD:config | grep "^assign.mode=round-robin$" &&
	git -C s log -1 --format=%s | grep "^config assign.mode=round-robin$" &&
	head=$(git -C s rev-parse HEAD) && dlg -C s config assign.mode round-robin &&
	test "$(git -C s rev-parse HEAD)" = "$head" &&
	test_exit_code 1 dlg -C s config assign.mode sometimes 2>err && grep "off, round-robin or least-open" err &&
	test_exit_code 1 dlg -C s config channel.tg.token 123:ABC 2>err && grep "looks like a secret" err &&
	test_exit_code 1 dlg -C s config NoDots x 2>err && grep "is not a key" err &&
	dlg -C s config team.city Москва && dlg -C s config --list | grep "^team.city=Москва$" &&
	dlg -C s config --unset team.city && test_exit_code 1 dlg -C s config team.city &&
	test_exit_code 1 dlg -C s config --unset team.city 2>err && grep "is not set" err
'

test_expect_success 'round-robin: available operators in turn, across runs; away ones skipped' '
	for i in 1 2 3 4 5; do new_mail $i; done &&
	dlg -C s import q1.eml q2.eml q3.eml >/dev/null && dlg -C s import q4.eml >/dev/null &&
	dlg -C s import q5.eml >/dev/null &&
	for i in 1 2 3 4 5; do assignee_of $i; done >got &&
	printf "alice\nbob\nalice\nbob\nalice\n" >expect && test_cmp expect got &&
	test "$(cat s/operators/.last)" = alice &&
	dlg -C s operator back carol && new_mail 6 && dlg -C s import q6.eml >/dev/null &&
	test "$(assignee_of 6)" = bob && new_mail 7 && dlg -C s import q7.eml >/dev/null &&
	test "$(assignee_of 7)" = carol
'

test_expect_success 'a message to an existing dialog assigns nobody; manual assignment works, a removed operator with --force' '
	printf "From: u1@example.com\nSubject: Re: question 1\nMessage-ID: <q1b@example.com>\nIn-Reply-To: <q1@example.com>\nDate: Tue, 24 Nov 2026 11:00:00 +0000\n\nagain\n" >q1b.eml &&
	last=$(cat s/operators/.last) && dlg -C s import q1b.eml >/dev/null &&
	test "$(cat s/operators/.last)" = "$last" && test "$(assignee_of 1)" = alice &&
	test_exit_code 1 dlg -C s assign dave $(dlg -C s list -q --user u1@example.com) 2>err &&
	grep "no operator .dave. (dlg operator add dave, or --force)" err &&
	dlg -C s assign --force dave $(dlg -C s list -q --user u1@example.com) && test "$(assignee_of 1)" = dave
'

test_expect_success 'least-open: the operator with the fewest open dialogs' '
	dlg -C s config assign.mode least-open &&
	dlg -C s operator list >out && grep "^bob  *available  *3 open" out && grep "^carol  *available  *1 open" out &&
	dlg -C s operator list --dialogs >out && grep -A1 "^carol " out | tail -1 | grep "^    [0-9a-f]\{7\}$" &&
	# open now: alice 2 (her first went to dave), bob 3, carol 1; ties go by name
	new_mail 8 && new_mail 9 && new_mail 10 && dlg -C s import q8.eml q9.eml q10.eml >/dev/null &&
	for i in 8 9 10; do assignee_of $i; done >got &&
	printf "carol\nalice\ncarol\n" >expect && test_cmp expect got
'

test_expect_success 'a mode per channel; off leaves new dialogs to the first reply' '
	dlg -C s config assign.mode off && dlg -C s config assign.mode.chat round-robin &&
	new_mail 11 && dlg -C s import q11.eml >/dev/null && test -z "$(assignee_of 11)" &&
	dlg -C s list -q --assignee none >none && grep -c . none >n && test "$(cat n)" = 1 &&
	printf "{\"id\":\"c1\",\"visitor\":{\"id\":\"v1\"},\"text\":\"hello\",\"date\":\"2026-11-24T12:00:00Z\"}\n" |
		dlg -C s import --json >ids &&
	test -n "$(dlg -C s list --json --status all --channel chat | grep "\"assignee\":\"")" &&
	DLG_OPERATOR=bob dlg -C s reply -m "on it" $(dlg -C s list -q --user u11@example.com) &&
	test "$(assignee_of 11)" = bob &&
	DLG_OPERATOR=bob dlg -C s list -q --assignee me | grep -c . >n && test "$(cat n)" -ge 1
'

test_expect_success 'fetch assigns too (chat spool)' '
	mkdir -p spool/new spool/tmp && dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	dlg -C s config assign.mode round-robin && dlg -C s config --unset assign.mode.chat &&
	next=$(cat s/operators/.last) &&
	printf "{\"id\":\"c2\",\"visitor\":{\"id\":\"v2\"},\"text\":\"hi\",\"date\":\"2026-11-24T13:00:00Z\"}\n" >spool/new/1.json &&
	D=$(dlg -C s fetch) && dlg -C s show --json $D | grep "\"assignee\":\"" &&
	test "$(cat s/operators/.last)" != "$next"
'

test_expect_success 'two clones assigning at once merge without a conflict' '
	dlg clone -q s t &&
	new_mail 20 && new_mail 21 &&
	dlg -C s import q20.eml >/dev/null && dlg -C t import q21.eml >/dev/null &&
	dlg -C t operator away alice &&
	git -C s fetch -q ../t main:refs/remotes/t/main && dlg -C s sync t/main &&
	dlg -C s operator list | grep "^alice  *away" &&
	test -n "$(assignee_of 20)" && test -n "$(assignee_of 21)" &&
	dlg -C s fsck
'

test_done
