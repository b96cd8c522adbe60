#!/bin/bash
# dlg attachment: listing a dialog's files both ways, writing them out byte
# for byte, and file names from customers that never choose a path.
. "$(dirname "$0")/lib.sh"

ESC=$(printf '\033')
C1=$(printf '\302\233')   # U+009B, a one-character CSI
umask 022

no_controls() {
	! grep -q "$ESC" "$1" && ! grep -q "$C1" "$1" && ! grep -qP "[\x00-\x08\x0b-\x1f\x7f]" "$1"
}

# part TYPE DISPOSITION FILE: one base64 body part of a multipart/mixed with boundary BB
part() {
	printf -- "--BB\nContent-Type: %s\nContent-Disposition: %s\nContent-Transfer-Encoding: base64\n\n" "$1" "$2"
	base64 "$3"
}

# multipart FILE MESSAGE-ID FROM: a mail with a text part and the parts on stdin
multipart() {
	{
		printf "From: %s\nTo: support@shop.example\nSubject: files\n" "$3"
		printf "Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <%s>\nMIME-Version: 1.0\n" "$2"
		printf "Content-Type: multipart/mixed; boundary=BB\n\n--BB\nContent-Type: text/plain\n\nsee attached\n"
		cat
		printf -- "--BB--\n"
	} >"$1"
}

size() { wc -c <"$1" | tr -d " "; }

# Every path under the trash directory but the store's, for "nothing else was made".
files_outside_store() { (cd "$TRASH" && find . -path ./s -prune -o -print | sort); }

test_expect_success 'setup: an email with two hostile names, an answer with a file' '
	dlg init -q s &&
	printf "root:x:0:0:\000\001\377 not really\r\n" >passwd.orig &&
	printf "%%PDF-1.4 счёт №42\n\033[31m\302\233\n" >invoice.orig &&
	seq 1 2000 >"scan 2026.pdf" &&
	{
		part application/octet-stream "attachment; filename=\"../../etc/passwd\"" passwd.orig &&
		part application/pdf "attachment; filename*=utf-8'"''"'%D1%81%D1%87%D1%91%D1%82%1B%5B31m%C2%9B.pdf" invoice.orig
	} | multipart in.eml files@ex "Ivan <ivan@example.ru>" &&
	dlg -C s import in.eml >id && test_line_count = id 1 &&
	dlg -C s reply -m "Счёт во вложении" -a "scan 2026.pdf" $(cat id)
'

test_expect_success 'the list: three attachments in message order, with sizes and times' '
	D=$(cat id) &&
	dlg -C s attachment $D >out &&
	test_line_count = out 3 &&
	cut -f1,2,4,5,6 out >got &&
	{
		printf "1\t../../etc/passwd\t%s\tin\t2026-11-24T10:00:00Z\n" $(size passwd.orig) &&
		printf "2\tсчёт[31m\357\277\275.pdf\t%s\tin\t2026-11-24T10:00:00Z\n" $(size invoice.orig) &&
		printf "3\tscan 2026.pdf\t%s\tout\t2026-11-25T10:00:00Z\n" $(size "scan 2026.pdf")
	} >expect &&
	test_cmp expect got &&
	cut -f3 out | head -2 >types && printf "application/octet-stream\napplication/pdf\n" >expect &&
	test_cmp expect types &&
	no_controls out &&
	dlg -C s attachment ${D:0:6} >short && test_cmp out short &&
	echo $D | dlg -C s attachment >piped && test_cmp out piped
'

test_expect_success '--json: one valid object per line with every field' '
	D=$(cat id) &&
	dlg -C s attachment --json $D >json &&
	test_line_count = json 3 &&
	python3 -c "import json,sys;[json.loads(l) for l in sys.stdin]" <json &&
	ls s/dialogs/*/*/$D/cur >names &&
	python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"json\")]
names = open(\"names\").read().split()
assert [r[\"n\"] for r in rows] == [1, 2, 3], rows
assert [r[\"direction\"] for r in rows] == [\"in\", \"in\", \"out\"]
assert rows[0][\"name\"] == \"../../etc/passwd\" and rows[0][\"file\"] == \"passwd\"
assert rows[1][\"name\"] == \"счёт[31m\ufffd.pdf\" and rows[1][\"file\"] == \"счёт[31m.pdf\"
assert rows[2][\"name\"] == rows[2][\"file\"] == \"scan 2026.pdf\"
assert rows[0][\"size\"] == len(open(\"passwd.orig\", \"rb\").read())
assert rows[1][\"type\"] == \"application/pdf\"
assert rows[2][\"date\"] == \"2026-11-25T10:00:00Z\"
assert all(r[\"message\"] in names for r in rows)
assert rows[0][\"message\"] == rows[1][\"message\"] != rows[2][\"message\"]
" &&
	no_controls json
'

test_expect_success 'N goes to the current directory under its safe name, byte for byte' '
	D=$(cat id) &&
	mkdir here && (
		cd here &&
		dlg -C ../s attachment $D 1 >../out1 &&
		dlg -C ../s attachment $D 2 >../out2 &&
		dlg -C ../s attachment $D 3 >../out3
	) &&
	echo passwd >expect && test_cmp expect out1 &&
	echo "счёт[31m.pdf" >expect && test_cmp expect out2 &&
	echo "scan 2026.pdf" >expect && test_cmp expect out3 &&
	cmp here/passwd passwd.orig &&
	cmp "here/счёт[31m.pdf" invoice.orig &&
	cmp "here/scan 2026.pdf" "scan 2026.pdf" &&
	test "$(stat -c %a here/passwd)" = 644 &&
	ls -A here >list && test_line_count = list 3
'

test_expect_success 'the hostile name lands inside the target directory; nothing outside is made' '
	D=$(cat id) && mkdir -p deep/target && cksum /etc/passwd >etc.before &&
	files_outside_store >before &&
	dlg -C s attachment -o deep/target $D 1 >written &&
	echo deep/target/passwd >expect && test_cmp expect written &&
	files_outside_store >after &&
	diff before after | grep "^[<>]" >changes &&
	printf "> ./after\n> ./deep/target/passwd\n> ./written\n" >expect && test_cmp expect changes &&
	test -f deep/target/passwd && test ! -L deep/target/passwd &&
	cmp deep/target/passwd passwd.orig &&
	test ! -e etc && test ! -e deep/etc && test ! -e "$TRASH/../etc" &&
	cksum /etc/passwd | test_cmp etc.before - &&
	dlg -C s attachment -o deep/target/ $D 2 >out &&
	echo "deep/target/счёт[31m.pdf" >expect && test_cmp expect out &&
	cmp "deep/target/счёт[31m.pdf" invoice.orig
'

test_expect_success '-o FILE and -o - write the same bytes' '
	D=$(cat id) &&
	dlg -C s attachment -o copy.bin $D 2 >out &&
	echo copy.bin >expect && test_cmp expect out &&
	cmp copy.bin invoice.orig &&
	dlg -C s attachment $D 1 -o - >stdout.bin && cmp stdout.bin passwd.orig &&
	dlg -C s attachment -o - $D 2 | cmp - invoice.orig &&
	dlg -C s attachment -o - $D 3 | cmp - "scan 2026.pdf"
'

test_expect_success 'an existing file is kept without --force, even a dangling link; --force replaces' '
	D=$(cat id) &&
	echo keep >kept &&
	test_exit_code 1 dlg -C s attachment -o kept $D 1 >out 2>err &&
	grep "^dlg: attachment: .kept. exists; not overwritten (--force replaces it)$" err &&
	test ! -s out && echo keep | cmp - kept &&
	test_exit_code 1 dlg -C s attachment -o here $D 1 2>err &&
	grep "here/passwd. exists" err && cmp here/passwd passwd.orig &&
	(cd here && test_exit_code 1 dlg -C ../s attachment $D 3 2>../err) && grep "exists" err &&
	ln -s "$TRASH/nowhere" link &&
	test_exit_code 1 dlg -C s attachment -o link $D 1 2>err && grep ".link. exists" err &&
	test ! -e nowhere && test -L link &&
	dlg -C s attachment --force -o kept $D 1 && cmp kept passwd.orig &&
	dlg -C s attachment -f -o link $D 2 && test ! -L link && test ! -e nowhere &&
	cmp link invoice.orig &&
	test -z "$(find . -name ".dlg-attachment-*")"
'

test_expect_success 'errors: N out of range, a bad id, an unwritable target' '
	D=$(cat id) &&
	test_exit_code 1 dlg -C s attachment $D 5 >out 2>err && test ! -s out &&
	echo "dlg: attachment: dialog ${D:0:7} has 3 attachments, no 5" >expect && test_cmp expect err &&
	test_exit_code 1 dlg -C s attachment $D 0 2>err &&
	grep "^dlg: attachment: dialog ${D:0:7} has 3 attachments, no 0$" err &&
	test_exit_code 1 dlg -C s attachment $D 99999999999999999999 2>err &&
	grep "has 3 attachments, no 99999999999999999999$" err &&
	test_exit_code 1 dlg -C s attachment ffff 1 2>err && grep "^dlg: attachment: no dialog .ffff.$" err &&
	test_exit_code 1 dlg -C s attachment ffff 2>err && grep "^dlg: attachment: no dialog .ffff.$" err &&
	test_exit_code 1 dlg -C s attachment -o no/such/dir/x $D 1 2>err &&
	grep "^dlg: attachment: cannot write .no/such/dir/x.: No such file or directory$" err &&
	test ! -e no &&
	test_exit_code 2 dlg -C s attachment 2>err && grep "no dialog ids given" err &&
	mail plain.eml plain@ex petr@example.ru "no files" &&
	P=$(dlg -C s import plain.eml) &&
	dlg -C s attachment $P >out && test ! -s out &&
	test_exit_code 1 dlg -C s attachment $P 1 2>err &&
	echo "dlg: attachment: dialog ${P:0:7} has no attachments" >expect && test_cmp expect err
'

test_expect_success 'usage errors exit 2; --help exits 0' '
	D=$(cat id) &&
	test_exit_code 2 dlg -C s attachment $D x 2>err && grep "not an attachment number" err &&
	test_exit_code 2 dlg -C s attachment $D -1 2>/dev/null &&
	test_exit_code 2 dlg -C s attachment --json $D 1 2>err && grep "^usage: dlg attachment" err &&
	test_exit_code 2 dlg -C s attachment -o x $D 2>/dev/null &&
	test_exit_code 2 dlg -C s attachment $D 1 2 2>/dev/null &&
	test_exit_code 2 dlg -C s attachment --bogus $D 2>/dev/null &&
	dlg attachment --help >out && grep "^usage: dlg attachment" out &&
	test ! -e x
'

test_expect_success 'names are made safe: no path, controls, hidden files, options or bidi tricks' '
	echo data >d.txt &&
	{
		part text/plain "attachment; filename=\".bashrc\"" d.txt &&
		part text/plain "attachment; filename=\"-rf *\"" d.txt &&
		part text/plain "attachment; filename*=utf-8'"''"'C%3A%5CUsers%5Cx%5Ca%3Ab%3Fc%7Cd%3Ce%3Ef%22%2A.txt" d.txt &&
		part text/plain "attachment; filename*=utf-8'"''"'..%2F.." d.txt &&
		part image/png "attachment" d.txt &&
		part application/pdf "attachment; filename*=utf-8'"''"'invoice%E2%80%AEfdp.exe" d.txt &&
		part text/plain "attachment; filename=\"report. . .\"" d.txt &&
		part text/plain "attachment; filename*=utf-8'"''"'bad%FF%FEname.txt" d.txt &&
		part application/pdf "attachment; filename*=utf-8'"''"'a$(printf "%%D1%%8F%.0s" $(seq 150)).pdf" d.txt &&
		part text/plain "attachment; filename=\"..\"" d.txt
	} | multipart names.eml names@ex "Olga <olga@example.ru>" &&
	dlg -C s import names.eml >id2 && E=$(cat id2) && test "$E" != "$(cat id)" &&
	dlg -C s attachment $E >list && test_line_count = list 10 && no_controls list &&
	mkdir safe &&
	for n in $(seq 10); do dlg -C s attachment -o safe $E $n >>safe.out || exit 1; done &&
	long="a$(printf "я%.0s" $(seq 97)).pdf" &&
	test $(printf %s "$long" | wc -c) = 199 &&
	printf "%s\n" bashrc "_rf _" a_b_c_d_e_f__.txt attachment-4.txt attachment-5.png \
		invoicefdp.exe report bad__name.txt "$long" attachment-10.txt | sed "s|^|safe/|" >expect &&
	test_cmp expect safe.out &&
	ls -A safe | sort >got && sed "s|^safe/||" expect | sort >want && test_cmp want got &&
	for f in safe/*; do cmp "$f" d.txt || exit 1; done &&
	dlg -C s attachment --json $E | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin]
want = open(\"expect\").read().split(\"\n\")[:-1]
assert [\"safe/\" + r[\"file\"] for r in rows] == want, rows
"
'

test_done
