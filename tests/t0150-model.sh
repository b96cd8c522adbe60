#!/bin/bash
# A model-based convergence test.  Random operations (seeded) in three
# operator clones and an importing, sending hub, synced in random orders
# through a central bare repository; at the end every store is compared
# with an oracle (tests/model/model.py) that replays the same operations by
# the store's documented rules, not by asking dlg.  A bug every clone shares
# fails here, where clones that only agree with each other would pass.
#
# DLG_MODEL_SEED (default 1) and DLG_MODEL_OPS (default 250) choose the run;
# a failure prints the seed, the command that replays it and the trace of
# the dialogs or users involved.
. "$(dirname "$0")/lib.sh"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	test_skip 'model-based convergence' 'python3-aiosmtpd is not installed'
	test_done
	exit
fi
start_smtp

# The smallest case the model found: the hub's send empties its outbox
# (the directory goes), while a clone queues another answer.
test_expect_success 'a sent answer stays out of the outbox when a clone queued another' '
	dlg init -q a && dlg -C a channel add mail --type email --smtp "$SMTP" --address support@shop.example &&
	mail m1.eml m1@ex dan@example.com "Order" && D=$(dlg -C a import m1.eml) &&
	dlg -C a reply -m one $D && K1=$(ls a/outbox) && dlg clone -q a b &&
	dlg -C a send >out && test ! -d a/outbox &&
	DLG_OPERATOR=bob dlg -C b reply -m two $D && K2=$(ls b/outbox | grep -v $K1) &&
	git -C a fetch -q ../b main:refs/remotes/b/main && dlg -C a sync -q b/main &&
	ls a/outbox >left && echo $K2 >expect && test_cmp expect left &&
	git -C b fetch -q ../a main:refs/remotes/a/main && dlg -C b sync -q a/main &&
	ls b/outbox >left && test_cmp expect left &&
	dlg -C a send >out && grep -c " sent " out >n && echo 1 >expect && test_cmp expect n
'

SEED=${DLG_MODEL_SEED:-1}
OPS=${DLG_MODEL_OPS:-250}

test_expect_success "setup, $OPS random operations (seed $SEED), syncs to quiescence, send" '
	python3 "$SRCDIR/tests/model/model.py" --dir "$TRASH/model" --smtp "$SMTP" \
		--smtp-maildir "$TRASH/smtp/Maildir" --report "$TRASH/report" \
		--seed "$SEED" --ops "$OPS"
'

sed "s/^/# /" "$TRASH/report/summary"

# one test per kind of disagreement: REPORT/CHECK lists them, empty if none
model_check() {
	test -f "$TRASH/report/$1" && test ! -s "$TRASH/report/$1" || {
		cat "$TRASH/report/$1"
		false
	}
}

test_expect_success 'every command succeeds; imports join the dialogs the oracle expects' 'model_check commands'
test_expect_success 'every store and the oracle agree: status (a close does not hide a later customer message)' 'model_check status'
test_expect_success 'every store and the oracle agree: assignee' 'model_check assignee'
test_expect_success 'every store and the oracle agree: tags' 'model_check tags'
test_expect_success 'every store and the oracle agree: notes' 'model_check notes'
test_expect_success 'every store and the oracle agree: messages, keys and direction' 'model_check messages'
test_expect_success 'every store and the oracle agree: the user of each dialog (merged users)' 'model_check dialog-user'
test_expect_success 'every store and the oracle agree: each user'"'"'s dialogs, by either address' 'model_check user-dialogs'
test_expect_success 'every store and the oracle agree: user cards' 'model_check user-cards'
test_expect_success 'the SMTP peer received every answer exactly once' 'model_check smtp'
test_expect_success 'nothing is left queued; a sent entry never comes back to the outbox' 'model_check outbox'
test_expect_success 'every store has the same tree' 'model_check trees'

test_done
