#!/bin/bash
# Facebook Messenger against a local Graph API peer (tests/peers/facebook.py):
# conversations in (paged), the Send API out, the 24-hour window, and no
# message lost or doubled under 500, rate limits and malformed answers.
. "$(dirname "$0")/lib.sh"

customer() { # PSID NAME TEXT
	peer_ctl /_ctl/message "{\"psid\": \"$1\", \"name\": \"$2\", \"text\": \"$3\"}" >/dev/null
}

start_peer facebook

test_expect_success 'setup: a store and the peer' '
	test -n "$PEER" && dlg init -q s && echo EAAB-TESTTOKEN >tok &&
	test_exit_code 1 dlg -C s channel add fb --type facebook --token-file tok 2>err &&
	grep "needs --page-id" err &&
	dlg -C s channel add fb --type facebook --api-url "$PEER/v19.0" --page-id 777 --token-file tok --timeout 2
'

test_expect_success 'fetch: text and a photo from the page inbox; the user card' '
	customer 9001 "Léa Martin" "Bonjour ! Où est ma commande ?" &&
	peer_ctl /_ctl/message "{\"psid\": \"9001\", \"name\": \"Léa Martin\", \"text\": \"la boîte\", \"attachment\": {\"name\": \"box.png\", \"mime_type\": \"image/png\", \"content_base64\": \"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\"}}" >/dev/null &&
	dlg -C s fetch >ids && test_line_count = ids 1 && D=$(cat ids) && echo $D >D &&
	peer_requests >req && head -1 req >first &&
	echo "GET /777/conversations fields=participants,updated_time limit=25 platform=messenger" >expect &&
	test_cmp expect first &&
	grep "^GET /t_1/messages fields=id,message,from,to,created_time,attachments limit=25$" req &&
	dlg -C s show --json $D >show && grep "\"name\":\"box.png\",\"type\":\"image/png\"" show &&
	grep "Où est ma commande" show &&
	dlg -C s user show facebook:9001 >card && grep "^name: *Léa Martin" card && grep "^facebook: *9001" card
'

test_expect_success 'fetch: nothing new makes no commit and downloads nothing again' '
	head=$(git -C s rev-parse HEAD) && before=$(grep -c "GET /cdn" "$PEER_DIR/requests.jsonl") &&
	dlg -C s fetch >out && test ! -s out && test "$(git -C s rev-parse HEAD)" = "$head" &&
	test "$(grep -c "GET /cdn" "$PEER_DIR/requests.jsonl")" = $before
'

test_expect_success 'send: text by the Send API, RESPONSE, to the PSID; a file as filedata' '
	D=$(cat D) &&
	dlg -C s reply -m "Bonjour Léa ! Elle part demain 📦" --send $D >out && grep "^$D sent fb m_" out &&
	peer_requests | tail -1 >last &&
	# (the peer writes JSON values back with its own spacing)
	echo "POST /777/messages message={\"text\": \"Bonjour Léa ! Elle part demain 📦\"} messaging_type=RESPONSE recipient={\"id\": \"9001\"}" >expect &&
	test_cmp expect last &&
	printf "%%PDF-1.4 facture" >facture.pdf &&
	dlg -C s reply -a facture.pdf --send $D >out && grep "sent fb" out &&
	peer_requests | tail -1 | grep "^POST /777/messages .*messaging_type=RESPONSE .*file:filedata=facture.pdf$" &&
	peer_ctl /_ctl/sent | grep "\"sha256\": \"$(sha256sum facture.pdf | cut -d" " -f1)\"" &&
	test ! -d s/outbox
'

test_expect_success 'send: 500, a rate limit and a malformed answer are retried; sent once' '
	D=$(cat D) && n=$(peer_sent_count) &&
	peer_ctl /_ctl/fail "{\"path\": \"POST /777/messages\", \"mode\": \"500\"}" &&
	peer_ctl /_ctl/fail "{\"path\": \"POST /777/messages\", \"mode\": \"rate\"}" &&
	peer_ctl /_ctl/fail "{\"path\": \"POST /777/messages\", \"mode\": \"malformed\"}" &&
	dlg -C s reply -m "Encore une fois" $D &&
	test_exit_code 1 dlg -C s send 2>err && grep "Facebook error 1: " err && grep "next attempt" err &&
	test_exit_code 1 dlg -C s send -f 2>err && grep "Facebook error 613" err &&
	test_exit_code 1 dlg -C s send -f 2>err && grep "malformed answer from Facebook" err &&
	test "$(peer_sent_count)" = $n &&
	dlg -C s send -f >out && grep "sent fb" out && test "$(peer_sent_count)" = $((n + 1))
'

test_expect_success 'send: outside the 24-hour window fails for good, clearly' '
	D=$(cat D) && n=$(peer_sent_count) &&
	peer_ctl /_ctl/clock "{\"advance\": 90000}" >/dev/null &&
	dlg -C s reply -m "Trop tard" $D &&
	test_exit_code 1 dlg -C s send 2>err && grep "outside Messenger.s 24-hour window" err &&
	! grep "next attempt" err && test ! -d s/outbox && test "$(peer_sent_count)" = $n &&
	peer_ctl /_ctl/clock "{\"now\": null}" >/dev/null
'

test_expect_success 'fetch: a failing listing changes nothing; conversations are paged' '
	head=$(git -C s rev-parse HEAD) && cursor=$(cat s/.git/dlg/cursors/fb) &&
	customer 9002 "Marc" "Premier" &&
	peer_ctl /_ctl/fail "{\"path\": \"GET /777/conversations\", \"mode\": \"500\"}" &&
	test_exit_code 1 dlg -C s fetch 2>err && grep "listing conversations: Facebook error 1" err &&
	test "$(git -C s rev-parse HEAD)" = "$head" && test "$(cat s/.git/dlg/cursors/fb)" = "$cursor" &&
	for i in $(seq 30); do customer 80$i "Client $i" "Question $i" || exit 1; done &&
	dlg -C s fetch >ids && test_line_count = ids 31 &&
	peer_requests | tail -40 | grep "^GET /777/conversations after=[^ ]* fields=participants,updated_time limit=25 platform=messenger$"
'

test_expect_success 'every customer message is in the store exactly once' '
	grep -h "^X-Dlg-Channel-Message:" s/dialogs/*/*/*/cur/* | sort | uniq -d >dups && test ! -s dups &&
	grep -l "^X-Dlg-Direction: in" s/dialogs/*/*/*/cur/* >in && test_line_count = in 33
'

test_done
