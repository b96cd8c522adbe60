#!/bin/bash
. "$(dirname "$0")/lib.sh"

# Order: what an operator makes within one second (DLG_NOW is pinned) comes
# out in the order it was made, on every clone (store-format.md, "Order").
# Mail readers: the view is a Maildir that mail readers may mark and keep
# their own files in (store-format.md, "The view and mail readers").

# The texts of a dialog as show prints them: replies, notes, attachments.
timeline() {
	dlg -C "$1" show "$2" | grep -oE '^(reply|note|[ab][0-9]|after) ?[0-9]*$|attachment: f[0-9]\.txt'
}

test_expect_success 'setup: 5 replies, with files, and 5 notes in one second' '
	dlg init -q s &&
	mail c.eml c@ex cat@example.com "Order" &&
	dlg -C s import c.eml >C &&
	for i in 1 2 3 4 5; do
		echo "file $i" >f$i.txt &&
		if [ $i -lt 5 ]; then
			dlg -C s reply -m "reply $i" -a f$i.txt $(cat C)
		else
			dlg -C s reply -m "reply $i" $(cat C)
		fi &&
		dlg -C s note -m "note $i" $(cat C) || exit 1
	done
'
C=$(cat C)

test_expect_success 'show lists them in the order they were made' '
	for i in 1 2 3 4 5; do
		echo "reply $i" && { [ $i = 5 ] || echo "attachment: f$i.txt"; } && echo "note $i"
	done >expect &&
	timeline s $C >actual &&
	test_cmp expect actual
'

test_expect_success 'show --json: messages and notes each in that order' '
	dlg -C s show --json $C >json &&
	jq -r ".messages[1:][] | .text, (.attachments[] | .name)" <json | grep . >actual &&
	for i in 1 2 3 4 5; do
		echo "reply $i" && { [ $i = 5 ] || echo "f$i.txt"; }
	done >expect &&
	test_cmp expect actual &&
	jq -r ".notes[].text" <json | grep . >actual &&
	printf "note %s\n" 1 2 3 4 5 >expect &&
	test_cmp expect actual
'

test_expect_success 'attachment numbers follow the order' '
	for i in 1 2 3 4; do
		dlg -C s attachment -o - $C $i >out &&
		echo "file $i" >expect && test_cmp expect out || exit 1
	done
'

test_expect_success 'the list preview is the last message made, with and without the index' '
	dlg -C s list --json >json &&
	test "$(jq -r .preview <json)" = "reply 5" &&
	DLG_NO_INDEX=1 dlg -C s list --json >json &&
	test "$(jq -r .preview <json)" = "reply 5"
'

test_expect_success 'what dlg writes carries its place in the second' '
	d=$(echo s/dialogs/*/*/$C) &&
	cat $d/cur/*:2,S | sed -n "s/^X-Dlg-Sequence: //p" | sort -n | xargs >actual &&
	# an email reply carries its file: one message, one place, each
	echo "1 3 5 7 9" >expect && test_cmp expect actual &&
	cat $d/notes/* | sed -n "s/^Sequence: //p" | sort -n | xargs >actual &&
	echo "2 4 6 8 10" >expect && test_cmp expect actual &&
	! grep -l "^X-Dlg-Sequence" $d/cur/*:2, &&
	dlg -C s fsck >out && test_line_count = out 0
'

test_expect_success 'after a merge: the documented tiebreak, the same on both clones' '
	fresh &&
	dlg -C a reply -m a1 $(D) && dlg -C a note -m a2 $(D) && dlg -C a reply -m a3 $(D) &&
	dlg -C b note -m b1 $(D) && dlg -C b reply -m b2 $(D) && dlg -C b note -m b3 $(D) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	dlg -C a sync -q b/main && dlg -C b sync -q a/main &&
	test "$(git -C a rev-parse main^{tree})" = "$(git -C b rev-parse main^{tree})" &&
	# equal sequences: messages before notes
	printf "%s\n" a1 b1 b2 a2 a3 b3 >expect &&
	timeline a $(D) >actual && test_cmp expect actual &&
	timeline b $(D) >actual && test_cmp expect actual &&
	dlg -C a show --json $(D) >ja && dlg -C b show --json $(D) >jb && test_cmp ja jb &&
	dlg -C a note -m after $(D) &&
	timeline a $(D) | tail -1 >actual && echo after >expect && test_cmp expect actual
'

start_peer telegram

test_expect_success 'dlg send delivers replies of one second in the order they were made' '
	dlg init -q t && echo 123:TESTTOKEN >tok &&
	dlg -C t channel add tg --type telegram --api-url "$PEER" --token-file tok --timeout 2 &&
	peer_ctl /_ctl/message "{\"chat_id\": 5000000001, \"from\": {\"id\": 5000000001, \"first_name\": \"Maria\"}, \"text\": \"hello\"}" >/dev/null &&
	dlg -C t fetch >T &&
	for i in 1 2 3 4 5 6; do dlg -C t reply -m "reply $i" $(cat T) || exit 1; done &&
	dlg -C t send >out && test_line_count = out 6 &&
	peer_requests | sed -n "s/^sendMessage .* text=//p" >actual &&
	printf "reply %s\n" 1 2 3 4 5 6 >expect &&
	test_cmp expect actual
'

# A notmuch configuration that keeps its database outside the store and
# reads only the dialogs' Maildirs, as the README shows.
cat >nm.cfg <<EOF
[database]
path=$TRASH/nmdb
mail_root=$TRASH/r/dialogs
[new]
tags=unread;inbox
ignore=info;log;status;assignee;tags;notes
[maildir]
synchronize_flags=true
EOF
export NOTMUCH_CONFIG="$TRASH/nm.cfg"

test_expect_success 'setup: a store a mail reader reads' '
	dlg init -q r &&
	mail m1.eml m1@ex mia@example.com "Refund" &&
	mail m2.eml m2@ex mia@example.com "Re: Refund" m1@ex "Tue, 24 Nov 2026 11:00:00 +0000" &&
	dlg -C r import m1.eml m2.eml >R && test "$(sort -u R | wc -l)" = 1 &&
	R=$(head -1 R) && echo $R >R &&
	dlg -C r reply -m "we refund" $R && dlg -C r note -m "checked" $R
'
R=$(cat R)

if command -v notmuch >/dev/null; then
test_expect_success 'notmuch indexes the view with its database outside the store' '
	mkdir nmdb && notmuch new >out 2>&1 &&
	test "$(notmuch count)" = 3 &&
	ls -A r >top && printf "%s\n" .git dialogs format outbox users >expect &&
	test_cmp expect top
'

test_expect_success 'notmuch marks messages read by renaming them: not damage' '
	notmuch tag -unread -- "*" &&
	ls r/dialogs/*/*/$R/cur >names && ! grep ":2,\$" names &&
	dlg -C r fsck >out && test_line_count = out 0 &&
	dlg -C r fsck --repair >out && test_line_count = out 0 &&
	test ! -e r/.git/dlg/lost+found &&
	ls r/dialogs/*/*/$R/cur >after && test_cmp names after &&
	dlg -C r show $R >show && test "$(grep -c "^── " show)" = 4 &&
	notmuch new >out 2>&1 && test "$(notmuch count)" = 3
'

test_expect_success 'a notmuch database inside the store is not the store own' '
	sed -e "s|^path=.*|path=$TRASH/r|" -e "s|^mail_root=.*|mail_root=$TRASH/r|" nm.cfg >nm-in.cfg &&
	NOTMUCH_CONFIG=$TRASH/nm-in.cfg notmuch new >out 2>&1 &&
	test -d r/.notmuch &&
	dlg -C r fsck >out && test_line_count = out 0 &&
	dlg -C r fsck --repair >out && test_line_count = out 0 &&
	test -d r/.notmuch && test ! -e r/.git/dlg/lost+found
'
else
	test_skip 'notmuch over the view' 'notmuch is not installed'
fi

if command -v mflag >/dev/null; then
test_expect_success 'mflag renames: fsck, show and changes take them for the stored files' '
	d=$(echo r/dialogs/*/*/$R) &&
	mflag -s $d/cur/* >/dev/null && mflag -F $d/cur/* >/dev/null &&
	ls $d/cur >names && test "$(grep -c ":2,F" names)" = 3 &&
	dlg -C r fsck >out && test_line_count = out 0 &&
	dlg -C r tag +vip $R && dlg -C r reply -m "second answer" $R &&
	dlg -C r fsck >out && test_line_count = out 0 &&
	dlg -C r show --json $R >json && test "$(jq ".messages | length" <json)" = 4
'

test_expect_success 'a message the branch loses goes with its renamed file' '
	d=$(echo r/dialogs/*/*/$R) &&
	mflag -F $d/cur/* >/dev/null &&
	git -C r update-ref refs/heads/main main~2 &&
	dlg -C r list -q >/dev/null &&
	ls $d/cur >names && test_line_count = names 3 && ! grep -v ":2,F" names &&
	dlg -C r fsck >out && test_line_count = out 0
'

test_expect_success 'a message changed in the commit is written under the reader name' '
	d=$(echo r/dialogs/*/*/$R) &&
	f=$(ls $d/cur | head -1) && base=${f%%:2,*} &&
	printf "Subject: changed\n\nchanged\n" >changed.eml &&
	blob=$(git -C r hash-object -w --stdin <changed.eml) &&
	path=$(git -C r ls-tree -r --name-only main | grep "/cur/$base:") &&
	idx=$TRASH/idx && rm -f $idx &&
	GIT_INDEX_FILE=$idx git -C r read-tree main &&
	GIT_INDEX_FILE=$idx git -C r update-index --cacheinfo 100644,$blob,$path &&
	tree=$(GIT_INDEX_FILE=$idx git -C r write-tree) &&
	git -C r update-ref refs/heads/main $(git -C r commit-tree -p main -m change $tree) &&
	dlg -C r list -q >/dev/null &&
	ls $d/cur | grep "^$base" >names && test_line_count = names 1 &&
	grep -q ":2,F" names && grep -q "^changed" "$d/cur/$(cat names)" &&
	dlg -C r fsck >out && test_line_count = out 0
'

test_expect_success 'dlg send rewrites a renamed answer in place' '
	d=$(echo t/dialogs/*/*/$(cat T)) &&
	dlg -C t reply -m "flagged" $(cat T) &&
	f=$(grep -l "^X-Dlg-Delivery: queued" $d/cur/*) && mflag -F $f >/dev/null &&
	dlg -C t send >out && test_line_count = out 1 &&
	grep -l "^X-Dlg-Delivery: queued" $d/cur/* >queued || true &&
	test_line_count = queued 0 &&
	test "$(ls $d/cur | wc -l)" = 8 &&
	grep -q "^X-Dlg-Delivery: sent" $d/cur/*:2,FS &&
	dlg -C t fsck >out && test_line_count = out 0
'
else
	test_skip 'mblaze renaming the view' 'mblaze is not installed'
fi

if command -v mutt >/dev/null && command -v script >/dev/null; then
test_expect_success 'mutt -R reads a dialog and changes nothing in it' '
	d=$(echo r/dialogs/*/*/$R) && ls -R r >before &&
	TERM=vt100 timeout 20 script -qec "mutt -n -F /dev/null -R -f $d -e \"set folder=$TRASH\" -e \"push \\\"<pipe-entry>cat >$TRASH/piped<enter><exit>\\\"\"" /dev/null >screen 2>&1 &&
	grep -a "Msgs:3 " screen >/dev/null && grep "^Subject: " piped &&
	ls -R r >after && test_cmp before after &&
	dlg -C r fsck >out && test_line_count = out 0
'
else
	test_skip 'mutt over the view' 'mutt is not installed'
fi

test_expect_success 'files other mail tools keep in a Maildir are theirs' '
	d=$(echo r/dialogs/*/*/$R) &&
	for f in dovecot-uidlist dovecot.index.log dovecot-keywords .mbsyncstate .uidvalidity \
		 .isyncuidmap.db .mutt_hcache maildirfolder courierimapuiddb; do
		echo x >$d/$f || exit 1
	done &&
	mkdir $d/.mutt r/.mutt && echo x >$d/.mutt/cache && echo x >r/.mutt/cache &&
	dlg -C r fsck >out && test_line_count = out 0 &&
	dlg -C r fsck --repair >out && test_line_count = out 0 &&
	test -f $d/dovecot-uidlist && test -f $d/.mutt/cache && test -f $d/.mbsyncstate &&
	echo x >$d/stray && mkdir r/.other r/dialogs/.notmuch &&
	test_exit_code 1 dlg -C r fsck >out &&
	sed "s|dialogs/../../||" out | sort >actual &&
	printf "extra $R/stray\nextra .other\nextra dialogs/.notmuch\n" | sort >expect &&
	test_cmp expect actual
'

test_done
