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
	echo "1 2 4 5 7 8 10 11 13" >expect && test_cmp expect actual &&
	cat $d/notes/* | sed -n "s/^Sequence: //p" | sort -n | xargs >actual &&
	echo "3 6 9 12 14" >expect && test_cmp expect actual &&
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

test_done
