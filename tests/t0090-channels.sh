#!/bin/bash
# Channel configuration and secrets; the website chat spool end to end;
# import --json; reply --attach; send's routing and its outbox.
. "$(dirname "$0")/lib.sh"

# A visitor message as the site's backend writes it: tmp/ first, then new/.
spool_drop() { # FILE JSON
	printf '%s\n' "$2" >spool/tmp/"$1" && mv spool/tmp/"$1" spool/new/"$1"
}

test_expect_success 'channel add: settings versioned, listed, validated' '
	dlg init -q s && mkdir -p spool/new spool/tmp &&
	dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	dlg -C s channel list >out &&
	grep "^site  *chat  *spool=$PWD/spool" out &&
	git -C s show HEAD:config >cfg &&
	printf "channel.site.spool=%s\nchannel.site.type=chat\n" "$PWD/spool" >expect &&
	test_cmp expect cfg &&
	git -C s log -1 --format=%s >msg && echo "channel add site (chat)" >expect && test_cmp expect msg &&
	dlg -C s channel list --json | grep "\"name\":\"site\",\"type\":\"chat\"" &&
	test_exit_code 2 dlg -C s channel add Bad_Name --type chat --spool x 2>err &&
	grep "not a channel name" err &&
	test_exit_code 2 dlg -C s channel add x --type fax 2>err && grep "unknown channel type" err &&
	test_exit_code 1 dlg -C s channel add x --type chat 2>err && grep "needs --spool" err &&
	test_exit_code 2 dlg -C s channel add x --type chat --group-id 5 --spool y 2>err &&
	grep "does not apply to chat" err &&
	test_exit_code 1 dlg -C s channel add site --type telegram 2>err && grep "is of type chat" err
'

test_expect_success 'secrets: mode 0600 outside the tree, never in any commit' '
	printf "123:SECRETTOKEN-abc\n" >tok && printf "hunter2-mail-pass\n" >pw &&
	dlg -C s channel add tg --type telegram --token-file tok --api-url http://127.0.0.1:9 &&
	dlg -C s channel add mail --type email --address support@shop.example \
		--imap imap://127.0.0.1:9/INBOX --user support --password-file - <pw &&
	test "$(stat -c %a s/.git/dlg/secrets/tg)" = 600 &&
	test "$(stat -c %a s/.git/dlg/secrets)" = 700 &&
	test "$(cat s/.git/dlg/secrets/tg)" = "123:SECRETTOKEN-abc" &&
	dlg -C s channel list >out && grep "^tg .*(secret set)" out &&
	! grep SECRETTOKEN out &&
	# every object of every commit, and the view
	git -C s rev-list --all --objects | cut -d" " -f1 |
		git -C s cat-file --batch >all && test -s all &&
	! grep -a "SECRETTOKEN\|hunter2" all &&
	! grep -r "SECRETTOKEN\|hunter2" s --exclude-dir=.git &&
	test_exit_code 2 dlg -C s channel add tg2 --type telegram --password-file tok 2>err &&
	grep "take --token-file" err &&
	test_exit_code 1 dlg -C s channel add tg2 --type telegram --token-file /dev/null 2>err &&
	grep "is empty" err
'

test_expect_success 'channel rm: settings and secret go' '
	dlg -C s channel rm mail &&
	! grep "channel.mail" s/config &&
	test ! -e s/.git/dlg/secrets/mail &&
	test_exit_code 1 dlg -C s channel rm mail 2>err && grep "no channel .mail." err &&
	dlg -C s channel rm tg
'

test_expect_success 'chat: fetch takes new/ files, ignores tmp/, moves them to cur/' '
	spool_drop 0001.json "{\"id\":\"c-1\",\"source\":\"chat\",\"visitor\":{\"id\":\"v42\",\"name\":\"Анна\",\"email\":\"anna@example.ru\"},\"page\":\"https://shop.example/tea/42\",\"text\":\"Где мой заказ? 🍵\",\"date\":\"2026-11-24T10:00:00Z\"}" &&
	printf "{\"id\":\"half" >spool/tmp/0002.json &&
	dlg -C s fetch site >ids &&
	test_line_count = ids 1 && D=$(cat ids) &&
	test -e spool/cur/0001.json && test ! -e spool/new/0001.json && test -e spool/tmp/0002.json &&
	dlg -C s list --channel chat -q >l && test_cmp ids l &&
	f=$(ls s/dialogs/*/*/$D/cur/*) &&
	grep "^X-Dlg-Route: site$" $f && grep "^X-Dlg-Conversation: v42$" $f &&
	grep "^X-Dlg-Page: https://shop.example/tea/42$" $f &&
	grep "^From: =?UTF-8?B?.*?= <chat-v42@chat.invalid>$" $f &&
	dlg -C s show $D >show && grep "Где мой заказ? 🍵" show && grep "via chat" show &&
	dlg -C s user show chat:v42 >card && grep "^email: *anna@example.ru" card
'

test_expect_success 'chat: the same conversation stays in its dialog while open; nothing new, no commit' '
	D=$(cat ids) &&
	spool_drop 0003.json "{\"id\":\"c-2\",\"visitor\":{\"id\":\"v42\"},\"text\":\"Алло?\",\"date\":1795600000}" &&
	dlg -C s fetch >ids2 && test_cmp ids ids2 &&
	test $(ls s/dialogs/*/*/$D/cur | wc -l) = 2 &&
	before=$(git -C s rev-parse HEAD) &&
	dlg -C s fetch >none && test ! -s none &&
	test "$(git -C s rev-parse HEAD)" = "$before"
'

test_expect_success 'chat: a file read again (crash before the move) makes no duplicate' '
	D=$(cat ids) &&
	cp spool/cur/0003.json spool/new/0003-again.json &&
	dlg -C s fetch >out && test ! -s out &&
	test $(ls s/dialogs/*/*/$D/cur | wc -l) = 2 && test -e spool/cur/0003-again.json
'

test_expect_success 'chat: a pop-up reply is its own channel; chat goes on in it while it is open, then a new one' '
	D=$(cat ids) &&
	spool_drop 0004.json "{\"id\":\"p-1\",\"source\":\"popup\",\"popup\":\"Зимняя распродажа\",\"visitor\":{\"id\":\"v42\"},\"text\":\"А скидка на пуэр есть?\",\"date\":\"2026-11-24T12:00:00Z\"}" &&
	dlg -C s fetch >p && P=$(cat p) && test "$P" != "$D" &&
	dlg -C s list --channel popup -q >l && test_cmp p l &&
	grep "^X-Dlg-Popup: Зимняя распродажа$" s/dialogs/*/*/$P/cur/* &&
	dlg -C s close $D &&
	spool_drop 0005.json "{\"id\":\"c-3\",\"visitor\":{\"id\":\"v42\"},\"text\":\"Ещё вопрос\",\"date\":\"2026-11-24T13:00:00Z\"}" &&
	dlg -C s fetch >n && test "$(cat n)" = "$P" &&
	dlg -C s close $P &&
	spool_drop 0005b.json "{\"id\":\"c-3b\",\"visitor\":{\"id\":\"v42\"},\"text\":\"И ещё один\",\"date\":\"2026-11-24T13:30:00Z\"}" &&
	dlg -C s fetch >n && test "$(cat n)" != "$D" && test "$(cat n)" != "$P"
'

test_expect_success 'chat: broken files are reported, kept in new/, and the rest goes in' '
	spool_drop 0006.json "{not json" &&
	spool_drop 0007.json "{\"id\":\"c-4\",\"text\":\"no visitor\"}" &&
	spool_drop 0008.json "{\"id\":\"c-5\",\"visitor\":{\"id\":\"v7\"},\"text\":\"fine\",\"date\":\"2026-11-24T14:00:00Z\"}" &&
	dlg -C s fetch >ok 2>err &&
	test_line_count = ok 1 &&
	grep "warning: site: spool file 0006.json: not JSON" err &&
	grep "warning: site: spool file 0007.json: no \"visitor\"" err &&
	test -e spool/new/0006.json && test -e spool/new/0007.json && test -e spool/cur/0008.json &&
	rm spool/new/0006.json spool/new/0007.json
'

test_expect_success 'chat: reply --send writes out/KEY.json through tmp/, with attachment' '
	D=$(cat ok) &&
	printf "%%PDF-1.4 счёт\n" >invoice.pdf &&
	dlg -C s reply -m "Добрый день! Счёт во вложении." -a invoice.pdf --send $D >sent &&
	test_line_count = sent 2 && grep "^$D sent site [0-9a-f]\{16\}.json$" sent &&
	ls spool/out >outs && test_line_count = outs 2 && test -z "$(ls spool/tmp | grep -v 0002)" &&
	for f in spool/out/*.json; do python3 -c "import json,sys; json.load(open(sys.argv[1]))" $f; done &&
	grep -l "\"text\":\"Добрый день! Счёт во вложении.\"" spool/out/*.json &&
	grep -h "\"visitor\":\"v7\"" spool/out/*.json | grep "\"source\":\"chat\"" &&
	python3 -c "
import json,sys,base64,glob
docs=[a for f in glob.glob(\"spool/out/*.json\") for a in json.load(open(f))[\"attachments\"]]
assert len(docs)==1 and docs[0][\"name\"]==\"invoice.pdf\" and docs[0][\"type\"]==\"application/pdf\"
assert base64.b64decode(docs[0][\"data\"])==open(\"invoice.pdf\",\"rb\").read()
" &&
	test ! -d s/outbox &&
	dlg -C s show --json $D | grep -o "\"delivery\":\"sent\"" >d && test_line_count = d 2
'

test_expect_success 'import --json: the spool shape on stdin; a bad line is named' '
	printf "%s\n" "{\"id\":\"j-1\",\"visitor\":{\"id\":\"v9\",\"name\":\"Oleg\"},\"text\":\"hi\",\"date\":\"2026-11-24T15:00:00Z\"}" "" "[1,2]" >in.jsonl &&
	test_exit_code 1 dlg -C s import --json <in.jsonl >ids 2>err &&
	test_line_count = ids 1 && grep "(stdin):3: not a JSON object, skipped" err &&
	test_exit_code 1 dlg -C s import --json <in.jsonl >again 2>/dev/null && test_cmp ids again
'

test_expect_success 'reply --attach: exactly 2 MB passes, one byte more, a directory or a missing file fails' '
	D=$(cat ok) && head=$(git -C s rev-parse HEAD) &&
	head -c 2097152 /dev/zero >two && head -c 2097153 /dev/zero >over &&
	test_exit_code 1 dlg -C s reply -m x -a two -a over $D 2>err && grep "2097153 bytes, more than the 2 MB" err &&
	test_exit_code 1 dlg -C s reply -a . $D 2>err && grep "not a regular file" err &&
	test_exit_code 1 dlg -C s reply -a nope $D 2>err && grep "No such file" err &&
	test "$(git -C s rev-parse HEAD)" = "$head" &&
	dlg -C s reply -a two $D && test $(ls s/outbox | wc -l) = 1
'

test_expect_success 'send: a dialog with no reachable channel fails clearly and stays queued' '
	dlg -C s channel rm site &&
	D=$(cat ok) &&
	test_exit_code 1 dlg -C s send $D 2>err &&
	grep "channel site, which is not configured" err &&
	test $(ls s/outbox | wc -l) = 1 &&
	mail m.eml m1@ex ivan@example.ru "Где заказ?" &&
	E=$(dlg -C s import m.eml) && dlg -C s reply -m "Уже в пути" $E &&
	test_exit_code 1 dlg -C s send $E 2>err && grep "no email channel is configured" err &&
	grep "^X-Dlg-Delivery: queued" s/dialogs/*/*/$E/cur/*:2,S
'

# libcurl and its 33 libraries are for the network commands only.
loads_libcurl() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -q "file=libcurl"; }
test_expect_success 'only fetch and send load libcurl' '
	D=$(cat ok) &&
	! loads_libcurl dlg -C s list &&
	! loads_libcurl dlg -C s show $D &&
	! loads_libcurl dlg -C s reply -m "no curl" $D &&
	dlg -C s channel add tg --type telegram --api-url http://127.0.0.1:9 --token-file tok &&
	loads_libcurl dlg -C s fetch tg
'

test_done
