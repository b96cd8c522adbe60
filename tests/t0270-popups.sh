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
GW() { cat "$TRASH/peer-gw/url"; }
popups_on() { # PAGE: GET /v1/popups?page=PAGE as visitor T; the body on stdout, the status in ./status
	curl -s -o body -w "%{http_code}" -G --data-urlencode "page=$1" \
		-H "Authorization: Bearer $(cat T)" "$(GW)/v1/popups" >status
	cat body
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

test_expect_success 'answered, the pop-up is a conversation: replies go out as chat, and the visitor'"'"'s chat joins it' '
	dlg -C s reply -q --send -m "Отличный выбор" $(cat P) &&
	python3 -c "import json,glob
a = [json.load(open(f)) for f in glob.glob(\"spool/out/*.json\")]
r = [x for x in a if x[\"text\"] == \"Отличный выбор\"]
assert len(r) == 1 and r[0][\"source\"] == \"chat\" and r[0][\"dialog\"] == \"$(cat P)\", r" &&
	dlg -C s close -q $(cat P2) &&
	visitor_says 4 v1 "А доставка завтра?" &&
	dlg -C s fetch >F && test_cmp P F &&
	dlg -C s show $(cat P) >show && grep "А доставка завтра?" show &&
	dlg -C s list --channel chat -q >open && ! grep -q . open
'

test_expect_success 'a page pop-up is recorded in the tree and reaches the spool with dlg send' '
	dlg -C s trigger --channel site --popup --page "https://shop.example/tea/*" \
		-m "Скидка 10% на улун :tea:" >PP && test_line_count = PP 1 &&
	ID=$(cat PP) && git -C s show HEAD:popups/$ID >rec &&
	grep "^channel: site$" rec && grep "^page: https://shop.example/tea/\*$" rec &&
	grep "^operator: alice$" rec && grep "^created: 2026-11-25T10:00:00Z$" rec &&
	grep "^until: 2026-12-25T10:00:00Z$" rec && grep "^Скидка 10% на улун 🍵$" rec &&
	git -C s log -1 --format=%B | grep "popups/$ID" &&
	test ! -e spool/popups/$ID.json &&
	dlg -C s send &&
	python3 -c "import json; p=json.load(open(\"spool/popups/$ID.json\"))
assert p == {\"id\": \"$ID\", \"page\": \"https://shop.example/tea/*\", \"text\": \"Скидка 10% на улун 🍵\",
             \"operator\": \"alice\", \"date\": \"2026-11-25T10:00:00Z\", \"until\": \"2026-12-25T10:00:00Z\"}, p" &&
	test -z "$(ls spool/tmp)" &&
	cp spool/popups/$ID.json before && dlg -C s send && test_cmp before spool/popups/$ID.json &&
	dlg -C s fsck
'

test_expect_success 'page pop-ups: bad arguments are usage errors, and nothing is written' '
	head=$(git -C s rev-parse HEAD) &&
	test_exit_code 2 dlg -C s trigger --channel site --page "https://x/*" -m hi 2>err && grep -- "--popup" err &&
	test_exit_code 2 dlg -C s trigger --channel site --popup --page "https://x/*" --user chat:v1 -m hi &&
	test_exit_code 2 dlg -C s trigger --channel site --popup --page "https://x/*" --until soon -m hi 2>err &&
	grep "soon" err &&
	test_exit_code 1 dlg -C s trigger --channel site --popup --page "https://x/*" --until 2020-01-01 -m hi 2>err &&
	grep "past" err &&
	test_exit_code 1 dlg -C s trigger --withdraw 0123456789abcdef 2>err && grep "no pop-up" err &&
	test_exit_code 2 dlg -C s trigger --withdraw ../../x 2>err &&
	test "$(git -C s rev-parse HEAD)" = "$head"
'

test_expect_success 'two visitors answer the page pop-up: two dialogs, each starting with its text' '
	ID=$(cat PP) &&
	visitor_says 10 v10 "Хочу улун" $ID && visitor_says 11 v11 "И я тоже" $ID &&
	DLG_NOW=2026-11-25T11:00:00Z dlg -C s fetch >F && test_line_count = F 2 &&
	for d in $(cat F); do
		dlg -C s show --json $d >j &&
		python3 -c "import json; d=json.load(open(\"j\")); m=d[\"messages\"]
assert d[\"channel\"] == \"popup\", d[\"channel\"]
assert len(m) == 2, m
assert \"Скидка 10% на улун\" in m[0][\"text\"] and m[0][\"author\"] == \"alice\" and m[0][\"direction\"] == \"out\", m[0]
assert m[1][\"text\"] in (\"Хочу улун\", \"И я тоже\"), m[1]" || exit 1
	done &&
	visitor_says 12 v10 "А зелёный?" $ID &&
	dlg -C s fetch >F2 && test_line_count = F2 1 && grep -x "$(cat F2)" F &&
	dlg -C s fsck
'

test_expect_success '--withdraw and the end of a pop-up remove it from the spool at the next send' '
	ID=$(cat PP) &&
	dlg -C s trigger --channel site --popup --page "https://shop.example/*" --until 2d -m "Два дня" --send >P3 &&
	test -e spool/popups/$(cat P3).json &&
	dlg -C s trigger --withdraw $ID && git -C s show HEAD:popups/$ID | grep "^withdrawn: 2026-11-25T10:00:00Z$" &&
	test -e spool/popups/$ID.json && echo stray >spool/popups/planted.json &&
	dlg -C s send && test ! -e spool/popups/$ID.json && test ! -e spool/popups/planted.json &&
	test -e spool/popups/$(cat P3).json &&
	DLG_NOW=2026-11-28T10:00:00Z dlg -C s send && test ! -e spool/popups/$(cat P3).json
'

test_expect_success 'fsck: a pop-up file that does not read is reported; send publishes the rest' '
	printf "page: x\n" >bad && commit_file popups/00000000000000aa bad &&
	test_exit_code 1 dlg -C s fsck >out && grep "^badpopup popups/00000000000000aa$" out &&
	dlg -C s send && test ! -e spool/popups/00000000000000aa.json
'

trap stop_peers EXIT
start_gateway gw

test_expect_success 'the gateway: GET /v1/popups gives the pop-ups in effect whose pattern matches the page' '
	curl -s -X POST -d "{}" "$(GW)/v1/visitors" >v.json &&
	python3 -c "import json; print(json.load(open(\"v.json\"))[\"token\"])" >T &&
	dlg -C s trigger --withdraw $(cat P3) &&
	dlg -C s trigger --channel site --popup --page "https://shop.example/tea/*" -m "Улун со скидкой" --send >P4 &&
	popups_on "https://shop.example/tea/green/42?x=1" >got && test "$(cat status)" = 200 &&
	python3 -c "import json; g=json.load(open(\"got\"))
assert g == [{\"id\": \"$(cat P4)\", \"text\": \"Улун со скидкой\", \"operator\": \"alice\",
              \"date\": \"2026-11-25T10:00:00Z\"}], g" &&
	popups_on "https://shop.example/coffee" >got && test "$(cat status)" = 200 && test "$(cat got)" = "[]" &&
	popups_on "" >got && test "$(cat got)" = "[]" &&
	curl -s -o /dev/null -w "%{http_code}" "$(GW)/v1/popups?page=x" >status && test "$(cat status)" = 403
'

test_expect_success 'the gateway: event: popup reaches a matching page within a second of dlg send' '
	curl -s -N -G --data-urlencode "page=https://shop.example/tea/1" -H "Authorization: Bearer $(cat T)" \
		"$(GW)/v1/events" >events &
	echo $! >"$TRASH/peer-gw/curl-tea" &&
	curl -s -N -G --data-urlencode "page=https://shop.example/coffee" -H "Authorization: Bearer $(cat T)" \
		"$(GW)/v1/events" >other &
	echo $! >"$TRASH/peer-gw/curl-coffee" &&
	for _ in $(seq 100); do grep -q "^:" events && grep -q "^:" other && break; sleep 0.05; done &&
	grep -q "^:" events &&
	! grep -q "^event: popup" events &&
	dlg -C s trigger --channel site --popup --page "https://shop.example/tea/*" -m "Новинка: да хун пао" >P5 &&
	start=$(date +%s%N) && dlg -C s send -q &&
	for _ in $(seq 200); do grep -q "^event: popup" events && break; sleep 0.005; done &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) && echo "popup event after $ms ms" | tee popup-ms &&
	test $ms -lt 1000 && sleep 0.2 &&
	kill $(cat "$TRASH/peer-gw/curl-tea") $(cat "$TRASH/peer-gw/curl-coffee") &&
	grep "^data:.*Новинка: да хун пао" events && grep "^data: {\"id\":\"$(cat P5)\"" events &&
	! grep "^id: $(cat P5)" events &&
	test $(grep -c "^event: popup" events) = 1 &&
	! grep "^event: popup" other
'

test_expect_success 'the gateway ignores hostile popups/ files: bad JSON, a link, a huge file, a wrong name' '
	P=$(cat P4) && good=spool/popups/$P.json &&
	printf "{\"id\":" >spool/popups/0000000000000001.json &&
	sed "s/$P/0000000000000002/; s/Улун со скидкой/по ссылке/" $good >elsewhere.json &&
	ln -s "$PWD/elsewhere.json" spool/popups/0000000000000002.json &&
	python3 -c "import json; p=json.load(open(\"$good\")); p[\"id\"]=\"0000000000000003\"; p[\"text\"]=\"x\"*200000
json.dump(p, open(\"spool/popups/0000000000000003.json\", \"w\"))" &&
	sed "s/$P/0000000000000004/" $good >spool/popups/0000000000000005.json &&
	mkfifo spool/popups/0000000000000006.json &&
	sed "s/\"page\":\"[^\"]*\"/\"page\":5/; s/$P/0000000000000007/" $good >spool/popups/0000000000000007.json &&
	sleep 0.3 &&
	popups_on "https://shop.example/tea/1" >got && test "$(cat status)" = 200 &&
	python3 -c "import json; g=json.load(open(\"got\"))
assert sorted(p[\"id\"] for p in g) == sorted([\"$P\", \"$(cat P5)\"]), g" &&
	kill -0 $(cat "$TRASH/peer-gw/pid")
'

test_done
