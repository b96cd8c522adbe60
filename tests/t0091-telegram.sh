#!/bin/bash
# Telegram against a local Bot API peer (tests/peers/telegram.py): the exact
# requests dlg makes, attachments both ways, and no message lost or doubled
# under 500, 429, a hung connection, malformed JSON and a crash before the
# cursor moved.
. "$(dirname "$0")/lib.sh"

TOKEN=123:TESTTOKEN
customer() { # TEXT: Maria writes
	peer_ctl /_ctl/message "{\"chat_id\": 5000000001, \"from\": {\"id\": 5000000001, \"first_name\": \"Мария\", \"last_name\": \"Иванова\", \"username\": \"maria_i\"}, \"text\": \"$1\"}" >/dev/null
}

# Outside any test: a test runs in a subshell, and the peer must outlive it.
start_peer telegram

test_expect_success 'setup: a store and the peer' '
	test -n "$PEER" &&
	dlg init -q s && printf "%s\n" $TOKEN >tok &&
	dlg -C s channel add tg --type telegram --api-url "$PEER" --token-file tok --timeout 2
'

test_expect_success 'fetch: text, a document and a photo; the first getUpdates has no offset' '
	customer "Здравствуйте! Есть подарочная упаковка? 🎁" &&
	printf "%%PDF-1.4 чек" >check.pdf &&
	peer_ctl /_ctl/message "{\"chat_id\": 5000000001, \"from\": {\"id\": 5000000001, \"first_name\": \"Мария\"}, \"caption\": \"чек\", \"document\": {\"file_name\": \"check.pdf\", \"mime_type\": \"application/pdf\", \"content_base64\": \"$(base64 -w0 check.pdf)\"}}" &&
	peer_ctl /_ctl/message "{\"chat_id\": 5000000001, \"from\": {\"id\": 5000000001, \"first_name\": \"Мария\"}, \"photo\": true}" &&
	dlg -C s fetch >ids && test_line_count = ids 1 && D=$(cat ids) && echo $D >D &&
	peer_requests >req &&
	head -1 req >first && echo "getUpdates allowed_updates=[\"message\"] limit=100 timeout=0" >expect &&
	test_cmp expect first &&
	grep -c "^getFile file_id=" req >n && test "$(cat n)" = 2 &&
	grep -c "^download file_path=" req >n && test "$(cat n)" = 2 &&
	test $(ls s/dialogs/*/*/$D/cur | wc -l) = 3 &&
	dlg -C s show --json $D >show &&
	grep "\"name\":\"check.pdf\",\"type\":\"application/pdf\",\"size\":$(stat -c %s check.pdf)" show &&
	grep "\"type\":\"image/jpeg\"" show &&
	grep "Есть подарочная упаковка? 🎁" show &&
	test "$(cat s/.git/dlg/cursors/tg)" = 4
'

test_expect_success 'fetch: the user card has the name, username and id' '
	dlg -C s user show telegram:5000000001 >card &&
	grep "^name: *Мария" card && grep "^telegram: *5000000001" card && grep "username = maria_i" card
'

test_expect_success 'fetch: the next call confirms with offset; nothing new makes no commit' '
	head=$(git -C s rev-parse HEAD) &&
	dlg -C s fetch >out && test ! -s out &&
	test "$(git -C s rev-parse HEAD)" = "$head" &&
	peer_requests | tail -1 >last &&
	echo "getUpdates allowed_updates=[\"message\"] limit=100 offset=4 timeout=0" >expect && test_cmp expect last &&
	peer_ctl /_ctl/state | grep "\"offset_confirmed\": 3"
'

test_expect_success 'send: sendMessage to the chat, threaded under the last message; marked sent' '
	D=$(cat D) &&
	dlg -C s reply -m "Мария, да! Упакуем бесплатно 🎀" --send $D >out &&
	grep "^$D sent tg 5000000001:[0-9]*$" out &&
	peer_requests | tail -1 >last &&
	echo "sendMessage chat_id=5000000001 reply_parameters={\"message_id\":3,\"allow_sending_without_reply\":true} text=Мария, да! Упакуем бесплатно 🎀" >expect &&
	test_cmp expect last &&
	f=$(grep -l "^X-Dlg-Delivery: sent" s/dialogs/*/*/$D/cur/*) &&
	grep "^X-Dlg-Sent-Via: tg$" $f && grep "^X-Dlg-Sent-Id: 5000000001:4$" $f &&
	test ! -d s/outbox && test "$(peer_sent_count)" = 1 &&
	git -C s log -1 --format=%s | grep "^send ${D:0:7}: sent via tg$"
'

test_expect_success 'send: a file goes by sendDocument, bytes intact, the text first' '
	D=$(cat D) &&
	head -c 100000 /dev/urandom >photo.bin &&
	dlg -C s reply -m "Фото упаковки" -a photo.bin $D &&
	dlg -C s send >out && test_line_count = out 2 &&
	peer_requests | tail -2 >last &&
	head -1 last | grep "^sendMessage chat_id=5000000001 " &&
	tail -1 last | grep "^sendDocument chat_id=5000000001 reply_parameters=.* file:document=photo.bin$" &&
	peer_ctl /_ctl/sent >sent &&
	grep "\"sha256\": \"$(sha256sum photo.bin | cut -d" " -f1)\"" sent
'

test_expect_success 'send: HTTP 500 fails with a retry time, then goes exactly once' '
	D=$(cat D) && n=$(peer_sent_count) &&
	peer_ctl /_ctl/fail "{\"method\": \"sendMessage\", \"mode\": \"500\"}" &&
	dlg -C s reply -m "Повтор после 500" $D &&
	test_exit_code 1 dlg -C s send 2>err &&
	grep "failed tg sendMessage: Telegram says 500 Internal Server Error; next attempt after 2026-11-25T10:01:00Z" err &&
	test "$(peer_sent_count)" = $n && test $(ls s/outbox | wc -l) = 1 &&
	f=$(grep -l "^X-Dlg-Delivery: failed" s/dialogs/*/*/$D/cur/*) && grep "^X-Dlg-Attempts: 1$" $f &&
	dlg -C s send >out && grep "waiting until 2026-11-25T10:01:00Z" out &&
	test "$(peer_sent_count)" = $n &&
	DLG_NOW=2026-11-25T10:01:00Z dlg -C s send >out && grep "sent tg" out &&
	test "$(peer_sent_count)" = $((n + 1)) && test ! -d s/outbox &&
	grep "^X-Dlg-Attempts: 2$" $f && grep "^X-Dlg-Delivery: sent$" $f &&
	! grep "^X-Dlg-Error" $f
'

test_expect_success 'send: 429 waits retry_after; --force retries at once' '
	D=$(cat D) && n=$(peer_sent_count) &&
	peer_ctl /_ctl/fail "{\"method\": \"sendMessage\", \"mode\": \"429\", \"retry_after\": 300}" &&
	dlg -C s reply -m "Повтор после 429" $D &&
	test_exit_code 1 dlg -C s send 2>err &&
	grep "Too Many Requests.*next attempt after 2026-11-25T10:05:00Z" err &&
	dlg -C s send --force >out && grep "sent tg" out && test "$(peer_sent_count)" = $((n + 1))
'

test_expect_success 'send: a hung connection times out (2 s) and is retried, not doubled' '
	D=$(cat D) && n=$(peer_sent_count) &&
	peer_ctl /_ctl/fail "{\"method\": \"sendMessage\", \"mode\": \"hang\", \"hang_seconds\": 20}" &&
	dlg -C s reply -m "Повтор после тишины" $D &&
	start=$(date +%s) &&
	test_exit_code 1 dlg -C s send 2>err && test $(( $(date +%s) - start )) -lt 15 &&
	grep "failed tg .*Timeout" err && ! grep "$TOKEN" err &&
	test "$(peer_sent_count)" = $n &&
	dlg -C s send -f >out && test "$(peer_sent_count)" = $((n + 1))
'

test_expect_success 'send: 403 (bot blocked) is final: out of the outbox, shown as failed' '
	D=$(cat D) && n=$(peer_sent_count) &&
	peer_ctl /_ctl/fail "{\"method\": \"sendMessage\", \"mode\": \"403\"}" &&
	dlg -C s reply -m "Не дойдёт" $D &&
	test_exit_code 1 dlg -C s send 2>err && grep "failed tg .*403 Forbidden: bot was blocked" err &&
	! grep "next attempt" err && test ! -d s/outbox &&
	dlg -C s send >out && test ! -s out && test "$(peer_sent_count)" = $n &&
	dlg -C s show $D >show && grep "out, failed" show &&
	grep "(sendMessage: Telegram says 403 Forbidden: bot was blocked by the user; not retried)" show &&
	grep "out, sent through tg" show &&
	dlg -C s show --json $D | grep "\"delivery\":\"failed\",\"error\":\"sendMessage: Telegram says 403"
'

test_expect_success 'fetch: malformed JSON changes nothing; the next fetch brings the message once' '
	D=$(cat D) && head=$(git -C s rev-parse HEAD) &&
	customer "Первое после сбоя" &&
	peer_ctl /_ctl/fail "{\"method\": \"getUpdates\", \"mode\": \"malformed\"}" &&
	test_exit_code 1 dlg -C s fetch 2>err && grep "malformed answer from Telegram" err &&
	test "$(git -C s rev-parse HEAD)" = "$head" && test "$(cat s/.git/dlg/cursors/tg)" = 4 &&
	dlg -C s fetch >ids && test "$(cat ids)" = $D &&
	grep -l "Первое после сбоя" s/dialogs/*/*/$D/cur/* >hits && test_line_count = hits 1
'

test_expect_success 'fetch: a crash before the cursor moved re-reads without duplicates' '
	D=$(cat D) &&
	customer "Второе после сбоя" &&
	dlg -C s fetch >ids && test "$(cat ids)" = $D &&
	echo 4 >s/.git/dlg/cursors/tg && head=$(git -C s rev-parse HEAD) &&
	dlg -C s fetch >again && test ! -s again &&
	test "$(git -C s rev-parse HEAD)" = "$head" &&
	for t in "Первое после сбоя" "Второе после сбоя"; do
		grep -l "$t" s/dialogs/*/*/$D/cur/* >hits && test_line_count = hits 1 || exit 1
	done
'

test_expect_success 'fetch: an unreachable API and a 500 fail clearly, the token never shown' '
	head=$(git -C s rev-parse HEAD) &&
	peer_ctl /_ctl/fail "{\"method\": \"getUpdates\", \"mode\": \"500\"}" &&
	test_exit_code 1 dlg -C s fetch 2>err && grep "getUpdates: Telegram says 500" err &&
	dlg -C s channel add tg2 --type telegram --api-url http://127.0.0.1:9 --token-file tok &&
	test_exit_code 1 dlg -C s fetch tg2 2>err &&
	grep "dlg: fetch: http://127.0.0.1:9/…/getUpdates: Couldn.t connect" err && ! grep TESTTOKEN err &&
	DLG_SECRET_TG2= dlg -C s channel rm tg2 &&
	test_exit_code 1 dlg -C s fetch tg2 2>err && grep "no channel .tg2." err
'

test_expect_success 'send: a text over 4096 characters fails at once, without a request' '
	D=$(cat D) && n=$(wc -l <"$PEER_DIR/requests.jsonl") &&
	head -c 4097 /dev/zero | tr "\\0" x >long &&
	dlg -C s reply -F long $D &&
	test_exit_code 1 dlg -C s send 2>err &&
	grep "^dlg: send: $D failed tg longer than Telegram.s 4096 characters" err &&
	test "$(wc -l <"$PEER_DIR/requests.jsonl")" = $n
'

test_expect_success 'notes never leave the store' '
	D=$(cat D) && n=$(wc -l <"$PEER_DIR/requests.jsonl") &&
	dlg -C s note -m "internal: VIP, do not send" $D &&
	dlg -C s send >out && test ! -s out && test ! -d s/outbox &&
	test "$(wc -l <"$PEER_DIR/requests.jsonl")" = $n &&
	! grep -r "do not send" "$PEER_DIR"
'

test_expect_success 'every customer message is in the store exactly once' '
	D=$(cat D) &&
	grep -l "^X-Dlg-Direction: in" s/dialogs/*/*/$D/cur/* >in && test_line_count = in 5 &&
	grep -h "^X-Dlg-Channel-Message:" $(cat in) | sort | uniq -d >dups && test ! -s dups
'

test_done
