#!/bin/sh
# dlg chat serve: the website chat's gateway over HTTP, with curl as the
# visitor's browser and the spool between it and the store.
. "$(dirname "$0")/lib.sh"

GW() { cat "$TRASH/peer-gw/url"; }
# api METHOD PATH [TOKEN] [BODY]: the body on stdout, the status in ./status
api() {
	curl -s -o body -w '%{http_code}' -X "$1" ${3:+-H "Authorization: Bearer $3"} \
		${4:+-H "Content-Type: application/json" --data-binary "$4"} "$(GW)$2" >status
	cat body
}
json() { python3 -c "import json,sys; print(json.load(open('body'))$1)"; }

# Started outside the tests, whose subshells would end it.
trap stop_peers EXIT
dlg init -q s && mkdir spool && # the gateway makes new/, tmp/ and out/
dlg -C s channel add site --type chat --spool "$PWD/spool" &&
dlg -C s config channel.site.origins "https://shop.example, https://www.shop.example" &&
start_gateway gw

test_expect_success 'serve makes the channel key once, private, and listens' '
	curl -s -o /dev/null "$(GW)/" &&
	test "$(stat -c %a s/.git/dlg/secrets/site.chat-key)" = 600 &&
	test "$(stat -c %s s/.git/dlg/secrets/site.chat-key)" = 32
'

test_expect_success 'serve makes a spool directory that is not there yet (the README'"'"'s first run), private' '
	dlg init -q s2 && dlg -C s2 channel add site --type chat --spool "$PWD/fresh-spool" &&
	port=$(free_port) &&
	{ dlg -C s2 chat serve --channel site --listen 127.0.0.1:$port 2>fresh.log & pid=$!; } &&
	wait_port $port && kill $pid && wait $pid &&
	test -d fresh-spool/new && test -d fresh-spool/out && test "$(stat -c %a fresh-spool)" = 700
'

test_expect_success 'a visitor posts a Russian message with an emoji; fetch makes one dialog with the name' '
	api POST /v1/visitors "" "{\"name\":\"Анна\",\"email\":\"anna@example.ru\",\"page\":\"https://shop.example/tea\"}" &&
	test "$(cat status)" = 201 &&
	json "[\"visitor\"]" >V && json "[\"token\"]" >T &&
	api POST /v1/messages "$(cat T)" "{\"text\":\"Где мой заказ? 🍵\",\"page\":\"https://shop.example/tea/42\"}" &&
	test "$(cat status)" = 201 &&
	test "$(ls spool/new | wc -l)" = 1 && test -z "$(ls spool/tmp)" &&
	dlg -C s fetch >D && test_line_count = D 1 &&
	dlg -C s show $(cat D) >show &&
	grep "Где мой заказ? 🍵" show && grep "Анна" show &&
	grep "^X-Dlg-Conversation: $(cat V)$" s/dialogs/*/*/$(cat D)/cur/* &&
	dlg -C s user show chat:$(cat V) >card && grep "anna@example.ru" card
'

test_expect_success 'an answer sent reaches the visitor: GET /v1/messages and, within a second, /v1/events' '
	curl -s -N -H "Authorization: Bearer $(cat T)" "$(GW)/v1/events" >events &
	echo $! >"$TRASH/peer-gw/curl-pid" &&
	for _ in $(seq 100); do grep -q "^:" events && break; sleep 0.05; done &&
	grep -q "^:" events &&
	dlg -C s reply -m "Заказ в пути 🚚" --send $(cat D) >sent &&
	start=$(date +%s%N) &&
	for _ in $(seq 200); do grep -q "^data:" events && break; sleep 0.005; done &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) && echo "SSE after $ms ms" &&
	test $ms -lt 1000 &&
	kill $(cat "$TRASH/peer-gw/curl-pid") &&
	grep "^data:.*Заказ в пути 🚚" events && grep "^event: reply$" events &&
	api GET /v1/messages "$(cat T)" >m && test "$(cat status)" = 200 &&
	python3 -c "import json; r=json.load(open(\"m\")); assert len(r)==1 and r[0][\"text\"]==\"Заказ в пути 🚚\", r" &&
	python3 -c "import json; print(json.load(open(\"m\"))[0][\"id\"])" >first &&
	api GET "/v1/messages?after=$(cat first)" "$(cat T)" >m2 && test "$(cat m2)" = "[]"
'

test_expect_success 'a stream that comes back with Last-Event-ID gets what it missed at once' '
	dlg -C s reply -m "Второй ответ" --send $(cat D) &&
	curl -s -N -m 2 -H "Authorization: Bearer $(cat T)" -H "Last-Event-ID: $(cat first)" \
		"$(GW)/v1/events" >events2 || test $? = 28 &&
	grep "^data:.*Второй ответ" events2 && ! grep "Заказ в пути" events2 &&
	curl -s -N -m 1 -H "Authorization: Bearer $(cat T)" "$(GW)/v1/events" >events3 || test $? = 28 &&
	! grep "^data:" events3
'

test_expect_success 'another visitor cannot read the first one'"'"'s answers' '
	api POST /v1/visitors "" "{}" && test "$(cat status)" = 201 && json "[\"token\"]" >T2 &&
	api GET /v1/messages "$(cat T2)" >m && test "$(cat status)" = 200 && test "$(cat m)" = "[]" &&
	api GET "/v1/messages?visitor=$(cat V)" "$(cat T2)" >m && test "$(cat m)" = "[]"
'

test_expect_success 'forged, expired and missing tokens get 403, and the log holds no token' '
	T=$(cat T) &&
	last=$(printf %s "$T" | cut -c${#T}) && case $last in A) c=B;; *) c=A;; esac &&
	forged=$(printf %s "$T" | sed "s/.$/$c/") && test "$forged" != "$T" &&
	api GET /v1/messages "$forged" && test "$(cat status)" = 403 &&
	mid=$(printf %s "$T" | cut -c10) && case $mid in A) c=B;; *) c=A;; esac &&
	forged2=$(printf %s "$T" | sed "s/^\(.........\)./\1$c/") &&
	api POST /v1/messages "$forged2" "{\"text\":\"x\"}" && test "$(cat status)" = 403 &&
	start_gateway old 2026-01-01T00:00:00Z && url=$(cat "$TRASH/peer-old/url") &&
	curl -s -X POST -d "{}" "$url/v1/visitors" >old.json &&
	kill $(cat "$TRASH/peer-old/pid") &&
	python3 -c "import json; print(json.load(open(\"old.json\"))[\"token\"])" >T-old &&
	api GET /v1/messages "$(cat T-old)" && test "$(cat status)" = 403 &&
	api GET /v1/messages && test "$(cat status)" = 403 &&
	api GET /v1/events && test "$(cat status)" = 403 &&
	log="$TRASH/peer-gw/log" &&
	grep "403.*forged token" "$log" && grep "403.*expired token" "$log" && grep "403.*no token" "$log" &&
	! grep -F -e "$T" -e "$forged" -e "$forged2" -e "$(cat T-old)" "$log" &&
	test -z "$(ls spool/new)"
'

test_expect_success 'malformed JSON and wrong types: 400; too much: 413; unknown paths 404, methods 405' '
	api POST /v1/messages "$(cat T)" "{\"text\":" && test "$(cat status)" = 400 &&
	api POST /v1/messages "$(cat T)" "{\"text\":5}" && test "$(cat status)" = 400 &&
	api POST /v1/messages "$(cat T)" "[\"text\"]" && test "$(cat status)" = 400 &&
	api POST /v1/messages "$(cat T)" "{\"text\":\"\"}" && test "$(cat status)" = 400 &&
	api POST /v1/visitors "" "{\"name\":[1]}" && test "$(cat status)" = 400 &&
	python3 -c "print(\"{\\\"text\\\":\\\"\" + \"я\"*4097 + \"\\\"}\")" >long.json &&
	curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $(cat T)" \
		--data-binary @long.json "$(GW)/v1/messages" >status && test "$(cat status)" = 413 &&
	python3 -c "print(\"{\\\"text\\\":\\\"\" + \"x\"*1048576 + \"\\\"}\")" >big.json &&
	curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $(cat T)" \
		--data-binary @big.json "$(GW)/v1/messages" >status && test "$(cat status)" = 413 &&
	api GET /v1/nothing && test "$(cat status)" = 404 &&
	api GET /../../etc/passwd && test "$(cat status)" = 404 &&
	api DELETE /v1/messages "$(cat T)" && test "$(cat status)" = 405 &&
	api GET /v1/visitors && test "$(cat status)" = 405 &&
	test -z "$(ls spool/new)" && test -z "$(ls spool/tmp)"
'

test_expect_success 'CORS: only the configured origins, preflight answered' '
	curl -s -D h -o /dev/null -X OPTIONS -H "Origin: https://www.shop.example" \
		-H "Access-Control-Request-Method: POST" "$(GW)/v1/messages" &&
	grep -i "^access-control-allow-origin: https://www.shop.example" h &&
	grep -i "^access-control-allow-headers:.*authorization" h &&
	curl -s -D h -o /dev/null -X OPTIONS -H "Origin: https://evil.example" "$(GW)/v1/messages" &&
	! grep -i "^access-control-allow-origin" h &&
	curl -s -D h -o /dev/null -H "Origin: https://shop.example" -H "Authorization: Bearer $(cat T)" "$(GW)/v1/messages" &&
	grep -i "^access-control-allow-origin: https://shop.example" h
'

test_expect_success 'SIGTERM while a message is on its way: it is answered, kept, and the gateway exits 0' '
	curl -s -N -H "Authorization: Bearer $(cat T)" "$(GW)/v1/events" >events4 &
	pid=$(cat "$TRASH/peer-gw/pid") &&
	for _ in $(seq 100); do grep -q "^:" events4 && break; sleep 0.05; done &&
	python3 - "$(GW)" "$(cat T)" $pid >inflight <<-\PY &&
	import os, signal, socket, sys, time
	url, token, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
	host, port = url[len("http://"):].split(":")
	body = "{\"text\":\"Последнее сообщение\"}".encode()
	s = socket.create_connection((host, int(port)))
	s.sendall(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
	           "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (token, len(body))).encode())
	s.sendall(body[:10])
	time.sleep(0.3)
	os.kill(pid, signal.SIGTERM)
	time.sleep(0.5)
	s.sendall(body[10:])
	print(s.recv(4096).decode().split("\r\n")[0])
	PY
	grep "^HTTP/1.1 201" inflight &&
	for _ in $(seq 100); do [ -s "$TRASH/peer-gw/rc" ] && break; sleep 0.05; done &&
	test "$(cat "$TRASH/peer-gw/rc")" = 0 &&
	test_must_fail curl -s -o /dev/null "$(GW)/v1/visitors" &&
	grep -l "Последнее сообщение" spool/new/* &&
	dlg -C s fetch >D2 && test "$(cat D2)" = "$(cat D)"
'

test_expect_success 'usage errors' '
	test_exit_code 2 dlg -C s chat serve 2>err && grep "needs --channel" err &&
	test_exit_code 2 dlg -C s chat serve --channel site --listen nowhere 2>err &&
	grep "ADDR:PORT" err &&
	test_exit_code 1 dlg -C s chat serve --channel nope 2>err && grep "nope" err &&
	test_exit_code 2 dlg -C s chat 2>err &&
	dlg chat serve -h >out && grep "usage: dlg chat serve" out
'

test_expect_success 'only chat serve loads libmicrohttpd: no other command pays for GnuTLS' '
	! ldd "$SRCDIR/dlg" | grep -i -e microhttpd -e gnutls &&
	DLG_LIBMICROHTTPD=/nonexistent/libmicrohttpd.so test_exit_code 1 \
		dlg -C s chat serve --channel site 2>err &&
	grep "cannot load libmicrohttpd" err
'

test_done
