#!/bin/bash
# What reaches a terminal or JSON is valid UTF-8 with no control sequences,
# whatever bytes a message or a fetched commit holds.
. "$(dirname "$0")/lib.sh"

ESC=$(printf '\033')

# Strict UTF-8 (no surrogates, nothing past U+10FFFF, no overlong forms),
# which iconv does not check in every version.
valid_utf8() {
	python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8", "strict")' <"$1"
}

no_escapes() {
	! grep -q "$ESC" "$1"
}

# Every kind of broken byte: the reported lead byte 0xFF, an old 5-byte
# form, a surrogate, past U+10FFFF, overlong, truncated, stray.
BROKEN=$(printf 'x\r\377\245\245\245 \370\210\200\200\200 \355\240\200 \364\220\200\200 \300\257 \340\200\257 \342\202 \200 end')
# ...and the same, as valid UTF-8 shows it: one U+FFFD per broken piece
# (the terminal gets "^M" for the carriage return, JSON "\r").
R=$(printf '\357\277\275')
FIXED="$R$R$R$R $R$R$R$R$R $R$R$R $R$R$R$R $R$R $R$R$R $R $R end"

test_expect_success 'setup: a dialog, then a commit with broken bytes in its files' '
	dlg init -q s &&
	mail m.eml one@ex ivan@example.com "Order" &&
	dlg -C s import m.eml >id && dlg -C s tag +vip $(cat id) &&
	dir=$(echo s/dialogs/*/*/$(cat id)) && dir=${dir#s/} && echo $dir >dir &&
	LC_ALL=C sed "s/^subject: .*/subject: $BROKEN/" s/$dir/info >info &&
	commit_file $dir/info info &&
	printf "vip\nt\033[2J%s\n" "$BROKEN" >tags && commit_file $dir/tags tags &&
	printf "%s\n" "$BROKEN" >assignee && commit_file $dir/assignee assignee &&
	printf "Author: %s\nDate: 2026-11-25T10:00:00Z\n\n%s\n" "$BROKEN" "$BROKEN" >note &&
	commit_file $dir/notes/20261125T100000Z-00000000 note &&
	msg=$(cd s/$dir/cur && ls) &&
	{ printf "X-Dlg-Channel: %s\n" "$BROKEN"; cat s/$dir/cur/$msg; } >msg &&
	commit_file $dir/cur/$msg msg
'

test_expect_success 'list shows every broken byte as U+FFFD' '
	dlg -C s list >out && valid_utf8 out && no_escapes out &&
	grep -F "$FIXED" out
'

test_expect_success 'show shows every broken byte as U+FFFD, tags included' '
	dlg -C s show $(cat id) >out && valid_utf8 out && no_escapes out &&
	grep -F "subject:  x^M$FIXED" out &&
	grep -F "assignee: x^M$FIXED" out &&
	grep -F "tags:     vip, t^[[2Jx^M$FIXED" out &&
	grep -F "via x^M$FIXED" out &&
	test $(grep -cF "x^M$FIXED" out) = 6
'

test_expect_success 'JSON is valid UTF-8 with the same replacements' '
	dlg -C s list --json >out && valid_utf8 out &&
	grep -F "x\\r$FIXED" out &&
	dlg -C s show --json $(cat id) >out && valid_utf8 out &&
	grep -F "\"subject\":\"x\\r$FIXED\"" out
'

test_expect_success 'a forged user id in info comes out sanitized' '
	LC_ALL=C sed "s/^user: .*/user: $(printf "\033[2J\377")/" s/$(cat dir)/info >info &&
	commit_file $(cat dir)/info info &&
	dlg -C s show $(cat id) >out && valid_utf8 out && no_escapes out &&
	grep -F "(^[[2J$R)" out
'

test_expect_success 'a forged identity kind in a user log comes out sanitized' '
	log=$(cd s && echo users/*/*/*/log) &&
	{ cat s/$log; echo "3 2026-11-25T10:00:00Z alice ident %1B[2Jx%FF v"; } >log &&
	commit_file $log log &&
	dlg -C s user show ivan@example.com >out && valid_utf8 out && no_escapes out &&
	grep -F "^[[2Jx$R:" out
'

test_done
