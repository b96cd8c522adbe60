#!/bin/bash
# Trigger (proactive) messages, and the user card: history, import of the
# website's data as JSON Lines, and merging two cards of one person.
. "$(dirname "$0")/lib.sh"

spool_drop() { # FILE JSON
	printf '%s\n' "$2" >spool/tmp/"$1" && mv spool/tmp/"$1" spool/new/"$1"
}
visitor_says() { # FILE VISITOR TEXT TIME
	spool_drop "$1" "{\"id\":\"$1\",\"visitor\":{\"id\":\"$2\",\"name\":\"Анна\"},\"text\":\"$3\",\"date\":\"$4\"}"
}

test_expect_success 'setup: a store, a chat channel, a visitor and a mail customer' '
	dlg init -q s && mkdir -p spool/new spool/tmp &&
	dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	visitor_says 1 v42 "Здравствуйте" 2026-11-20T10:00:00Z && dlg -C s fetch >first &&
	dlg -C s close $(cat first) &&
	mail m.eml m1@example.ru ivan@example.ru "Вопрос" "" "Sat, 21 Nov 2026 10:00:00 +0000" &&
	dlg -C s import m.eml >/dev/null && dlg -C s close $(dlg -C s list -q --status all --user ivan@example.ru) &&
	dlg -C s channel add mail --type email --address support@shop.example --smtp smtp://127.0.0.1:9
'

test_expect_success 'trigger: a new dialog with an outgoing message through the channel' '
	dlg -C s trigger --user chat:v42 --channel site -m "Анна, у нас новый улун :tea:" --send >out &&
	D=$(head -1 out) && test ${#D} = 16 && echo $D >T1 &&
	grep "^$D sent site " out &&
	dlg -C s show --json $D >show &&
	grep "\"channel\":\"chat\"" show && grep "\"assignee\":\"alice\"" show &&
	grep "\"direction\":\"out\",\"author\":\"alice\",\"channel\":\"chat\"" show &&
	grep "\"subject\":\"Анна, у нас новый улун 🍵\"" show &&
	python3 -c "import json,glob; m=[json.load(open(f)) for f in glob.glob(\"spool/out/*.json\")]; assert len(m)==1 and m[0][\"visitor\"]==\"v42\" and m[0][\"text\"]==\"Анна, у нас новый улун 🍵\", m" &&
	git -C s log -1 --format=%s | grep "^send ${D:0:7}: sent via site$" &&
	git -C s log -3 --format=%s >log &&
	sed -n 2p log | grep "^send ${D:0:7}: sending via site$" &&
	sed -n 3p log | grep "^trigger ${D:0:7} via site$"
'

test_expect_success 'each trigger is a dialog of its own; the answer joins the newest' '
	T1=$(cat T1) &&
	T2=$(dlg -C s trigger --user chat:v42 --channel site -m "И ещё: скидка 10%") && test "$T2" != "$T1" &&
	test $(dlg -C s list -q --status all --user chat:v42 | wc -l) = 3 &&
	visitor_says 2 v42 "О, а какой улун?" 2026-11-25T10:05:00Z &&
	dlg -C s fetch >ids && test "$(cat ids)" = $T2
'

test_expect_success 'trigger by email: To the address, no In-Reply-To; the answer threads in' '
	dlg -C s trigger --user ivan@example.ru --channel mail -m "Иван, ваш заказ готов" >D && D=$(cat D) &&
	f=$(ls s/dialogs/*/*/$D/cur/*) &&
	grep "^To: ivan@example.ru$" $f && grep "^From: alice <support@shop.example>$" $f &&
	grep "^X-Dlg-Route: mail$" $f && ! grep "^In-Reply-To:" $f &&
	id=$(sed -n "s/^Message-ID: <\(.*\)>$/\1/p" $f) &&
	mail r.eml r1@example.ru ivan@example.ru "Re: Иван, ваш заказ готов" "$id" "Wed, 25 Nov 2026 11:00:00 +0000" &&
	dlg -C s import r.eml >ids && test "$(cat ids)" = $D
'

test_expect_success 'trigger to a segment from a pipe, with a template; all or nothing' '
	dlg -C s template add promo -m "{{user.name}}, для вас скидка :gift:" &&
	visitor_says 3 v43 "Привет" 2026-11-25T09:00:00Z && dlg -C s fetch >/dev/null &&
	printf "chat:v42\nchat:v43\n" | dlg -C s trigger --users-from - --channel site -t promo >ids &&
	test_line_count = ids 2 &&
	git -C s log -1 --format=%s | grep "^trigger: 2 dialogs via site$" &&
	dlg -C s show --json $(tail -1 ids) | grep "Анна, для вас скидка 🎁" &&
	head=$(git -C s rev-parse HEAD) &&
	printf "chat:v42\nivan@example.ru\n" | test_exit_code 1 dlg -C s trigger --users-from - --channel site -m x 2>err &&
	grep "user ivan@example.ru has no chat identity" err &&
	test_exit_code 1 dlg -C s trigger --user nobody@example.com --channel site -m x 2>err &&
	grep "no user .nobody@example.com." err &&
	test_exit_code 1 dlg -C s trigger --user chat:v42 --channel nope -m x 2>err && grep "no channel .nope." err &&
	printf "# nobody today\n" | dlg -C s trigger --users-from - --channel site -m x >ids 2>err &&
	test ! -s ids && grep "^trigger: no users: nothing to send$" err &&
	test "$(git -C s rev-parse HEAD)" = "$head"
'

test_expect_success 'user show: identities, properties, notes, first and last seen, dialogs newest first' '
	dlg -C s user note chat:v42 -m "постоянный клиент" &&
	dlg -C s user show chat:v42 >card &&
	grep "^chat: *v42$" card && grep "^first: *2026-11-20 10:00$" card &&
	grep "постоянный клиент" card && grep "^dialogs (4, newest first):$" card &&
	dlg -C s user show --json chat:v42 | grep "\"first_seen\":\"2026-11-20T10:00:00Z\""
'

test_expect_success 'user import: JSON Lines, one commit; a bad line writes nothing' '
	printf "%s\n" "{\"chat\":\"v42\",\"props\":{\"plan\":\"gold\",\"orders\":12,\"vip\":true,\"city\":\"Казань\"}}" \
		"{\"email\":\"New.Customer@Example.com\",\"name\":\"Новый\",\"props\":{\"last_page\":\"/tea/42\"}}" \
		"" "{\"id\":\"$(dlg -C s user show --json ivan@example.ru | sed -n "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/p")\",\"props\":{\"city\":\"Москва\"}}" >in.jsonl &&
	dlg -C s user import <in.jsonl >ids && test_line_count = ids 3 &&
	git -C s log -1 --format=%s | grep "^user import: 3 users$" &&
	dlg -C s user show chat:v42 >card && grep "orders = 12" card && grep "vip = true" card &&
	grep "plan = gold" card &&
	dlg -C s user show new.customer@example.com | grep "last_page = /tea/42" &&
	dlg -C s user show ivan@example.ru | grep "city = Москва" &&
	printf "{\"chat\":\"v42\",\"props\":{\"plan\":null}}\n" | dlg -C s user import -q &&
	! dlg -C s user show chat:v42 | grep "plan =" &&
	head=$(git -C s rev-parse HEAD) &&
	printf "%s\n" "{\"chat\":\"v42\",\"props\":{\"a\":\"1\"}}" "{\"props\":{}}" |
		test_exit_code 1 dlg -C s user import 2>err &&
	grep "line 2: no \"id\", \"email\"" err && grep "nothing was imported" err &&
	printf "{\"chat\":\"v42\",\"props\":{\"x\":[1]}}\n" | test_exit_code 1 dlg -C s user import 2>err &&
	grep "line 1: property \"x\": objects and arrays" err &&
	printf "{\"id\":\"0123456789abcdef\"}\n" | test_exit_code 1 dlg -C s user import 2>err &&
	grep "line 1: no user 0123456789abcdef" err &&
	printf "not json\n" | test_exit_code 1 dlg -C s user import 2>err && grep "line 1: not JSON" err &&
	test "$(git -C s rev-parse HEAD)" = "$head"
'

test_expect_success 'user merge: identities, properties, notes and dialogs move; nothing is lost' '
	K=$(dlg -C s user show --json ivan@example.ru | sed -n "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/p") &&
	O=$(dlg -C s user show --json chat:v42 | sed -n "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/p") &&
	n_k=$(dlg -C s list -q --status all --user $K | wc -l) && n_o=$(dlg -C s list -q --status all --user $O | wc -l) &&
	dlg -C s user merge ivan@example.ru chat:v42 &&
	git -C s log -1 --format=%s | grep "^user merge ${O:0:7} into ${K:0:7}$" &&
	dlg -C s user show ivan@example.ru >card &&
	grep "^chat: *v42$" card && grep "^email: *ivan@example.ru$" card &&
	grep "city = Москва" card && grep "orders = 12" card && grep "постоянный клиент" card &&
	test $(dlg -C s list -q --status all --user $K | wc -l) = $((n_k + n_o)) &&
	! dlg -C s list --json --status all | grep "\"user\":{\"id\":\"$O\"" &&
	DLG_NO_INDEX=1 dlg -C s list --json --status all >files && ! grep "\"user\":{\"id\":\"$O\"" files &&
	dlg -C s user show chat:v42 | head -1 | grep "^user $K$" &&
	git -C s show HEAD:$(cd s && ls -d users/*/*/$O)/card | grep "^merged into: $K$" &&
	test_exit_code 1 dlg -C s user merge ivan@example.ru ivan@example.ru 2>err && grep "into itself" err
'

test_expect_success 'after a merge, messages from either identity go to the kept user' '
	K=$(dlg -C s user show --json ivan@example.ru | sed -n "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/p") &&
	visitor_says 4 v42 "Это снова я" 2026-11-25T12:00:00Z &&
	D=$(dlg -C s fetch) && dlg -C s show --json $D | grep "\"user\":{\"id\":\"$K\"" &&
	dlg -C s fsck
'

test_done
