#!/bin/bash
# Trust boundaries (issue 10): a customer cannot forge dlg's own X-Dlg-*
# header fields, send reads what it delivers from the commit, a message is
# never delivered twice whatever comes back into the outbox, MIME
# boundaries cannot be guessed, and credentials stay out of the tree, the
# errors and core dumps.
. "$(dirname "$0")/lib.sh"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	test_skip 'forgery' 'python3-aiosmtpd is not installed'
	test_done
	exit
fi
start_smtp
start_peer telegram
TOKEN=123:TESTTOKEN
have_dovecot=
command -v dovecot >/dev/null && start_dovecot && have_dovecot=1

# the messages the SMTP server received, one file each
smtp_mail() { ls "$TRASH"/smtp/Maildir/new/* 2>/dev/null; }
smtp_count() { smtp_mail | wc -l; }
# the one message the server received since smtp_mail >FILE
smtp_new() { smtp_mail | comm -13 "$1" - >new && test_line_count = new 1 && cat new; }
# the dlg block: the leading run of X-Dlg-* fields of a stored message
block() { awk '!/^X-Dlg-[A-Za-z-]*: /{exit} {print}' "$1"; }

test_expect_success 'setup: a store with an email and a chat channel' '
	dlg init -q s && mkdir -p spool/new spool/tmp &&
	dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	dlg -C s channel add mail --type email --smtp "$SMTP" --address support@shop.example --timeout 5
'

test_expect_success 'import: every X-Dlg-* field the sender wrote is renamed X-Original-Dlg-*' '
	cat >forged.eml <<-\EOF &&
	X-Dlg-Route: site
	From: Ivan <ivan@example.ru>
	To: support@shop.example
	Subject: Where is my order?
	Date: Tue, 24 Nov 2026 10:00:00 +0000
	Message-ID: <f1@example.ru>
	X-Dlg-Conversation: v-evil
	X-Dlg-Channel: telegram
	X-Dlg-Direction: out
	X-Dlg-User: 0000000000000000
	X-Dlg-Channel-User: evil@attacker.example
	X-Dlg-Channel-Message: forged
	X-Dlg-Operator: mallory
	X-Dlg-Delivery: sent
	X-Dlg-Attempts: 1
	X-Dlg-Error: forged
	X-Dlg-Next-Attempt: 2026-01-01T00:00:00Z
	X-Dlg-Sent-Via: site
	X-Dlg-Sent-Id: forged
	X-Dlg-Sent-At: 2026-01-01T00:00:00Z
	X-Dlg-Page: https://evil.example/
	X-Dlg-Popup: evil
	x-dlg-route: site
	X-Dlg-Anything-New: x
	Content-Type: text/plain; charset=utf-8

	Hello
	EOF
	D=$(dlg -C s import forged.eml) && echo $D >D &&
	f=$(ls s/dialogs/*/*/$D/cur/*) && block $f >blk &&
	U=$(sed -n "s/^user: //p" s/dialogs/*/*/$D/info) &&
	printf "X-Dlg-Channel: email\nX-Dlg-Direction: in\nX-Dlg-User: %s\nX-Dlg-Channel-User: ivan@example.ru\nX-Dlg-Channel-Message: f1@example.ru\n" $U >expect &&
	test_cmp expect blk &&
	grep -ci "^x-dlg-" $f >n && test "$(cat n)" = 5 &&
	grep -c "^X-Original-Dlg-" $f >n && test "$(cat n)" = 19 &&
	grep "^X-Original-Dlg-Route: site$" $f && grep "^X-Original-Dlg-route: site$" $f &&
	grep "^X-Original-Dlg-Conversation: v-evil$" $f &&
	dlg -C s show $D >show &&
	grep "Ivan <ivan@example.ru> · via email · in$" show &&
	grep "ignored, the sender wrote it: X-Original-Dlg-Conversation: v-evil" show &&
	dlg -C s show --json $D >json &&
	grep "\"direction\":\"in\"" json && ! grep "\"delivery\"" json &&
	grep "\"ignored_headers\":\[\"X-Original-Dlg-Route: site\",\"X-Original-Dlg-Conversation: v-evil\"," json
'

test_expect_success 'import: the answer goes by email to the sender, not to the forged route' '
	D=$(cat D) &&
	dlg -C s reply -m "On its way" --send $D >out && grep "^$D sent mail " out &&
	smtp_mail >got && test_line_count = got 1 &&
	grep "^X-RcptTo: ivan@example.ru" $(cat got) && grep "^To: ivan@example.ru" $(cat got) &&
	test -z "$(ls spool/out 2>/dev/null)"
'

if test -n "$have_dovecot"; then
test_expect_success 'fetch (IMAP): forged fields renamed; the answer goes to the sender' '
	echo s3cret >pw &&
	dlg -C s channel add mail --type email --imap "$IMAP" --user support --password-file pw &&
	cat >imap.eml <<-\EOF &&
	From: Olga <olga@example.com>
	To: support@shop.example
	Subject: Broken box
	Date: Tue, 24 Nov 2026 11:00:00 +0000
	Message-ID: <o1@example.com>
	X-Dlg-Conversation: evil@attacker.example
	X-Dlg-Channel-User: evil@attacker.example
	X-Dlg-Route: site
	X-Dlg-Direction: out

	The box was broken.
	EOF
	imap_deliver imap.eml && dlg -C s fetch >ids && O=$(cat ids) &&
	tr -d "\r" <$(ls s/dialogs/*/*/$O/cur/*) >lf &&
	block lf | grep -c . >n && test "$(cat n)" = 6 && block lf | grep "^X-Dlg-Route: mail$" &&
	grep "^X-Original-Dlg-Conversation: evil@attacker.example$" lf &&
	smtp_mail >before &&
	dlg -C s reply -m "We will send a new one" --send $O >out && grep "^$O sent mail " out &&
	last=$(smtp_new before) &&
	grep "^X-RcptTo: olga@example.com" $last && grep "^To: olga@example.com" $last &&
	! grep -l "attacker" $(smtp_mail)
'
else
	test_skip 'fetch (IMAP): forged fields renamed' 'dovecot is not installed'
fi

test_expect_success 'stored by an older dlg: forged fields below the block are not believed' '
	D=$(cat D) &&
	f=$(ls s/dialogs/*/*/$D/cur/* | head -1) && rel=${f#s/} &&
	sed "s/^X-Original-Dlg-/X-Dlg-/" $f >old && grep -c "^X-Dlg-Conversation: v-evil" old &&
	commit_file "$rel" old && dlg -C s show $D >/dev/null && cmp old $f &&
	dlg -C s show --json $D >json && grep "\"direction\":\"in\",\"author\":\"Ivan\",\"channel\":\"email\"" json &&
	smtp_mail >before &&
	dlg -C s reply -m "Second answer" --send $D >out && grep "^$D sent mail " out &&
	last=$(smtp_new before) &&
	grep "^X-RcptTo: ivan@example.ru" $last &&
	test -z "$(ls spool/out 2>/dev/null)"
'

test_expect_success 'send reads the commit: a view edited to change the body and route is ignored' '
	D=$(cat D) && smtp_mail >before &&
	dlg -C s reply -m "The real answer" $D &&
	q=$(grep -l "^X-Dlg-Delivery: queued" s/dialogs/*/*/$D/cur/*) &&
	sed -i "s/The real answer/A forged answer/" $q && grep "A forged answer" $q &&
	for f in s/dialogs/*/*/$D/cur/*:2,; do
		sed -i "1i X-Dlg-Route: site\nX-Dlg-Conversation: v-evil" $f || exit 1
	done &&
	dlg -C s send >out && grep "^$D sent mail " out &&
	last=$(smtp_new before) &&
	grep "The real answer" $last && ! grep "forged" $last &&
	grep "^X-RcptTo: ivan@example.ru" $last &&
	test -z "$(ls spool/out 2>/dev/null)" &&
	{ dlg -C s fsck --repair >/dev/null || true; } && dlg -C s fsck
'

test_expect_success 'send: a sent message whose outbox entry comes back is not delivered again' '
	D=$(cat D) && n=$(smtp_count) &&
	q=$(grep -l "The real answer" s/dialogs/*/*/$D/cur/*) && grep "^X-Dlg-Delivery: sent" $q &&
	name=$(basename $q) && key=${name#*.} && key=${key%%:*} &&
	echo "$D $name" >entry && commit_file outbox/$key entry &&
	dlg -C s send >out 2>err && test ! -s err &&
	test $(smtp_count) = $n &&
	test -z "$(git -C s ls-tree HEAD outbox)" &&
	git -C s log -1 --format=%s >msg && echo "send: drop 1 stale outbox entry" >expect && test_cmp expect msg &&
	git -C s show --stat HEAD >stat && grep "outbox/$key" stat && ! grep "cur/" stat
'

test_expect_success 'send: a message failed for good is not tried again when its entry comes back' '
	printf "From: R <reject.me@example.org>\nSubject: r\nMessage-ID: <r1@example.org>\nDate: Tue, 24 Nov 2026 14:00:00 +0000\n\nhi\n" >r.eml &&
	R=$(dlg -C s import r.eml) && dlg -C s reply -m "no such user" $R &&
	test_exit_code 1 dlg -C s send 2>err && grep "failed mail .*SMTP 550" err &&
	q=$(grep -l "^X-Dlg-Delivery: failed" s/dialogs/*/*/$R/cur/*) && grep "^X-Dlg-Attempts: 1$" $q &&
	name=$(basename $q) && key=${name#*.} && key=${key%%:*} &&
	echo "$R $name" >entry && commit_file outbox/$key entry &&
	dlg -C s send --force >out 2>err && test ! -s err &&
	grep "^X-Dlg-Attempts: 1$" $q && test -z "$(git -C s ls-tree HEAD outbox)"
'

test_expect_success 'MIME: a Telegram text with boundary lines cannot forge an attachment' '
	printf "%s\n" $TOKEN >tok &&
	dlg -C s channel add tg --type telegram --api-url "$PEER" --token-file tok --timeout 2 &&
	old=dlg-$(printf %s 7000000001:1 | git hash-object --stdin | cut -c1-16) &&
	printf "%%PDF-1.4 the real file" >real.pdf &&
	python3 - "$old" >msg.json <<-\EOF &&
	import base64, json, sys
	b = sys.argv[1]
	caption = ("Invoice attached\n--%s\nContent-Type: application/octet-stream\n"
	           "Content-Disposition: attachment; filename=invoice.exe\n"
	           "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n--%s--\n" % (b, b))
	print(json.dumps({"chat_id": 7000000001, "from": {"id": 7000000001, "first_name": "Eve"},
	                  "caption": caption,
	                  "document": {"file_name": "real.pdf", "mime_type": "application/pdf",
	                               "content_base64": base64.b64encode(open("real.pdf", "rb").read()).decode()}}))
	EOF
	peer_ctl /_ctl/message "$(cat msg.json)" | grep "\"message_id\": 1" &&
	dlg -C s fetch tg >ids && T=$(cat ids) &&
	dlg -C s show --json $T >json &&
	grep -o "\"attachments\":\[[^]]*\]" json >att &&
	echo "\"attachments\":[{\"name\":\"real.pdf\",\"type\":\"application/pdf\",\"size\":22}]" >expect &&
	test_cmp expect att &&
	grep "filename=invoice.exe" json &&
	f=$(ls s/dialogs/*/*/$T/cur/*) && ! grep "boundary=\"$old\"" $f
'

test_expect_success 'MIME: two clones importing the same message write the same bytes' '
	for c in c1 c2; do dlg init -q $c || exit 1; done &&
	printf "{\"id\":\"b-1\",\"visitor\":{\"id\":\"v1\"},\"text\":\"hi\\\\n--dlg-0\\\\n\",\"date\":\"2026-11-24T10:00:00Z\",\"attachments\":[{\"name\":\"a.txt\",\"data\":\"aGVsbG8=\"}]}\n" >b.jsonl &&
	dlg -C c1 import --json <b.jsonl >/dev/null && dlg -C c2 import --json <b.jsonl >/dev/null &&
	cmp c1/dialogs/*/*/*/cur/* c2/dialogs/*/*/*/cur/* &&
	grep "boundary=\"dlg-[0-9a-f]\{32\}\"" c1/dialogs/*/*/*/cur/* &&
	dlg -C c1 show --json $(dlg -C c1 list -q) | grep "\"name\":\"a.txt\""
'

test_expect_success 'config: URLs with a password are refused and never reach history' '
	test_exit_code 1 dlg -C s config channel.mail.smtp smtp://support:Pa55w0rd@127.0.0.1:25 2>err &&
	grep "password-file" err && grep "\.git/dlg/secrets/mail" err && grep "DLG_SECRET_MAIL" err &&
	! grep Pa55w0rd err &&
	test_exit_code 2 dlg -C s channel add mail --type email --smtp smtp://support:Pa55w0rd@127.0.0.1:25 2>err &&
	! grep Pa55w0rd err && grep "password-file" err &&
	test_exit_code 2 dlg -C s channel add mail --type email --imap imaps://support:Pa55w0rd@127.0.0.1/INBOX 2>err &&
	! grep Pa55w0rd err &&
	test_exit_code 2 dlg -C s channel add tg --type telegram --api-url "https://api.telegram.org/bot123:Pa55w0rd/" 2>err &&
	! grep Pa55w0rd err && grep "token-file" err &&
	test_exit_code 2 dlg -C s channel add tg --type telegram --api-url "https://graph.example/?access_token=Pa55w0rd" 2>err &&
	! grep Pa55w0rd err &&
	test_exit_code 1 dlg -C s config channel.tg.api-url "https://api.telegram.org/bot123:Pa55w0rd" 2>err &&
	! grep Pa55w0rd err &&
	git -C s log -p --all >log && ! grep Pa55w0rd log && ! grep -r Pa55w0rd s --exclude-dir=.git
'

test_expect_success 'config: secret-looking keys are refused as words, innocent words pass' '
	for k in channel.mail.api-key channel.mail.api_key channel.mail.apikey channel.mail.smtp-password \
		channel.mail.passwd channel.mail.pass channel.vk.access_token x.auth x.credential x.key x.secret; do
		test_exit_code 1 dlg -C s config $k v 2>err && grep "looks like a secret" err || exit 1
	done &&
	for k in channel.site.monkey channel.site.author x.keyboard x.passage x.tokenizer; do
		dlg -C s config $k v || exit 1
	done
'

test_expect_success 'errors redact URLs: a failed send names the server, not the user' '
	D=$(cat D) &&
	dlg -C s channel add mail --type email --smtp smtp://support@127.0.0.1:9 &&
	dlg -C s reply -m "Will fail" $D &&
	test_exit_code 1 dlg -C s send 2>err &&
	grep "failed mail smtp://127.0.0.1:9: Couldn.t connect" err && ! grep "support@127" err &&
	q=$(grep -l "^X-Dlg-Delivery: failed" s/dialogs/*/*/$D/cur/*) &&
	grep "^X-Dlg-Error: smtp://127.0.0.1:9: " $q &&
	git -C s log -p -1 >log && grep "^+X-Dlg-Error: smtp://127.0.0.1:9" log && ! grep "support@127" log &&
	dlg -C s channel add mail --type email --smtp "$SMTP" && DLG_NOW=2026-11-25T11:00:00Z dlg -C s send
'

test_expect_success 'a process holding a secret cannot dump core; the secret is not in its arguments' '
	peer_ctl /_ctl/fail "{\"method\": \"getUpdates\", \"mode\": \"hang\", \"hang_seconds\": 5}"
	# alone on its line: "a && (b) &" would put a and b in the background together
	(ulimit -c unlimited && exec dlg -C s fetch tg >/dev/null 2>&1) &
	pid=$!
	ok= && for _ in $(seq 60); do
		grep -q "^Max core file size *0 *0 " /proc/$pid/limits 2>/dev/null && ok=1 && break
		sleep 0.05
	done &&
	tr "\0" " " </proc/$pid/cmdline >cmdline || true
	kill $pid 2>/dev/null || true
	wait $pid || true
	test -n "$ok" && grep "fetch tg" cmdline && ! grep TESTTOKEN cmdline
'

test_done
