#!/bin/sh
# dlg chat serve's uploads, limits and operations: multipart posts with a
# file, pop-up answers, rate limits, --trust-proxy, concurrent posts, 1200
# event streams, and the key file that dlg channel rm takes away.
. "$(dirname "$0")/lib.sh"

GW() { cat "$TRASH/peer-gw/url"; }
LOG() { cat "$TRASH/peer-gw/log"; }
# visitor [CURL-OPTION...]: a new visitor's token on stdout
visitor() {
	curl -s -X POST "$@" -d '{}' "$(GW)/v1/visitors" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['token'])"
}
# post TOKEN CURL-OPTION...: the status on stdout, the body in ./body
post() {
	t=$1; shift
	curl -s -o body -w '%{http_code}' -H "Authorization: Bearer $t" "$@" "$(GW)/v1/messages"
}
# raw TOKEN BOUNDARY-PARAM FILE: FILE posted as multipart/form-data as it is
raw() {
	post "$1" -H "Content-Type: multipart/form-data; $2" --data-binary "@$3"
}
spool_json() { # FILE: the spool file holding TEXT, as one line of JSON
	grep -l "$1" spool/new/*
}

trap stop_peers EXIT
dlg init -q s && mkdir spool &&
dlg -C s channel add site --type chat --spool "$PWD/spool" --visitor-rate 1000/s --address-rate 1000/s &&
start_gateway gw

test_expect_success 'multipart: a text and a file reach dlg fetch as one dialog with the file' '
	T=$(visitor) && echo "$T" >T &&
	printf "\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\10\6\0\0\0\37\25\304\211" >photo.png &&
	head -c 3000 /dev/urandom >>photo.png &&
	test "$(post "$T" -F "text=Вот чек 🧾" -F "page=https://shop.example/cart" \
		-F "name=Анна" -F "file=@photo.png;type=text/plain;filename=чек.png")" = 201 &&
	grep "\"id\":\"g-" body &&
	test "$(ls spool/new | wc -l)" = 1 && test -z "$(ls spool/tmp)" &&
	python3 -c "import json,glob; m=json.load(open(glob.glob(\"spool/new/*\")[0])); a=m[\"attachments\"]; \
		assert len(a)==1 and a[0][\"type\"]==\"image/png\" and a[0][\"name\"]==\"чек.png\", a; \
		assert m[\"text\"]==\"Вот чек 🧾\" and m[\"source\"]==\"chat\", m" &&
	dlg -C s fetch >D && test_line_count = D 1 &&
	dlg -C s show $(cat D) >show && grep "Вот чек 🧾" show && grep "Анна" show &&
	dlg -C s attachment $(cat D) >list && grep "чек.png" list &&
	dlg -C s attachment -o got.png $(cat D) 1 && cmp photo.png got.png
'

test_expect_success 'a file alone, no text, is a message too; an empty file field is no file' '
	printf "just bytes" >note.txt &&
	test "$(post "$(cat T)" -F "file=@note.txt")" = 201 &&
	test "$(post "$(cat T)" -F "text=и без файла" -F "file=@/dev/null;filename=")" = 201 &&
	f=$(spool_json "и без файла") && ! grep attachments "$f" &&
	dlg -C s fetch >D2 && test "$(sort -u D2)" = "$(cat D)"
'

test_expect_success 'a file of 2 MiB exactly is taken; 2 MiB and one byte get 413' '
	head -c 2097152 /dev/urandom >two.bin && head -c 2097153 /dev/urandom >over.bin &&
	test "$(post "$(cat T)" -F "text=ровно два" -F "file=@two.bin")" = 201 &&
	test "$(post "$(cat T)" -F "text=больше" -F "file=@over.bin")" = 413 &&
	grep "\"error\":\"the file is larger than 2 MB\"" body &&
	head -c 3000000 /dev/urandom >big.bin &&
	test "$(post "$(cat T)" -F "file=@big.bin")" = 413 &&
	grep "the file is larger than 2 MB" body &&
	! grep -l "больше" spool/new/* && test -z "$(ls spool/tmp)" &&
	dlg -C s fetch >/dev/null
'

test_expect_success 'a body without Content-Length that grows past the limit gets 413, or is cut off' '
	head -c 2300000 /dev/urandom >huge.bin && head -c 100000 /dev/urandom >100k.bin &&
	test "$(post "$(cat T)" -H "Transfer-Encoding: chunked" -F "file=@huge.bin")" = 413 &&
	grep "the file is larger than 2 MB" body &&
	test "$(post "$(cat T)" -H "Transfer-Encoding: chunked" -H "Content-Type: application/json" \
		--data-binary @100k.bin)" = 413 &&
	grep "the body is too large" body &&
	: twice the limit and more: the connection is closed, the gateway goes on &&
	test_must_fail curl -s -o /dev/null -H "Authorization: Bearer $(cat T)" -H "Transfer-Encoding: chunked" \
		-H "Content-Type: application/json" --data-binary @huge.bin "$(GW)/v1/messages" &&
	test "$(post "$(cat T)" -d "{\"text\":\"still here\"}")" = 201 &&
	dlg -C s fetch >/dev/null && test -z "$(ls spool/tmp)"
'

test_expect_success 'two files, no text and no file, a field that is not text: 400' '
	test "$(post "$(cat T)" -F "text=два" -F "file=@note.txt" -F "file=@photo.png")" = 400 &&
	grep "error" body &&
	test "$(post "$(cat T)" -F "page=https://shop.example/")" = 400 &&
	printf "\377\376" >bad.txt &&
	test "$(post "$(cat T)" -F "text=<bad.txt")" = 400 &&
	test "$(post "$(cat T)" -F "text=a" -F "text=b")" = 400 &&
	test -z "$(ls spool/new)"
'

test_expect_success 'malformed multipart: no closing boundary, no boundary, bad disposition: 400' '
	printf -- "--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nоборвано\r\n" >open.txt &&
	test "$(raw "$(cat T)" boundary=XX open.txt)" = 400 && grep "closing delimiter" body &&
	printf -- "--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nбез границы\r\n--XX--\r\n" >ok.txt &&
	test "$(raw "$(cat T)" charset=utf-8 ok.txt)" = 400 && grep "boundary" body &&
	printf -- "--XX\r\nContent-Disposition: attachment; name=\"text\"\r\n\r\nне то\r\n--XX--\r\n" >disp.txt &&
	test "$(raw "$(cat T)" boundary=XX disp.txt)" = 400 && grep "disposition" body &&
	test "$(raw "$(cat T)" boundary=XX ok.txt)" = 201 &&
	test "$(ls spool/new | wc -l)" = 1 && dlg -C s fetch >/dev/null
'

test_expect_success 'a pop-up answer, as JSON or multipart, is source popup with its id in the spool' '
	test "$(post "$(cat T)" -H "Content-Type: application/json" \
		-d "{\"text\":\"Да, хочу скидку\",\"popup\":\"sale-1\"}")" = 201 &&
	f=$(spool_json "Да, хочу скидку") &&
	grep "\"source\":\"popup\"" "$f" && grep "\"popup\":\"sale-1\"" "$f" &&
	test "$(post "$(cat T)" -F "text=И ещё" -F "popup=sale-2")" = 201 &&
	f=$(spool_json "И ещё") && grep "\"source\":\"popup\"" "$f" && grep "\"popup\":\"sale-2\"" "$f" &&
	test "$(post "$(cat T)" -H "Content-Type: application/json" -d "{\"text\":\"x\",\"popup\":7}")" = 400 &&
	dlg -C s fetch >D3 && test_line_count = D3 1 &&
	grep -h "^X-Dlg-Popup: sale-1$" s/dialogs/*/*/$(cat D3)/cur/*
'

test_expect_success 'rate limits: 429 with Retry-After, one log line without the token, then taken again' '
	dlg -C s config channel.site.visitor-rate 60/min,3 &&
	dlg -C s config channel.site.address-rate 60/min,6 &&
	kill $(cat "$TRASH/peer-gw/pid") && start_gateway gw &&
	T=$(visitor) &&
	: the burst of 3, then 429: a slow machine may earn a token back meanwhile &&
	taken=0 && for i in $(seq 10); do
		curl -s -D h -o body -H "Authorization: Bearer $T" -d "{\"text\":\"$i\"}" "$(GW)/v1/messages" &&
		if head -1 h | grep -q " 201 "; then taken=$((taken + 1)); else break; fi
	done &&
	test $taken -ge 3 && test $taken -lt 10 &&
	head -1 h | grep " 429 " && grep -i "^retry-after: 1" h && grep "error" body &&
	LOG | grep "429 POST /v1/messages from 127.0.0.1" && ! LOG | grep -F "$T" &&
	sleep 1.1 && test "$(post "$T" -d "{\"text\":\"again\"}")" = 201 &&
	test "$(ls spool/new | wc -l)" = $((taken + 1)) &&
	: the address: 6 requests at once, then 429 for a new visitor &&
	for i in $(seq 8); do
		curl -s -D h -o body -X POST -d "{}" "$(GW)/v1/visitors" && head -1 h | grep -q " 429 " && break
	done &&
	head -1 h | grep " 429 " && grep -i "^retry-after: 1" h &&
	LOG | grep "429 POST /v1/visitors from 127.0.0.1: too many requests from one address" &&
	sleep 1.1 && curl -s -D h -o body -X POST -d "{}" "$(GW)/v1/visitors" && head -1 h | grep " 201 " &&
	dlg -C s fetch >/dev/null
'

test_expect_success 'without --trust-proxy X-Forwarded-For is ignored; with it its last address counts' '
	for i in 1 2 3 4 5 6 7; do
		curl -s -o /dev/null -w "%{http_code}\n" -X POST -H "X-Forwarded-For: 198.51.100.$i" \
			-d "{}" "$(GW)/v1/visitors" || return 1
	done >codes &&
	grep 429 codes &&
	kill $(cat "$TRASH/peer-gw/pid") && start_gateway gw "" --trust-proxy &&
	for i in 1 2 3 4 5 6 7; do
		curl -s -o /dev/null -w "%{http_code}\n" -X POST -H "X-Forwarded-For: 10.0.0.1, 198.51.100.$i" \
			-d "{}" "$(GW)/v1/visitors" || return 1
	done >codes &&
	! grep 429 codes &&
	for i in 1 2 3 4 5 6 7; do
		curl -s -o /dev/null -w "%{http_code}\n" -X POST -H "X-Forwarded-For: 198.51.100.$i, 203.0.113.9" \
			-d "{}" "$(GW)/v1/visitors" || return 1
	done >codes &&
	grep 429 codes && LOG | grep "429 POST /v1/visitors from 203.0.113.9" &&
	curl -s -o /dev/null -H "X-Forwarded-For: 203.0.113.7" -H "Authorization: Bearer nope" "$(GW)/v1/messages" &&
	LOG | grep "403 GET /v1/messages from 203.0.113.7"
'

test_expect_success 'concurrent posts from 20 clients all land once' '
	dlg -C s config channel.site.visitor-rate off &&
	dlg -C s config channel.site.address-rate off &&
	kill $(cat "$TRASH/peer-gw/pid") && start_gateway gw &&
	python3 - "$(GW)" >ids <<-\PY &&
	import json, sys, threading, urllib.request
	url = sys.argv[1]
	def call(path, body, token=None, files=None):
	    headers = {"Content-Type": "application/json"}
	    if token:
	        headers["Authorization"] = "Bearer " + token
	    if files:
	        b = "dlgtest"
	        body = ("--%s\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n%s\r\n--%s--\r\n"
	                % (b, files, b)).encode()
	        headers["Content-Type"] = "multipart/form-data; boundary=" + b
	    else:
	        body = json.dumps(body).encode()
	    r = urllib.request.urlopen(urllib.request.Request(url + path, body, headers))
	    return r.status, json.load(r)
	ids, errors = [], []
	def client(n):
	    try:
	        _, v = call("/v1/visitors", {})
	        for k in range(15):
	            text = "client %d message %d" % (n, k)
	            status, r = call("/v1/messages", {"text": text}, v["token"], files=text if k % 2 else None)
	            assert status == 201, status
	            ids.append(r["id"])
	    except Exception as e:
	        errors.append(repr(e))
	threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
	for t in threads: t.start()
	for t in threads: t.join()
	assert not errors, errors
	print("\n".join(ids))
	PY
	test_line_count = ids 300 && test "$(sort -u ids | wc -l)" = 300 &&
	test "$(ls spool/new | wc -l)" = 300 && test -z "$(ls spool/tmp)" &&
	for c in $(seq 0 19); do for k in $(seq 0 14); do
		test "$(grep -l "\"client $c message $k\"" spool/new/* | wc -l)" = 1 || return 1
	done; done &&
	dlg -C s fetch >D4 && test_line_count = D4 20 && test -z "$(ls spool/new)"
'

test_expect_success '1200 visitors hold an event stream each (past the 1020 libmicrohttpd takes by default); a message still gets in' '
	ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" &&
	python3 - "$(GW)" $(cat "$TRASH/peer-gw/pid") >streams <<-\PY &&
	import json, socket, sys, time, urllib.request
	url, pid = sys.argv[1], sys.argv[2]
	host, port = url[len("http://"):].split(":")
	def post(path, body, token=None):
	    h = {"Content-Type": "application/json"}
	    if token:
	        h["Authorization"] = "Bearer " + token
	    r = urllib.request.urlopen(urllib.request.Request(url + path, json.dumps(body).encode(), h))
	    return r.status, json.load(r)
	socks = []
	for n in range(1200):
	    _, v = post("/v1/visitors", {})
	    s = socket.create_connection((host, int(port)))
	    s.sendall(("GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % v["token"]).encode())
	    socks.append(s)
	for s in socks:
	    s.settimeout(10)
	    got = b""
	    while b"\r\n\r\n" not in got:
	        got += s.recv(4096)
	    assert got.startswith(b"HTTP/1.1 200"), got[:100]
	status, r = post("/v1/messages", {"text": "while 1200 listen"}, v["token"])
	assert status == 201, status
	st = open("/proc/%s/status" % pid).read()
	rss = [l for l in st.splitlines() if l.startswith(("VmRSS", "Threads"))]
	print("; ".join(" ".join(l.split()) for l in rss))
	for s in socks:
	    s.close()
	PY
	cat streams && grep "Threads: 12[0-9][0-9]" streams &&
	grep -l "while 1200 listen" spool/new/* && dlg -C s fetch >/dev/null
'

test_expect_success 'settings that are not rates are refused, by channel add and at start' '
	test_exit_code 2 dlg -C s channel add site --type chat --visitor-rate fast 2>err &&
	grep "visitor-rate" err &&
	dlg -C s config channel.site.address-rate "10/fortnight" &&
	test_exit_code 1 dlg -C s chat serve --channel site --listen 127.0.0.1:$(free_port) 2>err &&
	grep "address-rate" err &&
	dlg -C s config channel.site.address-rate off
'

test_expect_success 'dlg channel rm of a chat channel removes its key file' '
	test -f s/.git/dlg/secrets/site.chat-key &&
	kill $(cat "$TRASH/peer-gw/pid") &&
	dlg -C s channel rm site &&
	! test -e s/.git/dlg/secrets/site.chat-key
'

test_done
