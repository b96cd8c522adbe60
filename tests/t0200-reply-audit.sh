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

test_done
