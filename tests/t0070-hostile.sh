#!/bin/bash
. "$(dirname "$0")/lib.sh"

ESC=$(printf '\033')
C1=$(printf '\302\233')   # U+009B, a one-character CSI

no_controls() {
	! grep -q "$ESC" "$1" && ! grep -q "$C1" "$1" && ! grep -qP "[\x00-\x08\x0b-\x1f\x7f]" "$1"
}

valid_utf8() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null
}

test_expect_success 'setup' 'dlg init -q s'

test_expect_success 'escape sequences from customers never reach the terminal' '
	printf "From: \"\033]0;pwned\007Eve\033[2J\" <eve@example.com>\nSubject: hi \033[31mred\302\233H\nMessage-ID: <esc@ex>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nbody \033[H\033[2J clear, bell \007, title \033]2;x\007 done\n" >esc.eml &&
	dlg -C s import esc.eml >id &&
	dlg -C s list >out && no_controls out &&
	dlg -C s show $(cat id) >out && no_controls out &&
	grep "clear, bell" out &&
	dlg -C s user show eve@example.com >out && no_controls out &&
	dlg -C s show --json $(cat id) >out && no_controls out &&
	grep -i "\\\\u001b" out
'

test_expect_success 'an encoded line break cannot forge fields of info or card' '
	printf "From: =?utf-8?Q?Mal=0Aname:_Admin?= <mal@example.com>\nSubject: =?utf-8?Q?x=0Auser:_0000000000000000?=\nMessage-ID: <nl@ex>\n\nx\n" >nl.eml &&
	dlg -C s import nl.eml >id &&
	info=$(echo s/dialogs/*/*/$(cat id)/info) &&
	test_line_count = $info 4 && test $(grep -c "^user:" $info) = 1 &&
	card=$(echo s/users/*/*/*/card | tr " " "\n" | xargs grep -l mal@example.com) &&
	test $(grep -c "^name:" $card) = 1
'

test_expect_success 'invalid UTF-8 comes out valid' '
	printf "From: \377\376 <bad@example.com>\nSubject: caf\351 \300\200\nMessage-ID: <bad@ex>\nContent-Type: text/plain; charset=utf-8\n\nbroken \303\050 bytes \355\240\200\n" >bad.eml &&
	dlg -C s import bad.eml >id &&
	dlg -C s list >out && valid_utf8 out &&
	dlg -C s show $(cat id) >out && valid_utf8 out && grep "broken" out &&
	dlg -C s show --json $(cat id) >out && valid_utf8 out
'

test_expect_success 'an unknown charset is read as UTF-8, best effort' '
	printf "From: x@example.com\nSubject: =?x-no-such?B?0J/RgNC40LLQtdGC?=\nMessage-ID: <cs@ex>\nContent-Type: text/plain; charset=x-no-such\n\nПривет\n" >cs.eml &&
	dlg -C s import cs.eml >id &&
	dlg -C s show $(cat id) >out && grep "Привет" out
'

test_expect_success 'path-traversal attachment names are shown, never used as paths' '
	cat >att.eml <<-\EOM &&
	From: x@example.com
	Subject: files
	Message-ID: <att@ex>
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary=BB

	--BB
	Content-Type: text/plain

	see attached
	--BB
	Content-Type: application/octet-stream; name="../../../../tmp/dlg-pwned"
	Content-Disposition: attachment; filename="../../../../tmp/dlg-pwned"
	Content-Transfer-Encoding: base64

	cHduZWQK
	--BB
	Content-Type: text/plain
	Content-Disposition: attachment; filename*=utf-8'"''"'..%2F..%2Fetc%2Fpasswd%1B%5B2J

	x
	--BB--
	EOM
	rm -f /tmp/dlg-pwned &&
	dlg -C s import att.eml >id &&
	test ! -e /tmp/dlg-pwned &&
	test -z "$(find . -name "dlg-pwned" -o -name passwd)" &&
	dlg -C s show $(cat id) >out && no_controls out &&
	grep "attachment: ../../../../tmp/dlg-pwned (application/octet-stream, 6 B)" out &&
	dlg -C s fsck >f && test_line_count = f 0
'

test_expect_success 'a hostile Message-ID cannot choose a path' '
	mail mid.eml "../../../../x" a@example.com "mid" &&
	dlg -C s import mid.eml >id &&
	test -z "$(find . -name x -path "*dialogs*" -prune -o -name x -print)" &&
	dlg -C s fsck >f && test_line_count = f 0
'

test_expect_success 'a 10 MB message is imported and shown' '
	{ printf "From: big@example.com\nSubject: big\nMessage-ID: <big@ex>\n\n"; head -c 7500000 /dev/zero | base64 -w 76; } >big.eml &&
	test $(wc -c <big.eml) -gt 10000000 &&
	dlg -C s import big.eml >id &&
	dlg -C s show $(cat id) >out &&
	test $(wc -c <out) -gt 10000000 &&
	dlg -C s list -q | grep $(cat id)
'

test_expect_success 'broken MIME: missing boundary, truncated base64, empty part' '
	printf "From: m@example.com\nSubject: m\nMessage-ID: <m1@ex>\nContent-Type: multipart/mixed\n\nno boundary at all\n" >m1.eml &&
	printf "From: m@example.com\nSubject: m2\nMessage-ID: <m2@ex>\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n0J/RgNC4!!!==garbage\n" >m2.eml &&
	printf "From: m@example.com\nSubject: m3\nMessage-ID: <m3@ex>\nContent-Type: multipart/mixed; boundary=Q\n\n--Q\n--Q--\n" >m3.eml &&
	dlg -C s import m1.eml m2.eml m3.eml >ids &&
	dlg -C s show $(cat ids) >out && grep "no boundary at all" out
'

test_expect_success 'tags, operators and keys with control characters are refused' '
	id=$(cat ids | head -1) &&
	test_exit_code 2 dlg -C s tag "+a$(printf "\033")b" $id 2>err && grep "invalid tag" err &&
	test_exit_code 2 dlg -C s tag "+a b" $id 2>err &&
	DLG_OPERATOR="$(printf "x\033y")" test_exit_code 1 dlg -C s close $id 2>err &&
	grep "invalid operator name" err && no_controls err &&
	test_exit_code 2 dlg -C s user set m@example.com "a b=c" 2>err && grep "expected KEY=VALUE" err
'

test_done
