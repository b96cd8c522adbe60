#!/bin/sh
# dlg search never lies: after every kind of change the results equal a
# brute-force scan of the store (tests/search-oracle.py), and a malformed
# query is a usage error that says where.
. "$(dirname "$0")/lib.sh"

MAILS="$SRCDIR/tests/search"
NOW=$(date -u -d 2026-11-25T10:00:00Z +%s)
check() {
	python3 "$SRCDIR/tests/search-oracle.py" s "$NOW"
}
spool_drop() { # FILE JSON
	printf '%s\n' "$2" >spool/tmp/"$1" && mv spool/tmp/"$1" spool/new/"$1"
}

test_expect_success 'import: real mail (base64, KOI8-R, HTML, an attachment) is found' '
	dlg init -q s &&
	dlg -C s import "$MAILS"/*.eml >ids &&
	test_line_count = ids 6 &&
	check &&
	dlg -C s search -q заказом >found && test_line_count = found 2 &&
	dlg -C s search -q елка >found && test_line_count = found 2 &&
	dlg -C s search -q PO-2291 >found && test_line_count = found 1 &&
	dlg -C s search -q "#10482" >found && test_line_count = found 2 &&
	dlg -C s search -q orders >found && test_line_count = found 2
'

test_expect_success 'search prints list lines with the matching text under each' '
	dlg -C s search "\"late delivery\"" >out &&
	test_line_count = out 2 &&
	grep "Late orders" out &&
	grep "^    .*had a late delivery, invoice 104820" out &&
	# a line cut out of a long text is marked with U+2026 at both ends, as
	# UTF-8 (not its bytes read as Latin-1 and written again)
	{ printf "From: Long <long@example.com>\nSubject: Long\nMessage-ID: <long@x>\n\n" &&
	  for i in $(seq 40); do printf "word%d " $i; done && printf "zebracorn " &&
	  for i in $(seq 40); do printf "more%d " $i; done && echo; } >long.eml &&
	dlg -C s import long.eml >/dev/null &&
	dlg -C s search zebracorn >cut &&
	grep "^    $(printf "\342\200\246").*zebracorn.*$(printf "\342\200\246")$" cut &&
	! grep "$(printf "\303\242")" cut &&
	dlg -C s search --json hunter2 >out &&
	python3 -c "import json,sys; d=json.loads(sys.stdin.read()); assert \"hunter2\" in d[\"snippet\"], d" <out
'

test_expect_success 'a chat message from the website spool' '
	mkdir -p spool/new spool/tmp &&
	dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	spool_drop 1.json "{\"id\":\"c-1\",\"visitor\":{\"id\":\"v7\",\"name\":\"Анна\"},\"text\":\"Хочу ЁЛКУ к заказу PO-2291, срочно\",\"date\":\"2026-11-24T11:00:00Z\"}" &&
	dlg -C s fetch >/dev/null &&
	dlg -C s search -q channel:chat >found && test_line_count = found 1 &&
	check
'

test_expect_success 'reply, note, tag, assign and close' '
	J=$(dlg -C s search -q from:john) &&
	dlg -C s reply -m "Sorry, your order ships today" "$J" &&
	check &&
	dlg -C s note -m "refund approved by Olga" "$J" &&
	dlg -C s tag +vip "$J" &&
	check &&
	I=$(dlg -C s search -q from:ivan) &&
	dlg -C s assign bob "$I" && dlg -C s close "$I" &&
	check &&
	test "$(dlg -C s search -q note:refund)" = "$J"
'

test_expect_success 'user set and merge change what user: finds' '
	dlg -C s user set ivan@example.ru plan=gold &&
	check &&
	test "$(dlg -C s search -q user:gold)" = "$(dlg -C s search -q from:ivan)" &&
	dlg -C s user note -m "prefers ёлки" ivan@example.ru &&
	dlg -C s user merge ivan@example.ru chat:v7 &&
	check &&
	dlg -C s search -q user:gold >found && test_line_count = found 2
'

test_expect_success 'a change synced from a clone, then the branch moved back' '
	OLD=$(git -C s rev-parse main) &&
	dlg clone s c >/dev/null &&
	M=$(dlg -C s search -q from:mary) &&
	dlg -C c note -m "звонила по заказом, Jones Ltd" "$M" &&
	git -C s fetch -q ../c +main:refs/remotes/c/main &&
	dlg -C s sync c/main &&
	check &&
	test "$(dlg -C s search -q note:jones)" = "$M" &&
	git -C s update-ref refs/heads/main "$OLD" &&
	check &&
	test -z "$(dlg -C s search -q note:jones)"
'

test_expect_success 'a damaged, a foreign or a deleted index is rebuilt, and agrees' '
	printf "not a database at all" >s/.git/dlg/index.sqlite &&
	check &&
	sqlite3 s/.git/dlg/index.sqlite "DELETE FROM search" 2>/dev/null ||
		python3 -c "import sqlite3; c=sqlite3.connect(\"s/.git/dlg/index.sqlite\"); c.execute(\"UPDATE meta SET value=\x27dlg-index 0\x27 WHERE key=\x27format\x27\"); c.commit()" &&
	check &&
	rm s/.git/dlg/index.sqlite &&
	check &&
	dlg -C s reindex >/dev/null &&
	check
'

test_expect_success 'dlg list takes the same terms' '
	dlg -C s list -q --status all order >list &&
	dlg -C s search -q order >search &&
	test_cmp search list &&
	dlg -C s list -q --waiting --status all "#10482" >list &&
	dlg -C s search -q --waiting "#10482" >search &&
	test_cmp search list &&
	test -s list
'

test_expect_success 'a malformed query is a usage error that says where' '
	test_exit_code 2 dlg -C s search "\"late delivery" 2>err &&
	grep "^dlg: search: query:1: unmatched quote" err &&
	test_exit_code 2 dlg -C s search order "(late" 2>err &&
	grep "^dlg: search: query:7: unmatched parenthesis" err &&
	test_exit_code 2 dlg -C s search form:ivan 2>err &&
	grep "^dlg: search: query:1: no field .form." err &&
	test_exit_code 2 dlg -C s search "заказ after:yesterday-ish" 2>err &&
	grep "^dlg: search: query:13: cannot read the date" err &&
	test_exit_code 2 dlg -C s list order OR 2>err &&
	grep "^dlg: list: query:9: a word is missing" err &&
	test_exit_code 2 dlg -C s search 2>err &&
	grep "^usage: dlg search" err
'

test_done
