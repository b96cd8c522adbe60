#!/bin/sh
# Pop-ups: dlg trigger --popup for one visitor or for the pages matching a
# pattern, the visitor's answer joining the pop-up's dialog, and the
# gateway serving page pop-ups (GET /v1/popups, event: popup).
. "$(dirname "$0")/lib.sh"

spool_drop() { # FILE JSON
	printf '%s\n' "$2" >spool/tmp/"$1" && mv spool/tmp/"$1" spool/new/"$1"
}
visitor_says() { # N VISITOR TEXT [POPUP]
	spool_drop "$1.json" "{\"id\":\"m-$1\",${4:+\"source\":\"popup\",\"popup\":\"$4\",}\"visitor\":{\"id\":\"$2\"},\"text\":\"$3\"}"
}
answer_key() { # the key of the answer file in out/ for dialog $1
	python3 -c "import json,glob,sys
for f in sorted(glob.glob('spool/out/*.json')):
    a = json.load(open(f))
    if a['dialog'] == sys.argv[1]: print(a['id'])" "$1"
}

dlg init -q s && mkdir -p spool/new spool/tmp &&
dlg -C s channel add site --type chat --spool "$PWD/spool"

test_expect_success 'a pop-up for a visitor is a popup dialog; sent, its answer file says source popup' '
	visitor_says 1 v1 "Здравствуйте" && dlg -C s fetch >C && dlg -C s close $(cat C) &&
	dlg -C s trigger --channel site --popup --user chat:v1 -m "Нужна помощь с выбором чая? 🍵" >P &&
	test_line_count = P 1 &&
	dlg -C s list --channel popup -q >l && test_cmp P l &&
	dlg -C s show $(cat P) >show && grep -i "popup" show &&
	dlg -C s send >sent && grep "^$(cat P) sent" sent &&
	answer_key $(cat P) >K && test_line_count = K 1 &&
	python3 -c "import json; a=json.load(open(\"spool/out/$(cat K).json\")); assert a[\"source\"]==\"popup\", a; assert a[\"visitor\"]==\"v1\", a"
'

test_expect_success 'the visitor'"'"'s answer naming the pop-up joins exactly its dialog' '
	dlg -C s trigger --channel site --popup --user chat:v1 -m "Второй pop-up" >P2 &&
	visitor_says 2 v1 "Да, пуэр" "$(cat K)" &&
	dlg -C s fetch >F && test_cmp P F &&
	test $(ls s/dialogs/*/*/$(cat P)/cur | wc -l) = 2 &&
	test $(ls s/dialogs/*/*/$(cat P2)/cur | wc -l) = 1 &&
	dlg -C s show $(cat P) >show && grep "Да, пуэр" show && grep "Нужна помощь" show &&
	dlg -C s list --channel popup --json | grep -c "\"id\"" >n
'

test_expect_success 'a forged popup naming another visitor'"'"'s dialog does not join it' '
	visitor_says 3 v2 "Я чужой" "$(cat K)" &&
	dlg -C s fetch >F && ! grep -q "$(cat P)" F && test_line_count = F 1 &&
	test $(ls s/dialogs/*/*/$(cat P)/cur | wc -l) = 2 &&
	dlg -C s show --json $(cat F) | grep "\"channel\":\"popup\""
'

test_done
