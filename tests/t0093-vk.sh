#!/bin/bash
# VK against a local API peer (tests/peers/vk.py): Bots Long Poll in with its
# failures 1, 2 and 3, messages.send out with a random_id that makes a
# repeated send harmless, documents both ways, and retries.
. "$(dirname "$0")/lib.sh"

customer() { # TEXT
	peer_ctl /_ctl/message "{\"from_id\": 424242, \"text\": \"$1\"}" >/dev/null
}

start_peer vk

test_expect_success 'setup: the channel, and a first fetch that finds the long poll' '
	test -n "$PEER" && dlg init -q s && echo vk1.a.TESTTOKEN >tok &&
	dlg -C s channel add vk --type vk --api-url "$PEER" --group-id 777 --token-file tok --timeout 2 &&
	dlg -C s fetch >out && test ! -s out &&
	peer_requests >req && grep "^groups.getLongPollServer group_id=777 v=5.199$" req &&
	grep "^lp act=a_check key=[^ ]* ts=1 wait=0$" req &&
	test -s s/.git/dlg/cursors/vk && test $(git -C s rev-list --count HEAD) = 2
'

test_expect_success 'fetch: text, a document and a photo; users.get fills the card' '
	peer_ctl /_ctl/user "{\"id\": 424242, \"first_name\": \"Олег\", \"last_name\": \"Соколов\", \"screen_name\": \"oleg_s\"}" &&
	customer "Добрый день! Где мой заказ?" &&
	printf "чек 123" >receipt.txt &&
	peer_ctl /_ctl/message "{\"from_id\": 424242, \"text\": \"чек\", \"doc\": {\"title\": \"receipt.txt\", \"ext\": \"txt\", \"content_base64\": \"$(base64 -w0 receipt.txt)\"}}" &&
	peer_ctl /_ctl/message "{\"from_id\": 424242, \"photo\": true}" &&
	dlg -C s fetch >ids && test_line_count = ids 1 && D=$(cat ids) && echo $D >D &&
	peer_requests >req && grep -c "^users.get fields=screen_name user_ids=424242 v=5.199$" req >n && test "$(cat n)" = 1 &&
	test $(ls s/dialogs/*/*/$D/cur | wc -l) = 3 &&
	dlg -C s show --json $D >show && grep "\"name\":\"receipt.txt\"" show && grep "\"type\":\"image/jpeg\"" show &&
	dlg -C s user show vk:424242 >card && grep "^name: *Олег Соколов" card && grep "username = oleg_s" card &&
	cursor=$(cat s/.git/dlg/cursors/vk) && test "${cursor%% *}" = 4
'

test_expect_success 'send: messages.send with peer_id and a random_id from the message key' '
	D=$(cat D) &&
	dlg -C s reply -m "Олег, заказ в пути 🚚" --send $D >out && grep "^$D sent vk 424242:[0-9]*$" out &&
	peer_requests | tail -1 >last &&
	grep "^messages.send message=Олег, заказ в пути 🚚 peer_id=424242 random_id=[0-9]* v=5.199$" last &&
	key=$(ls s/dialogs/*/*/$D/cur | grep ":2,S$" | tail -1 | cut -d. -f2 | cut -d: -f1) &&
	test "$(sed "s/.*random_id=\([0-9]*\).*/\1/" last)" = $(( 0x${key:0:8} & 0x7fffffff ))
'

test_expect_success 'send: a send repeated after a crash is not shown twice (random_id)' '
	D=$(cat D) && n=$(peer_sent_count) &&
	# the branch as it was before the "sent" commit: as if dlg died after VK took it
	git -C s update-ref refs/heads/main HEAD~1 &&
	test $(ls s/outbox 2>/dev/null | wc -l) = 0 && dlg -C s list >/dev/null && test $(ls s/outbox | wc -l) = 1 &&
	dlg -C s send >out && grep "sent vk" out &&
	test "$(peer_sent_count)" = $n &&
	tail -1 "$PEER_DIR/requests.jsonl" | grep "\"duplicate\": true"
'

test_expect_success 'send: a document: upload server, upload, docs.save, then the message' '
	D=$(cat D) &&
	head -c 50000 /dev/urandom >scan.bin &&
	dlg -C s reply -a scan.bin --send $D >out && grep "sent vk" out &&
	peer_requests | tail -4 >last &&
	sed -n 1p last | grep "^docs.getMessagesUploadServer peer_id=424242 type=doc v=5.199$" &&
	sed -n 2p last | grep "^upload file:file=scan.bin$" &&
	sed -n 3p last | grep "^docs.save file=.*|.* title=scan.bin v=5.199$" &&
	sed -n 4p last | grep "^messages.send attachment=doc-777_[0-9]* message= peer_id=424242 random_id=" &&
	peer_ctl /_ctl/sent | grep "\"sha256\": \"$(sha256sum scan.bin | cut -d" " -f1)\""
'

test_expect_success 'send: error 6, HTTP 500, malformed JSON and a hang are retried; sent once' '
	D=$(cat D) && n=$(peer_sent_count) &&
	for mode in error6 500 malformed hang; do
		peer_ctl /_ctl/fail "{\"method\": \"messages.send\", \"mode\": \"$mode\", \"hang_seconds\": 10}" || exit 1
	done &&
	dlg -C s reply -m "Повтор" $D &&
	test_exit_code 1 dlg -C s send 2>err && grep "VK error 6" err && grep "next attempt" err &&
	test_exit_code 1 dlg -C s send -f 2>err && grep "HTTP 500 from VK" err &&
	test_exit_code 1 dlg -C s send -f 2>err && grep "malformed answer from VK" err &&
	test_exit_code 1 dlg -C s send -f 2>err && grep "Timeout" err &&
	test "$(peer_sent_count)" = $n &&
	dlg -C s send -f >out && grep "sent vk" out && test "$(peer_sent_count)" = $((n + 1))
'

test_expect_success 'send: a refusal (error 7) is final' '
	D=$(cat D) &&
	peer_ctl /_ctl/fail "{\"method\": \"messages.send\", \"mode\": \"error7\"}" &&
	dlg -C s reply -m "Нельзя" $D &&
	test_exit_code 1 dlg -C s send 2>err && grep "VK error 7" err && ! grep "next attempt" err &&
	test ! -d s/outbox
'

test_expect_success 'fetch: an expired key (failed 2) gets a new one and loses nothing' '
	D=$(cat D) &&
	customer "После смены ключа" &&
	peer_ctl /_ctl/lp_fail "{\"failed\": 2}" &&
	dlg -C s fetch >ids && test "$(cat ids)" = $D &&
	peer_requests | tail -3 | grep "^groups.getLongPollServer" &&
	grep -l "После смены ключа" s/dialogs/*/*/$D/cur/* >hits && test_line_count = hits 1
'

test_expect_success 'fetch: failed 1 and failed 3 go on, with a warning' '
	peer_ctl /_ctl/lp_fail "{\"failed\": 1}" &&
	dlg -C s fetch 2>err && grep "warning: vk: VK lost part of the event history" err &&
	peer_ctl /_ctl/lp_fail "{\"failed\": 3}" &&
	dlg -C s fetch 2>err && grep "warning: vk: VK lost the long poll.s position" err &&
	customer "После failed 3" && dlg -C s fetch >ids && test "$(cat ids)" = "$(cat D)"
'

test_expect_success 'fetch: a malformed or failing poll changes nothing; then the message comes once' '
	D=$(cat D) && head=$(git -C s rev-parse HEAD) && cursor=$(cat s/.git/dlg/cursors/vk) &&
	customer "После сбоя" &&
	peer_ctl /_ctl/fail "{\"method\": \"lp\", \"mode\": \"malformed\"}" &&
	test_exit_code 1 dlg -C s fetch 2>err && grep "long poll: malformed answer from VK" err &&
	test "$(git -C s rev-parse HEAD)" = "$head" && test "$(cat s/.git/dlg/cursors/vk)" = "$cursor" &&
	dlg -C s fetch >ids && test "$(cat ids)" = $D &&
	echo "$cursor" >s/.git/dlg/cursors/vk && head=$(git -C s rev-parse HEAD) &&
	dlg -C s fetch >again && test ! -s again && test "$(git -C s rev-parse HEAD)" = "$head" &&
	grep -l "После сбоя" s/dialogs/*/*/$D/cur/* >hits && test_line_count = hits 1
'

test_expect_success 'no customer message is in the store twice' '
	grep -h "^X-Dlg-Channel-Message:" s/dialogs/*/*/*/cur/* | sort | uniq -d >dups && test ! -s dups
'

test_done
