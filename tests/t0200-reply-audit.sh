#!/bin/bash
# An operator's day at the terminal (issue 12): replying in $EDITOR with
# the customer's words quoted, one line on stderr saying what a change did,
# the customer's Cc kept and files riding in the same email, a warning when
# no channel can deliver; dlg log and commit messages that name the action;
# progress on a terminal and never through a pipe, and an import that can
# be rerun.
. "$(dirname "$0")/lib.sh"

have_smtp=
if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	start_smtp && have_smtp=1
fi
# the messages the SMTP server received, one file each
smtp_mail() { ls "$TRASH"/smtp/Maildir/new/* 2>/dev/null; }
# "script" gives the command a terminal; its stdout and stderr both land in FILE
on_tty() { # FILE COMMAND...
	out=$1; shift
	script -qec "$*" /dev/null >"$out"
}

test_expect_success 'setup: a store with an email dialog with a Cc, and an email channel' '
	dlg init -q s &&
	{
		echo "From: Иван <ivan@example.ru>"; echo "To: support@shop.example"
		echo "Cc: Maria <maria@example.ru>, support@shop.example, boss@example.ru"
		echo "Subject: Где мой заказ?"; echo "Message-ID: <i1@example.ru>"
		echo "Date: Tue, 24 Nov 2026 10:00:00 +0000"
		echo "Content-Type: text/plain; charset=utf-8"; echo
		echo "Здравствуйте! Заказ #10482 не пришёл."; echo "Иван"
	} >i1.eml &&
	dlg -C s import i1.eml >D && test_line_count = D 1 &&
	dlg -C s channel add mail --type email --address support@shop.example \
		--imap imap://127.0.0.1:9/INBOX --smtp "${SMTP:-smtp://127.0.0.1:9}" --timeout 5
'

test_expect_success 'reply in $EDITOR: a .txt file quoting the customer under # lines; an empty text aborts' '
	command -v script >/dev/null || exit 0
	D=$(cat D) &&
	# the editor keeps what it was shown and writes the answer above it
	printf "#!/bin/sh\ncp \"\$1\" shown && echo \"\$1\" >name && { echo \"Иван, добрый день!\"; echo \"#10482 едет.\"; cat shown; } >\"\$1\"\n" >ed.sh &&
	chmod +x ed.sh &&
	EDITOR=$PWD/ed.sh on_tty out dlg -C s reply $D &&
	grep "\.txt$" name &&
	grep "^# > Здравствуйте! Заказ #10482 не пришёл.$" shown &&
	grep "^# Иван <ivan@example.ru> wrote" shown &&
	f=$(ls s/dialogs/*/*/$D/cur/*:2,S) &&
	dlg -C s show --json $D >json &&
	grep -o "\"text\":\"Иван, добрый день!\\\\n#10482 едет.\"" json &&
	! grep "Заказ #10482 не пришёл" $f &&
	# an editor that writes nothing but the # lines: nothing is written
	printf "#!/bin/sh\nexit 0\n" >keep.sh && chmod +x keep.sh &&
	head=$(git -C s rev-parse HEAD) &&
	! EDITOR=$PWD/keep.sh on_tty out dlg -C s reply $D &&
	grep "dlg: reply: empty reply; nothing was written" out &&
	test "$(git -C s rev-parse HEAD)" = "$head"
'

test_expect_success 'reply, note, assign, tag, close say on stderr what they did; -q does not; stdout stays empty' '
	D=$(cat D) &&
	dlg -C s reply -m "Checking." $D >out 2>err && test ! -s out &&
	echo "reply ${D:0:7}: queued for mail" >expect && test_cmp expect err &&
	dlg -C s note -m "VIP customer" $D >out 2>err && test ! -s out &&
	echo "note ${D:0:7}: added" >expect && test_cmp expect err &&
	dlg -C s assign bob $D >out 2>err && test ! -s out &&
	echo "assign ${D:0:7}: to bob" >expect && test_cmp expect err &&
	dlg -C s tag +vip -spam $D >out 2>err && test ! -s out &&
	echo "tag ${D:0:7}: +vip -spam" >expect && test_cmp expect err &&
	dlg -C s close $D >out 2>err && test ! -s out &&
	echo "close ${D:0:7}: closed" >expect && test_cmp expect err &&
	dlg -C s close $D 2>err && echo "close: nothing to change" >expect && test_cmp expect err &&
	dlg -C s reopen -q $D 2>err && test ! -s err &&
	dlg -C s reply -q -m "Quiet." $D 2>err && test ! -s err &&
	dlg -C s note -q -m "quiet" $D 2>err && test ! -s err &&
	dlg -C s assign -q carol $D 2>err && test ! -s err &&
	dlg -C s tag -q +later $D 2>err && test ! -s err &&
	dlg -C s close -q $D 2>err && test ! -s err &&
	dlg -C s reopen $D 2>/dev/null &&
	# a reply that takes an unassigned dialog says so
	dlg -C s assign --none -q $D &&
	dlg -C s reply -m "Mine now." $D 2>err &&
	echo "reply ${D:0:7}: queued for mail (assigned to alice)" >expect && test_cmp expect err
'

test_expect_success 'reply keeps the customer'"'"'s Cc; -m with -a is one email carrying the file' '
	test -n "$have_smtp" || exit 0
	D=$(cat D) && n=$(smtp_mail | wc -l) &&
	printf "%%PDF-1.4 счёт\n" >invoice.pdf &&
	dlg -C s reply -q -m "Счёт во вложении." -a invoice.pdf $D &&
	dlg -C s send >/dev/null &&
	test $(smtp_mail | wc -l) = $((n + 5)) &&
	last=$(grep -l "invoice.pdf" $(smtp_mail)) && test $(echo "$last" | wc -l) = 1 &&
	/usr/bin/python3 - "$last" <<-\EOF
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	rcpt = sorted(m["X-RcptTo"].split(","))
	assert rcpt == ["boss@example.ru", "ivan@example.ru", "maria@example.ru"], rcpt
	cc = sorted(a.addr_spec for a in m["Cc"].addresses)
	assert cc == ["boss@example.ru", "maria@example.ru"], cc
	assert m["To"] == "ivan@example.ru", m["To"]
	text = [p for p in m.walk() if p.get_content_type() == "text/plain"]
	assert text and "Счёт во вложении." in text[0].get_content()
	files = list(m.iter_attachments())
	assert len(files) == 1 and files[0].get_filename() == "invoice.pdf"
	assert files[0].get_content() == open("invoice.pdf", "rb").read()
	EOF
'

test_expect_success 'reply -a on a chat dialog: each file goes as a message of its own' '
	printf "%s\n" "{\"id\":\"w-1\",\"visitor\":{\"id\":\"v1\",\"name\":\"Анна\"},\"text\":\"Пришлите счёт\",\"date\":\"2026-11-24T10:00:00Z\"}" |
		dlg -C s import --json >W &&
	W=$(cat W) && printf "one" >a.txt && printf "two" >b.txt &&
	dlg -C s reply -q -m "Вот" -a a.txt -a b.txt $W 2>/dev/null &&
	ls s/dialogs/*/*/$W/cur/*:2,S >outs && test_line_count = outs 3
'

test_expect_success 'reply with no channel able to deliver it warns at once; it stays queued' '
	W=$(cat W) &&
	dlg -C s reply -m "Hello" $W >out 2>err && test ! -s out &&
	grep "^dlg: reply: warning: no channel can deliver this reply yet; it stays queued: no chat channel is configured" err &&
	grep "^reply ${W:0:7}: queued$" err &&
	grep -l "^$W " s/outbox/* >/dev/null
'

test_expect_success 'commit messages name the action in full: the first words, one line, terminal-safe' '
	D=$(cat D) &&
	dlg -C s assign --none -q $D &&
	printf "Иван, добрый день! Ваш заказ уже в пути и прибудет завтра\nвторая строка\n" >t.txt &&
	dlg -C s reply -q -F t.txt $D &&
	git -C s log -1 --format=%B >msg &&
	printf "reply %s: \"Иван, добрый день! Ваш заказ уже в пути…\" (assign to alice)\n\n" "${D:0:7}" >expect &&
	test_cmp expect msg &&
	printf "a\033[31mred\ttab\n" >n.txt && dlg -C s note -q -F n.txt $D &&
	git -C s log -1 --format=%s >msg &&
	printf "note %s: \"a [31mred tab\"\n" "${D:0:7}" >expect && test_cmp expect msg &&
	dlg -C s reply -q -a invoice.pdf $D &&
	git -C s log -1 --format=%s >msg &&
	printf "reply %s: invoice.pdf\n" "${D:0:7}" >expect && test_cmp expect msg
'

test_expect_success 'dlg log ID: who did what when, newest first, with the operations' '
	D=$(cat D) &&
	dlg -C s log ${D:0:6} >log &&
	head -1 log | grep "^[0-9a-f]\{7\} 2026-11-25 10:00 alice  reply ${D:0:7}: invoice.pdf$" &&
	grep "  assign ${D:0:7} to bob$" log && grep "^    assign bob$" log &&
	grep "  tag ${D:0:7} +vip -spam$" log && grep "^    tag +vip$" log &&
	grep "  close ${D:0:7}$" log &&
	tail -2 log >last2 && head -1 last2 | grep "^[0-9a-f]\{7\} 2026-11-25 10:00 alice  import: 1 message, 1 new dialog$" && tail -1 last2 | grep "^    create email$" &&
	git -C s log --format=%s -- dialogs/${D:0:2}/${D:2:2}/$D >git.log &&
	grep -c "^[0-9a-f]\{7\} " log >n && test "$(cat n)" = "$(wc -l <git.log)" &&
	dlg -C s log --json $D >json && head -1 json | grep "\"author\":\"alice\"" &&
	test_exit_code 1 dlg -C s log ffffffffffffffff 2>err && grep "dlg: log: no dialog" err &&
	test_exit_code 2 dlg -C s log 2>err && grep "^usage: dlg log" err
'

test_expect_success 'the README'"'"'s audit example works' '
	D=$(cat D) &&
	cmd=$(sed -n "s/^\(git log [^#]*\) *# .*a dialog.s audit trail$/\1/p" "$SRCDIR/README.md") &&
	test -n "$cmd" &&
	(cd s && eval "$(echo "$cmd" | sed "s/3f9a/${D:0:4}/")") >out &&
	grep "import: 1 message" out
'

test_expect_success 'import rerun after an interruption prints the ids of every message given' '
	dlg init -q r &&
	for i in 1 2 3; do mail m$i.eml m$i@ex u$i@example.com "Subject $i"; done &&
	dlg -C r import m1.eml >first &&
	dlg -C r import m1.eml m2.eml m3.eml >ids 2>err &&
	test_line_count = ids 3 && grep "$(cat first)" ids &&
	grep "1 message was already in the store" err
'

test_expect_success 'progress on a terminal: count, rate and time on one line rewritten; none through a pipe' '
	command -v script >/dev/null || exit 0
	for i in $(seq 1 30); do mail p$i.eml p$i@ex p$i@example.com "P $i"; done &&
	on_tty tty.out dlg -C r import p*.eml &&
	tr "\r" "\n" <tty.out >lines &&
	grep -a "^import: 30 of 30 messages, [0-9]*/s, [0-9.]* s" lines &&
	# and what follows the messages: the objects, then the view, each to its end
	grep -a "^import: \([0-9]*\) of \1 objects written, [0-9]*/s" lines &&
	grep -a "^import: \([0-9]*\) of \1 files in the view, [0-9]*/s" lines &&
	dlg -C r import p*.eml 2>err >/dev/null &&
	! grep "/s" err &&
	on_tty tty.out dlg -C r reindex && grep -a "reindex: 33 of 33 dialogs, [0-9]*/s" tty.out &&
	# the first read after the index went builds it, its line ended before the rows
	rm r/.git/dlg/index.sqlite && on_tty tty.out dlg -C r list -q --status all &&
	tr "\r" "\n" <tty.out >lines && grep -a "^list: 33 of 33 dialogs, [0-9]*/s, [0-9.]* s *$" lines &&
	test "$(grep -a -c "^[0-9a-f]\{16\}\s*$" lines)" = 33 &&
	dlg -C r list -q --status all 2>err >/dev/null && test ! -s err &&
	dlg -C r reindex 2>err && test ! -s err &&
	# fetch, from a website chat spool
	mkdir -p spool/new spool/tmp && dlg -C r channel add site --type chat --spool "$PWD/spool" &&
	printf "{\"id\":\"c-1\",\"visitor\":{\"id\":\"v1\"},\"text\":\"hi\",\"date\":\"2026-11-24T10:00:00Z\"}\n" >spool/new/1.json &&
	on_tty tty.out dlg -C r fetch && tr "\r" "\n" <tty.out | grep -a "^fetch: 1 message, [0-9]*/s, [0-9.]* s" &&
	printf "{\"id\":\"c-2\",\"visitor\":{\"id\":\"v2\"},\"text\":\"hi\",\"date\":\"2026-11-24T10:00:00Z\"}\n" >spool/new/2.json &&
	dlg -C r fetch >ids 2>err && test_line_count = ids 1 && test ! -s err &&
	# sync: the dialogs both clones changed are merged one by one
	fresh && dlg -C a tag -q +x $(D) && dlg -C b note -q -m n $(D) &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	on_tty tty.out dlg -C b sync a/main && tr "\r" "\n" <tty.out | grep -a "^sync: [1-9][0-9]* records\{0,1\}, [0-9]*/s" &&
	dlg -C a note -q -m again $(D) && dlg -C b tag -q +y $(D) &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	dlg -C b sync a/main >out 2>err && test ! -s err && grep merged out
'

test_done
