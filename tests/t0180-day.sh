#!/bin/bash
# An operator's day at the terminal: stdin is read only when asked, typos
# are refused, dlg knows who you are before it writes, and usage errors
# exit 2 with a message that names the command.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: three dialogs, a chat channel' '
	dlg init -q s &&
	mail a.eml a@ex ann@example.com "Kettle" "" "Mon, 23 Nov 2026 09:00:00 +0000" &&
	mail b.eml b@ex bob@example.com "Invoice" "" "Mon, 23 Nov 2026 10:00:00 +0000" &&
	mail c.eml c@ex cy@example.com "Chat" "" "Mon, 23 Nov 2026 11:00:00 +0000" &&
	dlg -C s import a.eml >A && dlg -C s import b.eml >B && dlg -C s import --channel chat c.eml >C &&
	mkdir -p spool/new spool/tmp && dlg -C s channel add site --type chat --spool "$PWD/spool"
'
A=$(cat A 2>/dev/null) B=$(cat B 2>/dev/null) C=$(cat C 2>/dev/null)

# stdin

test_expect_success 'list reads no stdin unless given -: an open pipe does not hold it up' '
	mkfifo fifo && { sleep 20 >fifo & } && writer=$! &&
	timeout 5 dlg -C s list -q <fifo >out; rc=$?; kill $writer; test $rc = 0 &&
	test_line_count = out 3
'

test_expect_success 'list in a while-read loop leaves the loop its input' '
	printf "%s\n" $A $B $C | while read id; do
		dlg -C s list -q --assignee nobody >/dev/null && echo $id
	done >seen &&
	printf "%s\n" $A $B $C >expect && test_cmp expect seen
'

test_expect_success 'list - lists the dialogs whose ids are on stdin' '
	echo $B | dlg -C s list -q - >out && echo $B >expect && test_cmp expect out &&
	dlg -C s list -q - </dev/null >out && test_line_count = out 0 &&
	# other arguments are search terms (dlg-search(1)), never ids
	dlg -C s list -q invoice </dev/null >out && echo $B >expect && test_cmp expect out
'

test_expect_success '- reads the ids from stdin in every command that takes ids' '
	echo $A | dlg -C s tag +seen - &&
	dlg -C s list -q --tag seen >out && echo $A >expect && test_cmp expect out &&
	echo $A | dlg -C s assign bob - &&
	echo $A | dlg -C s show - >out && grep "^subject: *Kettle" out &&
	echo $A | dlg -C s note -m "checked" - &&
	echo $A | dlg -C s reply -m "On its way" - &&
	dlg -C s show $A >out && grep "^checked" out && grep "^On its way" out &&
	echo $A | dlg -C s close - && echo $A | dlg -C s reopen - &&
	echo $A | dlg -C s attachment - >out && test_line_count = out 0 &&
	echo $A | test_exit_code 2 dlg -C s note - 2>err &&
	grep "^dlg: note: standard input holds the id" err
'

test_expect_success 'no ids and stdin not a pipe: a usage error' '
	test_exit_code 2 dlg -C s close 2>err </dev/null &&
	grep "^dlg: close: no dialog ids given" err &&
	echo $B | dlg -C s close && dlg -C s list -q --status closed >out &&
	echo $B >expect && test_cmp expect out && dlg -C s reopen $B
'

# Typos are refused

test_expect_success 'assign: a name that is no operator is refused, unless --force' '
	dlg -C s assign anybody $B &&
	dlg -C s operator add bob && dlg -C s operator add carol &&
	git -C s rev-parse main >before &&
	test_exit_code 1 dlg -C s assign bbo $B 2>err &&
	echo "dlg: assign: no operator '"'"'bbo'"'"' (dlg operator add bbo, or --force)" >expect &&
	test_cmp expect err &&
	git -C s rev-parse main >after && test_cmp before after &&
	dlg -C s assign --force bbo $B && dlg -C s list -q --assignee bbo >out &&
	echo $B >expect && test_cmp expect out &&
	dlg -C s assign carol $B
'

test_expect_success '--channel takes a configured name as well as a type' '
	dlg -C s list -q --channel chat >want && test_line_count = want 1 &&
	dlg -C s list -q --channel site >got && test_cmp want got &&
	dlg -C s channel add mail --type email --address support@shop.example --smtp smtp://127.0.0.1:9 &&
	mail m.eml m@ex ann@example.com "More" &&
	dlg -C s import --channel mail m.eml >M && dlg -C s show --json $(cat M) | grep "\"channel\":\"email\"" &&
	dlg -C s trigger --user ann@example.com --channel email -m "Hello" >T &&
	grep "^X-Dlg-Route: mail$" s/dialogs/*/*/$(cat T)/cur/* &&
	dlg -C s channel add mail2 --type email --address help@shop.example --smtp smtp://127.0.0.1:9 &&
	test_exit_code 1 dlg -C s trigger --user ann@example.com --channel email -m "Hello" 2>err &&
	grep "^dlg: trigger: 2 channels are of type email (mail, mail2): name one$" err &&
	test_exit_code 1 dlg -C s trigger --user ann@example.com --channel fax -m "Hello" 2>err &&
	grep "^dlg: trigger: no channel .fax." err
'

test_expect_success 'template add refuses an unknown variable' '
	git -C s rev-parse main >before &&
	test_exit_code 1 dlg -C s template add bad -m "Hello {{nonsense}}" 2>err &&
	grep "^dlg: template: unknown variable {{nonsense}}" err &&
	test_exit_code 1 dlg -C s template add bad -m "Hello {{user.name" 2>err &&
	git -C s rev-parse main >after && test_cmp before after &&
	dlg -C s template add good -m "Hello {{user.name}}, {{user.plan}}, {{operator}}"
'

# Who am I

test_expect_success 'no DLG_OPERATOR nor dlg.operator: a change refuses, whatever user.name says' '
	mkdir gh && git config -f gh/.gitconfig user.name Gita &&
	git -C s rev-parse main >before &&
	DLG_OPERATOR= HOME=$PWD/gh test_exit_code 1 dlg -C s reply -m hi $A 2>err &&
	echo "dlg: reply: who are you? set DLG_OPERATOR or git config dlg.operator NAME" >expect &&
	test_cmp expect err &&
	git -C s rev-parse main >after && test_cmp before after &&
	DLG_OPERATOR= HOME=$PWD/gh test_exit_code 1 dlg init -q other 2>err &&
	grep "^dlg: init: who are you? set DLG_OPERATOR or git config --global dlg.operator NAME" err &&
	test ! -e other &&
	git config -f gh/.gitconfig dlg.operator gita &&
	DLG_OPERATOR= HOME=$PWD/gh dlg -C s tag +gita $A &&
	test "$(git -C s log -1 --format=%an)" = gita
'

# Exit codes

test_expect_success 'unknown options and bad values: dlg: CMD: reason, exit 2' '
	test_exit_code 2 dlg -C s list --bogus 2>err &&
	head -1 err >first && echo "dlg: list: unknown option '"'"'--bogus'"'"'" >expect && test_cmp expect first &&
	grep "^usage: dlg list" err &&
	test_exit_code 2 dlg -C s close -x $A 2>err && grep "^dlg: close: unknown option .-x.$" err &&
	test_exit_code 2 dlg -C s list --status 2>err &&
	grep "^dlg: list: option .--status. requires an argument" err &&
	test_exit_code 2 dlg -C s list --status maybe 2>err && grep "^dlg: list: .*open, closed or all" err &&
	test_exit_code 2 dlg -C s list --since 2026-13-45 2>err && grep "^dlg: list: cannot read the date" err &&
	test_exit_code 2 dlg -C s fetch --wait forever 2>err && grep "^dlg: fetch: --wait takes" err &&
	test_exit_code 2 dlg -C s tag + $A 2>err && grep "^dlg: tag: invalid tag" err &&
	test_exit_code 2 dlg -C s tag $A 2>err && grep "^usage: dlg tag" err
'

# An ambiguous id lists its candidates: t0020-operate.sh, which makes enough
# dialogs for two to share a prefix.

test_expect_success 'show GOOD BAD shows GOOD, says why not BAD, and exits 1' '
	test_exit_code 1 dlg -C s show $A ffffffffffffffff >out 2>err &&
	grep "^subject: *Kettle" out &&
	echo "dlg: show: no dialog '"'"'ffffffffffffffff'"'"'" >expect && test_cmp expect err &&
	test_exit_code 1 dlg -C s show --json zz $B >out 2>err &&
	test_line_count = out 1 && grep "not a dialog id" err
'

test_done
