#!/bin/sh
# The website chat in a real browser: headless Chromium (tests/browser/chat.py,
# through chromedriver and Debian's python3-selenium) on a shop page of one
# 127.0.0.1 origin, with the widget from dlg chat serve on another, so CORS
# is the browser's own.  dlg plays the operator.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's, which has selenium (a pyenv one has not)
missing=
for f in /usr/bin/chromium /usr/bin/chromedriver; do [ -x $f ] || missing="$missing $f"; done
$PY -c 'import selenium' 2>/dev/null || missing="$missing python3-selenium"
# Answers are dated by dlg and the visitor's messages by the browser: one clock.
unset DLG_NOW

# api METHOD PATH [TOKEN] [BODY]: the body in ./body, the status in ./status
api() {
	curl -s -o body -w '%{http_code}' -X "$1" ${3:+-H "Authorization: Bearer $3"} \
		${4:+-H "Content-Type: application/json" --data-binary "$4"} "$GW$2" >status
}

trap stop_peers EXIT
dlg init -q s && mkdir spool && page_port=$(free_port) && PAGE="http://127.0.0.1:$page_port" &&
dlg -C s channel add site --type chat --spool "$PWD/spool" &&
dlg -C s config channel.site.origins "$PAGE" || exit 1
d="$TRASH/peer-gw" gw_port=$(free_port) && GW="http://127.0.0.1:$gw_port" && mkdir -p "$d" &&
{ dlg -C s chat serve --channel site --listen "127.0.0.1:$gw_port" 2>"$d/log" & echo $! >"$d/pid"; } &&
wait_port "$gw_port" || { cat "$d/log"; exit 1; }

# The shop's page: its own styles, which the widget's must withstand.
mkdir -p site "$TRASH/peer-page" && cat >site/index.html <<HTML
<!doctype html>
<html lang="ru-RU"><head><meta charset="utf-8"><title>Чайная лавка</title>
<style>
body { font: 18px Georgia, serif; margin: 40px; background: #fbf7ef; }
button { background: hotpink; border: 4px dashed blue; padding: 20px; }
textarea, p, div { color: purple; }
</style></head>
<body><h1>Чайная лавка</h1><p><a href="#tea">Каталог</a> · <a href="#about">О нас</a></p>
<p>Зелёный, белый и красный чай с доставкой.</p>
<script src="$GW/widget.js" data-name="Анна Петрова" data-email="anna@example.ru" async></script>
</body></html>
HTML
sed -e 's/lang="ru-RU"/lang="en"/' -e 's/ data-name="[^"]*" data-email="[^"]*"//' \
	site/index.html >site/en.html
{ (cd site && exec $PY -m http.server --bind 127.0.0.1 "$page_port") >"$TRASH/peer-page/log" 2>&1 &
  echo $! >"$TRASH/peer-page/pid"; } && wait_port "$page_port" || exit 1

test_expect_success 'GET /widget.js and /widget.css: the files, typed, with an ETag; 304 when unchanged' '
	curl -s -D h -o widget.js "$GW/widget.js" &&
	cmp widget.js "$SRCDIR/cmd/widget/dlg-chat.js" &&
	grep -i "^content-type: text/javascript; charset=utf-8" h &&
	grep -i "^cache-control: public, max-age=300" h &&
	etag=$(sed -n "s/^[Ee][Tt]ag: *\(\"[0-9a-f]*\"\).*/\1/p" h) && test -n "$etag" &&
	test "$(curl -s -o /dev/null -w %{http_code} -H "If-None-Match: $etag" "$GW/widget.js")" = 304 &&
	curl -s -D h2 -o widget.css "$GW/widget.css" &&
	cmp widget.css "$SRCDIR/cmd/widget/dlg-chat.css" &&
	grep -i "^content-type: text/css; charset=utf-8" h2 &&
	! grep -i "^etag: $etag" h2 &&
	test "$(curl -s -o /dev/null -w %{http_code} -X POST "$GW/widget.js")" = 405
'

test_expect_success 'the gateway refuses a 1 MB text (413), malformed JSON (400) and a file of 2 MiB + 1 (413)' '
	api POST /v1/visitors "" "{}" && test "$(cat status)" = 201 &&
	T=$(python3 -c "import json; print(json.load(open(\"body\"))[\"token\"])") &&
	python3 -c "import json; print(json.dumps({\"text\": \"я\" * 1048576}))" >big.json &&
	curl -s -o /dev/null -w %{http_code} -H "Authorization: Bearer $T" -H "Content-Type: application/json" \
		--data-binary @big.json "$GW/v1/messages" >status && test "$(cat status)" = 413 &&
	api POST /v1/messages "$T" "{\"text\": \"Привет" && test "$(cat status)" = 400 &&
	head -c 2097153 /dev/zero >big.bin &&
	curl -s -o /dev/null -w %{http_code} -H "Authorization: Bearer $T" -F text=x -F file=@big.bin \
		"$GW/v1/messages" >status && test "$(cat status)" = 413 &&
	test -z "$(ls spool/new)"
'

if [ -n "$missing" ]; then
	test_skip 'the widget in a real browser' "missing:$missing"
else
	$PY "$SRCDIR/tests/browser/chat.py" --gateway "$GW" --page "$PAGE/index.html" --store s \
		--spool "$PWD/spool" --results results --artifacts "$SRCDIR/tests/artifacts" --gateway-pid "$d/pid" >browser.log 2>&1
	grep "^#" browser.log
	test -s results || printf "not ok\tthe browser cases ran\tchat.py reported nothing\n" >>results
	while IFS="$(printf '\t')" read -r verdict title why; do
		test_expect_success "$title" 'test "$verdict" = ok || { echo "$why"; tail -30 browser.log; false; }'
	done <results
fi

test_done
