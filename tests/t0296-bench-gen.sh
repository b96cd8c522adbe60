#!/bin/sh
# bench/gen, the mail make bench measures on: deterministic for a seed, and
# well-formed enough that dlg import and notmuch new read it without a
# complaint.  Shapes and shares are checked loosely; nothing is timed.
. "$(dirname "$0")/lib.sh"

CHANNELS="email chat telegram vk facebook popup"
# every message of an mbox, with its size and what is in it, one per line
mbox_shape() {
	python3 - "$@" <<'EOF'
import base64, mailbox, sys
for path in sys.argv[1:]:
    for m in mailbox.mbox(path):
        raw = m.as_bytes()
        types = [p.get_content_type() for p in m.walk()]
        body = b"".join(p.get_payload(decode=True) for p in m.walk() if p.get_content_type() == "text/plain")
        magic = "-"
        for p in m.walk():
            if p.get_filename():
                data = base64.b64decode(p.get_payload(), validate=False)
                magic = "png" if data.startswith(b"\x89PNG") else "jpeg" if data.startswith(b"\xff\xd8") \
                    else "pdf" if data.startswith(b"%PDF-") else "bad"
        print(len(raw), "alt" if "multipart/alternative" in types else "-", magic,
              "quote" if b"\n> " in body else "-", "ru" if "Здравствуйте".encode() in body or
              any(0x0400 <= ord(c) <= 0x04ff for c in body.decode()) else "en",
              "re" if m["In-Reply-To"] else "first")
EOF
}

test_expect_success 'setup: build bench/gen' '
	cc -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -o gen "$SRCDIR/bench/gen.c"
'

test_expect_success 'the same seed writes the same mail, another seed other mail, in every shape' '
	for shape in real small; do
		mkdir -p $shape.a $shape.b $shape.c &&
		./gen --shape $shape 300 $shape.a 7 && ./gen --shape=$shape 300 $shape.b 7 &&
		./gen --shape $shape 300 $shape.c 8 &&
		diff -r $shape.a $shape.b && ! diff -rq $shape.a $shape.c >/dev/null || return 1
	done &&
	./gen --shape one-line 50 one.a 7 && ./gen --shape one-line 50 one.b 7 && diff -r one.a one.b &&
	mkdir real.default && ./gen 300 real.default 7 && diff -r real.a real.default
'

test_expect_success 'the small shape is the bench'\''s earlier mail: one text part of about 560 bytes' '
	mbox_shape small.a/*.mbox >small.shape &&
	sort -n small.shape | awk "{ s[NR] = \$1 } END { m = s[int((NR + 1) / 2)]; exit !(m > 450 && m < 700 && s[NR] < 1000) }" &&
	! grep -v "^[0-9]* - - - " small.shape
'

test_expect_success 'real-shaped mail: median a few KB, a long tail, alternatives, attachments, quotes, two languages' '
	mkdir big && ./gen 2000 big 3 && mbox_shape big/*.mbox >big.shape &&
	sort -n big.shape | awk "{ s[NR] = \$1 } END {
		m = s[int((NR + 1) / 2)]; p99 = s[int(NR * 0.99)]
		print NR, m, p99, s[NR]; exit !(m > 2000 && m < 5000 && p99 > 8000 && s[NR] > 15000) }" &&
	n=$(wc -l <big.shape) &&
	alt=$(grep -c " alt " big.shape) && att=$(awk "\$3 != \"-\"" big.shape | wc -l) &&
	echo "$n messages, $alt alternatives, $att attachments" &&
	test "$alt" -gt 0 && test $((att * 100 / n)) -ge 3 && test $((att * 100 / n)) -le 15 &&
	! grep -q " bad " big.shape && grep -q " png " big.shape && grep -q " pdf " big.shape &&
	! grep -q " quote [a-z]* first$" big.shape &&
	test $(grep -c " quote [a-z]* re$" big.shape) -gt $(($(grep -c " re$" big.shape) / 2)) &&
	grep -q " ru " big.shape && grep -q " en " big.shape
'

test_expect_success 'dlg import reads real-shaped mail without a complaint, every message in a dialog' '
	dlg init -q s &&
	for ch in $CHANNELS; do
		test ! -f real.a/$ch.mbox || dlg -C s import -q --channel $ch real.a/$ch.mbox 2>>import.err >/dev/null || return 1
	done &&
	test_must_fail test -s import.err &&
	cat real.a/*.mbox | grep -c "^From " >expect &&
	find s/dialogs -path "*/cur/*" -type f | wc -l >actual && test_cmp expect actual &&
	dlg -C s fsck
'

if command -v notmuch >/dev/null; then
	test_expect_success 'notmuch new reads the same messages without a complaint' '
		mkdir nmdb &&
		printf "[database]\npath=%s\nmail_root=%s\n[new]\nignore=info;log;status\n" "$PWD/nmdb" "$PWD/s/dialogs" >nmcfg &&
		NOTMUCH_CONFIG=$PWD/nmcfg notmuch new >nm.out 2>nm.err &&
		test_must_fail test -s nm.err &&
		NOTMUCH_CONFIG=$PWD/nmcfg notmuch count >actual && test_cmp expect actual
	'
else
	test_skip 'notmuch new reads the same messages without a complaint' 'no notmuch'
fi

test_expect_success 'the worst case: a Maildir of one-line messages, each a new customer with a new dialog' '
	test "$(ls one.a/new | wc -l)" = 50 && test -d one.a/cur && test -d one.a/tmp &&
	cat one.a/new/* | grep "^From: " | sort -u | wc -l >senders && echo 50 >expect && test_cmp expect senders &&
	for f in one.a/new/*; do sed "1,/^\$/d" "$f" | wc -l; done | sort -u >lines && echo 1 >expect && test_cmp expect lines &&
	dlg init -q w && dlg -C w import -q one.a 2>err && test_must_fail test -s err &&
	dlg -C w list -q --status all | wc -l >dialogs && echo 50 >expect && test_cmp expect dialogs
'

test_expect_success 'a bad shape or count is a usage error' '
	test_exit_code 2 ./gen --shape huge 10 x &&
	test_exit_code 2 ./gen 10x out &&
	test_exit_code 2 ./gen --shape &&
	test_exit_code 2 ./gen &&
	test ! -e x && test ! -e out
'

test_done
