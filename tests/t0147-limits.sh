#!/bin/bash
# A hostile message cannot make dlg's memory grow faster than the message:
# what is kept of it is capped (dlg-import(1), LIMITS), the message itself
# is stored byte for byte.
. "$(dirname "$0")/lib.sh"

# A sanitizer build trades memory for checks: its peaks say nothing.
if grep -q fsanitize "$SRCDIR/.build-flags" 2>/dev/null || [ -n "${DLG_SANITIZED:-}" ]; then
	sanitized=1
else
	sanitized=
fi

# peak_within FACTOR MESSAGE KB-FILE: the peak resident size in KB-FILE
# (from /usr/bin/time -f %M) is below FACTOR times the message plus 64 MB,
# room for the libraries and the index.  Generous on purpose: today's
# figures are in the commit that added this test.
peak_within() {
	[ -n "$sanitized" ] && return 0
	size=$(wc -c <"$2") peak=$(tail -1 "$3")
	limit=$(( $1 * size / 1024 + 65536 ))
	[ "$peak" -le "$limit" ] || { echo >&2 "peak $peak KB over $limit KB for a message of $size bytes"; return 1; }
}

# One message with every shape that used to cost memory or time in
# proportion to its count: a To: of a million addresses, References of
# 300 000 ids, a 5 MB header line, a Content-Type with a million
# parameters, 10 000 parts and multiparts nested 1 000 deep.
python3 - hostile.eml <<-\EOF
	import sys
	with open(sys.argv[1], "wb") as f:
	    w = f.write
	    w(b"From: \"Eve\" <eve@example.com>\n")
	    w(b"To: " + b"a@b," * 1000000 + b"last@example.com\n")
	    w(b"Cc: " + b"c@d," * 1000 + b"cc@example.com\n")
	    w(b"Subject: hostile\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <hostile@ex>\n")
	    w(b"References: " + b"".join(b"<r%d@x> " % i for i in range(300000)) + b"\n")
	    w(b"X-Long: " + b"x" * (5 << 20) + b"\n")
	    w(b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B0\"" + b"; p=v" * 1000000 + b"\n\n")
	    for i in range(10000):
	        w(b"--B0\nContent-Type: text/plain\n\npart %d\n" % i)
	    w(b"--B0\n")
	    for d in range(1, 1001):
	        w(b"Content-Type: multipart/mixed; boundary=\"D%d\"\n\n--D%d\n" % (d, d))
	    w(b"Content-Type: text/plain\n\ndeepest\n--B0--\n")
EOF

test_expect_success 'setup' '
	dlg init -q s && test $(wc -c <hostile.eml) -gt 15000000
'

test_expect_success 'import keeps memory within a multiple of the message' '
	/usr/bin/time -f %M -o import.kb dlg -C s import hostile.eml >id &&
	peak_within 8 hostile.eml import.kb
'

test_expect_success 'the message is stored byte for byte' '
	f=$(echo s/dialogs/*/*/$(cat id)/cur/*) &&
	tail -c $(wc -c <hostile.eml) $f | cmp - hostile.eml
'

test_expect_success 'the first list (the index is built) stays within it too' '
	/usr/bin/time -f %M -o list.kb dlg -C s list >out &&
	peak_within 8 hostile.eml list.kb &&
	grep "hostile" out
'

test_expect_success 'show stays within it and shows what it can' '
	/usr/bin/time -f %M -o show.kb dlg -C s show $(cat id) >out &&
	peak_within 8 hostile.eml show.kb &&
	grep -x "part 0" out && grep -x "part 9000" out &&
	/usr/bin/time -f %M -o json.kb dlg -C s show --json $(cat id) >out &&
	peak_within 8 hostile.eml json.kb
'

test_expect_success 'a reply naming the hostile message still threads' '
	printf "From: eve@example.com\nSubject: again\nMessage-ID: <again@ex>\nIn-Reply-To: <hostile@ex>\nReferences: <hostile@ex>\n\nsecond\n" >again.eml &&
	dlg -C s import again.eml >id2 && test_cmp id id2
'

test_expect_success 'a message over 64 MB in an mbox is skipped like a file of one' '
	python3 -c "import sys; w = sys.stdout.buffer.write; w(b\"From a@b Mon Nov 23 10:00:00 2026\\nFrom: a@b.example\\nMessage-ID: <huge@ex>\\n\\n\" + b\"x\" * (65 << 20) + b\"\\nFrom b@b Mon Nov 23 10:00:00 2026\\nFrom: b@b.example\\nMessage-ID: <small@ex>\\n\\nsmall\\n\")" >huge.mbox &&
	test_exit_code 1 dlg -C s import huge.mbox >ids 2>err &&
	grep "huge.mbox#1: message larger than 64 MB, skipped" err &&
	test_line_count = ids 1 && dlg -C s show $(cat ids) | grep -x small
'

test_done
