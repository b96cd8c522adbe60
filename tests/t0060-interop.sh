#!/bin/bash
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a dialog with an answer' '
	dlg init -q s &&
	printf "From: Вера <vera@example.ru>\nTo: shop@example.com\nSubject: =?utf-8?B?0JTQvtGB0YLQsNCy0LrQsA==?=\nDate: Mon, 23 Nov 2026 11:00:00 +0000\nMessage-ID: <c@ex>\nContent-Type: text/plain; charset=utf-8\n\nКогда привезут?\n" >c.eml &&
	dlg -C s import c.eml >id &&
	dlg -C s reply -m "Завтра 🚚" $(cat id) &&
	echo s/dialogs/*/*/$(cat id) >dir
'

test_expect_success 'mblaze: mlist, mscan and mshow read the dialog' '
	command -v mlist >/dev/null || exit 0
	mlist $(cat dir) >files && test_line_count = files 2 &&
	mlist $(cat dir) | mscan >scan 2>/dev/null && test_line_count = scan 2 &&
	grep "Доставка" scan &&
	mshow $(cat files) >shown 2>/dev/null &&
	grep "Когда привезут?" shown && grep "Завтра" shown && grep "^Subject: Re: Доставка" shown &&
	mlist $(cat dir) | mthread | mscan >thr 2>/dev/null && test_line_count = thr 2 &&
	head -1 thr | grep "Вера" && tail -1 thr | grep "alice"
'

test_expect_success 'notmuch indexes the dialog as one thread' '
	command -v notmuch >/dev/null || exit 0
	printf "[database]\npath=%s/nmdb\nmail_root=%s/%s\n[new]\ntags=inbox\nignore=info;log;status;assignee;tags;notes\n" "$PWD" "$PWD" "$(cat dir)" >nmcfg &&
	mkdir nmdb &&
	NOTMUCH_CONFIG=$PWD/nmcfg notmuch new >out 2>&1 &&
	test "$(NOTMUCH_CONFIG=$PWD/nmcfg notmuch count --output=messages "*")" = 2 &&
	test "$(NOTMUCH_CONFIG=$PWD/nmcfg notmuch count --output=threads "*")" = 1 &&
	NOTMUCH_CONFIG=$PWD/nmcfg notmuch search "Завтра" >hits && test_line_count = hits 1 &&
	dlg -C s fsck >f && test_line_count = f 0
'

test_expect_success 'git tools work in the store' '
	git -C s log --oneline >log && test_line_count = log 3 &&
	git -C s show --stat HEAD >/dev/null &&
	git -C s blame -- $(sed "s|^s/||" dir)/log >/dev/null &&
	git -C s fsck --no-progress 2>&1 | grep -v "^dangling" >gf || true &&
	test_line_count = gf 0
'

test_done
