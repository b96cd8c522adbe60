#!/bin/sh
# dlg chat serve under a bounded load on 127.0.0.1 (bench/chat-load.py; make
# bench runs the full 1000 visitors and 20000 messages and reports times).
# Checked here, never timed: every accepted message is in the spool once,
# every answer reaches its own visitor's stream and no other, and a SIGTERM
# in the middle of the load loses no accepted message.
. "$(dirname "$0")/lib.sh"

trap stop_peers EXIT
dlg init -q s && mkdir spool &&
dlg -C s channel add site --type chat --spool "$PWD/spool" --visitor-rate off --address-rate off >/dev/null
load() { # PEER VISITORS MESSAGES [OPTION...]
	peer=$1 visitors=$2 messages=$3; shift 3
	/usr/bin/python3 "$SRCDIR/bench/chat-load.py" --url "$(cat "$TRASH/peer-$peer/url")" --spool spool \
		--pid "$(cat "$TRASH/peer-$peer/pid")" --visitors "$visitors" --messages "$messages" "$@" >report
	rc=$?
	cat report
	return $rc
}

test_expect_success '300 visitors hold event streams while they send 6000 messages: all land once, answers reach their own' '
	start_gateway load &&
	load load 300 6000 --answers 30 &&
	python3 -c "import json; r = json.load(open(\"report\")); assert r[\"accepted\"] == 6000 and not r[\"problems\"], r" &&
	test "$(ls spool/new | wc -l)" = 6000 && test -z "$(ls spool/tmp)"
'

test_expect_success 'dlg fetch takes the 6000 messages as 300 dialogs, one per visitor' '
	dlg -C s fetch >ids && sort -u ids >dialogs && test_line_count = dialogs 300 &&
	test -z "$(ls spool/new)" && test "$(ls spool/cur | wc -l)" = 6000 &&
	dlg -C s list --json --channel site >list && test_line_count = list 300
'

test_expect_success 'SIGTERM in the middle of the load: every accepted message is kept, and the gateway exits 0' '
	start_gateway term &&
	load term 40 3000 --term-after 400 --answers 0 &&
	python3 -c "import json; r = json.load(open(\"report\")); assert r[\"accepted\"] >= 400 and r[\"lost\"] == 0 and r[\"duplicated\"] == 0, r" &&
	for _ in $(seq 200); do test -s "$TRASH/peer-term/rc" && break; sleep 0.05; done &&
	test "$(cat "$TRASH/peer-term/rc")" = 0 && test -z "$(ls spool/tmp)"
'

test_done
