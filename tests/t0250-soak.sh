#!/bin/bash
# A soak test of a team (issue 13): three operators in clones of a hub
# served by git daemon, and an importer at the hub, all working at once for
# a bounded time with dlg sync at random moments, while the hub delivers
# to a real SMTP server.  tests/soak/soak.py checks the end against what
# the workers did and against its own replay of the logs, never against
# what dlg says.  DLG_SOAK_SECONDS (default 20) and DLG_SOAK_SEED (default
# 1) choose the run; the numbers (operations, pushes, rejected pushes,
# retries) are printed as comments.
. "$(dirname "$0")/lib.sh"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	test_skip 'a team soak' 'python3-aiosmtpd is not installed'
	test_done
	exit
fi
start_smtp
mkdir srv
start_git_daemon "$TRASH/srv" || exit 1

test_expect_success 'setup: a hub with an email channel and six customers, served by git daemon' '
	dlg init -q --hub srv/hub &&
	dlg -C srv/hub channel add mail --type email --smtp "$SMTP" --address support@shop.example &&
	for i in 1 2 3 4 5 6; do mail m$i.eml m$i@ex c$i@customers.example "Order $i" || exit 1; done &&
	DLG_OPERATOR=hub dlg -C srv/hub import m*.eml >ids && test_line_count = ids 6
'

test_expect_success "three operators and an importer for ${DLG_SOAK_SECONDS:-20} s (seed ${DLG_SOAK_SEED:-1}): one end, nothing lost, each answer sent once" '
	mkdir soak &&
	/usr/bin/python3 "$SRCDIR/tests/soak/soak.py" --dir "$TRASH/soak" --hub "$TRASH/srv/hub" \
		--url "$GIT_DAEMON/hub" --smtp-maildir "$TRASH/smtp/Maildir" \
		--seconds "${DLG_SOAK_SECONDS:-20}" --seed "${DLG_SOAK_SEED:-1}" >report 2>&1;
	rc=$?; sed "s/^/# /" report; test $rc = 0
'

test_done
