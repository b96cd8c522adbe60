#!/bin/bash
. "$(dirname "$0")/lib.sh"

# dlg sync with remotes: a hub served by real git servers (git daemon,
# git http-backend behind lighttpd, sshd), two operators who dlg clone it
# and share with dlg sync alone; what arrived, rejected pushes, hostile
# hubs, secrets in URLs, and dlg list --changed-since.

mkdir srv
start_git_daemon "$TRASH/srv" || exit 1
start_http_hub "$TRASH/srv" || exit 1
if start_sshd >sshd.err 2>&1; then have_sshd=1; else have_sshd=; fi

# A hub under srv/NAME with one dialog (its id in D).
hub() {
	rm -rf "srv/$1" &&
	dlg init -q "srv/$1" &&
	git -C "srv/$1" config http.receivepack true &&
	mail d.eml "d-$1@ex" dan@example.com "Order" &&
	dlg -C "srv/$1" import d.eml >D
}

# The hub's files as of its main: nothing runs at the hub when a push
# arrives (yet), and any dlg command there brings them up to date.
refresh() {
	dlg -C "$1" list -q >/dev/null
}

# Every store given has the hub's main and tree, and lists the same.
same_as_hub() {
	h=$1
	shift
	for s in "$@"; do
		test "$(git -C "$s" rev-parse main)" = "$(git -C "$h" rev-parse main)" || return 1
		dlg -C "$s" list --status all --json >"$s.json" &&
		dlg -C "$h" list --status all --json >hub.json &&
		test_cmp hub.json "$s.json" || return 1
	done
}

# two_operators URL: alice and bob clone the hub at URL, each changes the
# dialog and adds a note, both sync twice; all three end alike.
two_operators() {
	rm -rf a b &&
	dlg clone -q "$1" a && DLG_OPERATOR=bob dlg clone -q "$1" b &&
	dlg -C a tag +vip $(D) && dlg -C a note -m "from alice" $(D) &&
	DLG_OPERATOR=bob dlg -C b assign bob $(D) &&
	dlg -C a sync -q && DLG_OPERATOR=bob dlg -C b sync -q && dlg -C a sync -q &&
	same_as_hub "srv/$2" a b && refresh "srv/$2" &&
	grep -x vip "srv/$2"/dialogs/*/*/$(D)/tags && grep -x bob "srv/$2"/dialogs/*/*/$(D)/assignee
}

test_expect_success 'git daemon: two operators clone, change, sync and end identical with the hub' '
	hub h1 && two_operators "$GIT_DAEMON/h1" h1
'

test_expect_success 'smart HTTP (lighttpd, git http-backend): the same' '
	hub h2 && two_operators "$HTTP_HUB/git/h2" h2
'

if [ -n "$have_sshd" ]; then
	# libgit2's ssh transport leaks per connection (tests/lsan-ssh.supp)
	ssh_lsan="suppressions=$SRCDIR/tests/lsan-ssh.supp:print_suppressions=0"
	test_expect_success 'ssh (key in ssh-agent): the same' '
		hub h3 && LSAN_OPTIONS=$ssh_lsan two_operators "$SSH_HUB$TRASH/srv/h3" h3
	'
	test_expect_success 'ssh without an agent: an unencrypted key in ~/.ssh' '
		hub h3 && mkdir -p .ssh && cp peer-sshd/client_key .ssh/id_ed25519 &&
		(unset SSH_AUTH_SOCK && LSAN_OPTIONS=$ssh_lsan two_operators "$SSH_HUB$TRASH/srv/h3" h3)
	'
else
	test_skip 'ssh: two operators' "sshd cannot run here: $(tail -1 sshd.err)"
	test_skip 'ssh without an agent' "sshd cannot run here"
fi

test_expect_success 'a local path and file:// are remotes too' '
	hub h4 && two_operators "$TRASH/srv/h4" h4 &&
	hub h4 && two_operators "file://$TRASH/srv/h4" h4
'

test_expect_success 'what arrived: operators and what they did, new dialogs and messages' '
	hub h5 && rm -rf a b &&
	dlg clone -q "$GIT_DAEMON/h5" a && dlg clone -q "$GIT_DAEMON/h5" b &&
	mail 2.eml 2@ex eve@example.com "Refund" && mail 3.eml 3@ex fay@example.com "Late" &&
	mail 4.eml 4@ex dan@example.com "Re: Order" d-h5@ex &&
	dlg -C b import 2.eml 3.eml 4.eml >new &&
	DLG_OPERATOR=bob dlg -C b assign bob $(D) $(sed -n 1p new) &&
	DLG_OPERATOR=bob dlg -C b close $(D) &&
	DLG_OPERATOR=carol dlg -C b assign dan $(sed -n 2p new) &&
	dlg -C b sync >out &&
	echo "origin: nothing new; pushed" >expect && test_cmp expect out &&
	dlg -C a sync >out &&
	echo "origin: bob: assigned 2 to themselves, closed 1; carol: assigned 1 to dan; 2 new dialogs, 3 new messages; nothing to push" >expect &&
	test_cmp expect out &&
	dlg -C a sync >out && echo "origin: nothing new; nothing to push" >expect && test_cmp expect out
'

test_expect_success '--json: one object per remote; -q prints nothing' '
	hub h6 && rm -rf a b && dlg clone -q "$HTTP_HUB/git/h6" a && dlg clone -q "$HTTP_HUB/git/h6" b &&
	DLG_OPERATOR=bob dlg -C b reply -m "on its way" $(D) && DLG_OPERATOR=bob dlg -C b sync -q >out &&
	test_line_count = out 0 &&
	dlg -C a tag +x $(D) &&
	dlg -C a sync --json "$HTTP_HUB/git/h6" origin >out &&
	cat >expect <<-EOF &&
	{"remote":"$HTTP_HUB/git/h6","merge":"merged","new_dialogs":0,"new_messages":0,"operations":[{"operator":"bob","op":"answer","count":1},{"operator":"bob","op":"assign","to":"bob","count":1}],"pushed":true,"attempts":1}
	{"remote":"origin","merge":"up to date","new_dialogs":0,"new_messages":0,"operations":[],"pushed":false,"attempts":0}
	EOF
	test_cmp expect out &&
	same_as_hub srv/h6 a
'

# The hub's pre-receive hook moves main once, as another operator's push
# would between this one's fetch and its push: the push is rejected,
# fetched, merged and pushed again.
test_expect_success 'a rejected push is fetched, merged and pushed again' '
	hub h7 && rm -rf a b && dlg clone -q "$GIT_DAEMON/h7" a && dlg clone -q "$GIT_DAEMON/h7" b &&
	DLG_OPERATOR=bob dlg -C b tag +from-bob $(D) && git -C b push -q origin main:refs/heads/bob &&
	cat >srv/h7/.git/hooks/pre-receive <<-EOF &&
	#!/bin/sh
	[ -e "$TRASH/raced" ] && exit 0
	: >"$TRASH/raced"
	env -u GIT_QUARANTINE_PATH git update-ref refs/heads/main refs/heads/bob
	EOF
	chmod +x srv/h7/.git/hooks/pre-receive && rm -f raced &&
	dlg -C a tag +from-alice $(D) &&
	dlg -C a sync --json >out &&
	grep "\"pushed\":true,\"attempts\":2" out && grep "\"op\":\"tag\",\"tag\":\"from-bob\"" out &&
	refresh srv/h7 && printf "from-alice\nfrom-bob\n" >expect && test_cmp expect srv/h7/dialogs/*/*/$(D)/tags &&
	rm srv/h7/.git/hooks/pre-receive && dlg -C b sync -q && same_as_hub srv/h7 a b
'

test_expect_success 'two clones pushing at once to a path: both changes reach the hub, none is lost' '
	hub h8 && rm -rf a b && dlg clone -q srv/h8 a && dlg clone -q srv/h8 b &&
	for i in 1 2 3 4 5 6; do
		dlg -C a tag +a$i $(D) && DLG_OPERATOR=bob dlg -C b tag +b$i $(D) &&
		{ dlg -C a sync --json >a.out & } && pid=$! &&
		DLG_OPERATOR=bob dlg -C b sync --json >b.out && wait $pid &&
		grep "\"pushed\":true" a.out && grep "\"pushed\":true" b.out &&
		cat a.out b.out >>attempts || return 1
	done &&
	dlg -C a sync -q && DLG_OPERATOR=bob dlg -C b sync -q && refresh srv/h8 &&
	for i in 1 2 3 4 5 6; do grep -x a$i srv/h8/dialogs/*/*/$(D)/tags && grep -x b$i srv/h8/dialogs/*/*/$(D)/tags || return 1; done &&
	same_as_hub srv/h8 a b &&
	sed -n "s/.*\"attempts\":\([0-9]*\).*/\1/p" attempts | sort | uniq -c >&2
'

test_expect_success 'a hostile hub: a commit adding ../x or .git/hooks is refused, main and view unchanged' '
	hub h9 && rm -rf a && dlg clone -q "$GIT_DAEMON/h9" a &&
	git -C srv/h9 rev-parse main >good &&
	for name in .. .git; do
		blob=$(echo evil | git --git-dir=srv/h9/.git hash-object -w --stdin) &&
		if [ $name = .. ]; then set -- .. x; else set -- .git hooks post-checkout; fi &&
		tree=$(python3 "$SRCDIR/tests/graft-tree.py" srv/h9/.git "$(git -C srv/h9 rev-parse "main^{tree}")" 100644 "$blob" "$@") &&
		commit=$(git --git-dir=srv/h9/.git commit-tree -p main -m evil "$tree") &&
		git -C srv/h9 update-ref refs/heads/main "$commit" &&
		git -C a rev-parse main >before &&
		test_must_fail dlg -C a sync 2>err && cat err &&
		grep -F "refusing refs/remotes/origin/main: path" err && grep -F "$name" err &&
		git -C a rev-parse main >after && test_cmp before after &&
		dlg -C a fsck >f && test_line_count = f 0 &&
		test ! -e x && test ! -e a/.git/hooks/post-checkout.evil && ! ls a/.git/hooks | grep -q post-checkout &&
		git -C srv/h9 update-ref refs/heads/main "$(cat good)" || return 1
	done
'

test_expect_success 'a fetch writes refs/remotes/NAME/main only: no tags, no other branch' '
	hub h10 && rm -rf a && dlg clone -q "$GIT_DAEMON/h10" a &&
	git -C srv/h10 tag v1 main && git -C srv/h10 branch evil main &&
	git -C srv/h10 update-ref refs/remotes/origin/main main &&
	dlg -C a tag +x $(D) && dlg -C a sync -q &&
	git -C a for-each-ref --format="%(refname)" >refs &&
	printf "refs/dlg/last-sync\nrefs/heads/main\nrefs/remotes/origin/HEAD\nrefs/remotes/origin/main\n" >expect &&
	test_cmp expect refs &&
	dlg -C a sync -q "$GIT_DAEMON/h10" && git -C a for-each-ref --format="%(refname)" refs/remotes/h10 >refs &&
	echo refs/remotes/h10/main >expect && test_cmp expect refs
'

test_expect_success 'a password in a URL is never shown: output, errors, what dlg says of .git/config' '
	hub h11 && rm -rf a && dlg clone -q "$HTTP_HUB/git/h11" a &&
	url=$(echo "$HTTP_HUB/auth/h11" | sed "s|//|//tester:s3cret@|") &&
	dlg -C a tag +x $(D) && dlg -C a sync "$url" >out 2>&1 &&
	grep "^http://[^ ]*127.0.0.1:[0-9]*/auth/h11: nothing new; pushed" out && ! grep s3cret out &&
	bad=$(echo "$url" | sed "s/s3cret/wr0ngpass/") && git -C a remote add hub "$bad" &&
	test_must_fail dlg -C a sync hub >out 2>&1 && cat out &&
	grep "dlg: sync: hub: " out && ! grep -e s3cret -e wr0ngpass out &&
	test_must_fail dlg -C a sync "$bad" >out 2>&1 && cat out && ! grep -e s3cret -e wr0ngpass out &&
	! grep -r -e s3cret -e wr0ngpass a/.git/logs a/.git/refs a/.git/packed-refs 2>/dev/null
'

test_expect_success 'git credential: a helper gives the password, and forgets one refused' '
	hub h12 && rm -rf a && dlg clone -q "$HTTP_HUB/git/h12" a &&
	git config --global credential.helper "store --file=$TRASH/creds" &&
	echo "$HTTP_HUB" | sed "s|//|//tester:s3cret@|" >creds &&
	dlg -C a tag +x $(D) && dlg -C a sync -q "$HTTP_HUB/auth/h12" &&
	refresh srv/h12 && grep -x x srv/h12/dialogs/*/*/$(D)/tags && test -s creds &&
	echo "$HTTP_HUB" | sed "s|//|//tester:wr0ng@|" >creds &&
	dlg -C a tag +y $(D) && test_must_fail dlg -C a sync "$HTTP_HUB/auth/h12" 2>err &&
	! grep wr0ng err && ! test -s creds &&
	git config --global --unset credential.helper
'

test_expect_success 'no argument and no upstream: a usage error that says what to do' '
	rm -rf lone && dlg init -q lone &&
	test_exit_code 2 dlg -C lone sync 2>err &&
	grep "dlg: sync: no upstream: give a REMOTE" err &&
	test_exit_code 2 dlg -C lone sync "$GIT_DAEMON/h1" no-such-remote 2>err &&
	grep "no-such-remote.* is no remote" err
'

test_expect_success 'dlg sync REF still merges a local ref' '
	hub h13 && rm -rf a b && dlg clone -q srv/h13 a && dlg clone -q srv/h13 b &&
	dlg -C b tag +x $(D) && git -C a fetch -q ../b main:refs/remotes/b/main &&
	dlg -C a sync b/main >out && echo fast-forward >expect && test_cmp expect out
'

test_expect_success 'git pull fails in a store; git fetch and git push work after dlg clone' '
	hub h14 && rm -rf a && dlg clone -q "$GIT_DAEMON/h14" a &&
	test_exit_code 128 git -C a pull 2>err && grep "must be run in a work tree" err &&
	dlg -C a tag +x $(D) && git -C a push -q && test "$(git -C a rev-parse main)" = "$(git -C srv/h14 rev-parse main)" &&
	dlg -C srv/h14 tag +y $(D) && git -C a fetch -q &&
	test "$(git -C a rev-parse origin/main)" = "$(git -C srv/h14 rev-parse main)" &&
	grep -A12 "^.Xr git-pull 1" "$SRCDIR/man/dlg-sync.1" | grep -q "^.Nm dlg sync" &&
	grep -A2 "^.git pull. fails in a store" "$SRCDIR/README.md" | grep -q "use .dlg sync."
'

test_expect_success 'dlg list --changed-since last-sync: the dialogs a sync changed, with other filters' '
	hub h15 && rm -rf a b && dlg clone -q srv/h15 a && dlg clone -q srv/h15 b &&
	mail 5.eml 5@ex eve@example.com "Refund" && mail 6.eml 6@ex fay@example.com "Late" &&
	dlg -C b import 5.eml 6.eml >new && DLG_OPERATOR=bob dlg -C b close $(sed -n 2p new) &&
	dlg -C b sync -q && dlg -C a tag +mine $(D) && dlg -C a sync -q &&
	dlg -C a list -q --status all --changed-since last-sync | sort >out &&
	sort new >expect && test_cmp expect out &&
	dlg -C a list -q --changed-since last-sync >out && sed -n 1p new >expect && test_cmp expect out &&
	dlg -C a list -q --status all --changed-since "main~3" | sort >out &&
	{ cat new; D; } | sort >expect && test_cmp expect out &&
	test_exit_code 2 dlg -C a list --changed-since no-such-commit 2>err &&
	grep "no commit .no-such-commit." err &&
	test_exit_code 2 dlg -C srv/h15 list -q --changed-since last-sync 2>err && grep "no last sync yet" err
'

test_done
