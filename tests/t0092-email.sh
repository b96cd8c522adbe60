#!/bin/bash
# Email against real servers on loopback: dovecot (IMAP) and aiosmtpd
# (SMTP).  Mail delivered to IMAP is fetched without a flag changing on the
# server, answered with an attachment, and the answer arrives over SMTP
# threaded and intact; failures are retried, never lost or doubled.
. "$(dirname "$0")/lib.sh"

if ! command -v dovecot >/dev/null || ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	test_skip 'email channel' 'dovecot or python3-aiosmtpd is not installed'
	test_done
	exit
fi
start_dovecot
start_smtp

# the messages the SMTP server received, one file each
smtp_mail() { ls "$TRASH"/smtp/Maildir/new/* 2>/dev/null; }
flags() { doveadm -c "$DOVECOT/dovecot.conf" fetch -u support "uid flags" mailbox INBOX all | tr '\n' ' '; }

test_expect_success 'setup: a store and an email channel' '
	test -n "$IMAP" && test -n "$SMTP" &&
	dlg init -q s &&
	echo s3cret >pw &&
	dlg -C s channel add mail --type email --imap "$IMAP" --smtp "$SMTP" --user support \
		--password-file pw --address support@shop.example --timeout 5
'

test_expect_success 'fetch: mail delivered to IMAP comes in; no flag changes on the server' '
	mail m1.eml m1@example.ru ivan@example.ru "Где мой заказ?" "" "Tue, 24 Nov 2026 10:00:00 +0000" &&
	{
		echo "From: Olga <olga@example.com>"; echo "To: support@shop.example"
		echo "Subject: Photo of the box"; echo "Message-ID: <o1@example.com>"
		echo "Date: Tue, 24 Nov 2026 11:00:00 +0000"; echo "MIME-Version: 1.0"
		echo "Content-Type: multipart/mixed; boundary=b"; echo
		echo "--b"; echo "Content-Type: text/plain"; echo; echo "See the photo."
		echo "--b"; echo "Content-Type: image/png"; echo "Content-Disposition: attachment; filename=box.png"
		echo "Content-Transfer-Encoding: base64"; echo; echo "iVBORw0KGgoAAAANSUhEUg=="; echo "--b--"
	} >o1.eml &&
	imap_deliver m1.eml && imap_deliver o1.eml &&
	flags >before &&
	dlg -C s fetch >ids && test_line_count = ids 2 &&
	flags >after && test_cmp before after &&
	dlg -C s list --channel email --json >l && grep -c "\"channel\":\"email\"" l >n && test "$(cat n)" = 2 &&
	grep -l "^X-Dlg-Route: mail.$" s/dialogs/*/*/*/cur/* >routed && test_line_count = routed 2 &&
	dlg -C s show --json $(dlg -C s list -q --user olga@example.com) | grep "\"name\":\"box.png\"" &&
	cursor=$(cat s/.git/dlg/cursors/mail) && test "${cursor#* }" = 2
'

test_expect_success 'fetch: nothing new makes no commit; only new UIDs are read' '
	head=$(git -C s rev-parse HEAD) &&
	dlg -C s fetch >out && test ! -s out && test "$(git -C s rev-parse HEAD)" = "$head" &&
	mail m2.eml m2@example.ru ivan@example.ru "Re: Где мой заказ?" m1@example.ru "Tue, 24 Nov 2026 12:00:00 +0000" &&
	imap_deliver m2.eml &&
	dlg -C s fetch >ids && test "$(cat ids)" = "$(dlg -C s list -q --user ivan@example.ru)" &&
	cursor=$(cat s/.git/dlg/cursors/mail) && test "${cursor#* }" = 3
'

test_expect_success 'send: the answer arrives over SMTP, threaded, the attachment intact, in one email' '
	D=$(dlg -C s list -q --user ivan@example.ru) &&
	head -c 300000 /dev/urandom >scan.pdf &&
	dlg -C s reply -m "Иван, заказ уже в пути! 🚚" -a scan.pdf --send $D >out &&
	test_line_count = out 1 && grep -c " sent mail " out &&
	smtp_mail >got && test_line_count = got 1 &&
	/usr/bin/python3 - $(cat got) <<-\EOF
	import email, email.policy, hashlib, sys
	msgs = [email.message_from_binary_file(open(f, "rb"), policy=email.policy.default) for f in sys.argv[1:]]
	for m in msgs:
	    assert m["X-MailFrom"] == "support@shop.example", m["X-MailFrom"]
	    assert m["X-RcptTo"] == "ivan@example.ru", m["X-RcptTo"]
	    assert m["From"].addresses[0].addr_spec == "support@shop.example", m["From"]
	    assert m["To"] == "ivan@example.ru"
	    assert m["Subject"] == "Re: Где мой заказ?", m["Subject"]
	    assert m["In-Reply-To"] == "<m2@example.ru>", m["In-Reply-To"]
	    assert m["References"] == "<m1@example.ru> <m2@example.ru>", m["References"]
	    assert m["Message-ID"].endswith("@shop.example>"), m["Message-ID"]
	    assert not any(k.lower().startswith("x-dlg-") for k in m.keys())
	text = [p for m in msgs for p in m.walk() if p.get_content_type() == "text/plain"]
	assert text and "Иван, заказ уже в пути! 🚚" in text[0].get_content()
	files = [p for m in msgs for p in m.iter_attachments()]
	assert len(files) == 1 and files[0].get_filename() == "scan.pdf"
	assert files[0].get_content() == open("scan.pdf", "rb").read()
	EOF
'

test_expect_success 'the customer answers our answer: it joins the dialog' '
	D=$(dlg -C s list -q --user ivan@example.ru) &&
	ours=$(grep -h "^Message-ID:" $(smtp_mail | head -1) | tr -d "\r" | sed "s/^Message-ID: <\(.*\)>$/\1/") &&
	mail m3.eml m3@example.ru ivan@example.ru "Re: Re: Где мой заказ?" "$ours" "Tue, 24 Nov 2026 13:00:00 +0000" &&
	sed -i "s/^Subject: .*/Subject: Спасибо/" m3.eml &&
	imap_deliver m3.eml && dlg -C s fetch >ids && test "$(cat ids)" = $D
'

test_expect_success 'send: SMTP down fails and retries later; sent exactly once' '
	D=$(dlg -C s list -q --user olga@example.com) && n=$(smtp_mail | wc -l) &&
	dlg -C s channel add mail --type email --smtp smtp://127.0.0.1:9 &&
	dlg -C s reply -m "We will send a new box." $D &&
	test_exit_code 1 dlg -C s send 2>err && grep "failed mail .*Couldn.t connect" err &&
	grep "next attempt after" err && test $(ls s/outbox | wc -l) = 1 &&
	dlg -C s channel add mail --type email --smtp "$SMTP" &&
	DLG_NOW=2026-11-25T11:00:00Z dlg -C s send >out && grep "sent mail" out &&
	test $(smtp_mail | wc -l) = $((n + 1)) && test ! -d s/outbox
'

test_expect_success 'send: a 5xx is final, a 4xx is retried' '
	printf "From: R <reject.me@example.org>\nSubject: r\nMessage-ID: <r1@example.org>\nDate: Tue, 24 Nov 2026 14:00:00 +0000\n\nhi\n" >r.eml &&
	printf "From: L <later.me@example.org>\nSubject: l\nMessage-ID: <l1@example.org>\nDate: Tue, 24 Nov 2026 14:00:00 +0000\n\nhi\n" >l.eml &&
	imap_deliver r.eml && imap_deliver l.eml && dlg -C s fetch >/dev/null &&
	R=$(dlg -C s list -q --user reject.me@example.org) && L=$(dlg -C s list -q --user later.me@example.org) &&
	dlg -C s reply -m "no such user" $R && dlg -C s reply -m "try later" $L &&
	test_exit_code 1 dlg -C s send 2>err &&
	grep "^dlg: send: $R failed mail .*SMTP 550" err && ! grep "^dlg: send: $R.*next attempt" err &&
	grep "^dlg: send: $L failed mail .*SMTP 451.*next attempt" err &&
	test $(ls s/outbox | wc -l) = 1
'

test_expect_success 'fetch: a changed UIDVALIDITY reads the mailbox again, without duplicates' '
	echo "1 999" >s/.git/dlg/cursors/mail && head=$(git -C s rev-parse HEAD) &&
	dlg -C s fetch >out 2>err && test ! -s out &&
	grep "UIDVALIDITY changed" err && test "$(git -C s rev-parse HEAD)" = "$head" &&
	cursor=$(cat s/.git/dlg/cursors/mail) && test "${cursor#* }" = 6
'

test_expect_success 'fetch: a wrong password fails clearly and changes nothing' '
	head=$(git -C s rev-parse HEAD) &&
	echo wrong >pw2 && dlg -C s channel add mail --type email --password-file pw2 &&
	test_exit_code 1 dlg -C s fetch 2>err && grep "dlg: fetch: imap://127.0.0.1:[0-9]*: Login denied" err &&
	! grep "wrong\|s3cret" err && test "$(git -C s rev-parse HEAD)" = "$head"
'

test_done
