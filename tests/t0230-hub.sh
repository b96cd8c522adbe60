#!/bin/bash
# A hub (dlg init --hub): clones push to it with plain git push, its view and
# index follow each push, its pre-receive hook refuses what is not a dlg
# change of main, and it alone delivers: every answer reaches the SMTP and
# Telegram peers exactly once, across clones, concurrent senders and a
# sender killed after the channel took the message.
. "$(dirname "$0")/lib.sh"

TOKEN=123:TESTTOKEN
export DLG_SECRET_TG=$TOKEN   # every store could send: only the hub may
loads_libgit2() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -q "file=libgit2"; }
tip() { git -C "$1" rev-parse main; }
# The hub's sender started by post-receive is done: nothing queued, no lock.
hub_sent() {
	for _ in $(seq 200); do
		test -z "$(git -C hub ls-tree --name-only main outbox/)" && break
		sleep 0.1
	done
	flock hub/.git/dlg/send.lock true && test -z "$(git -C hub ls-tree --name-only main outbox/)"
}
# How many messages the SMTP peer received with Message-ID $1, and all of them.
smtp_count() { grep -l -i "^Message-ID: <$1>" "$TRASH"/smtp/Maildir/new/* 2>/dev/null | wc -l; }
smtp_ids() { grep -h -i "^Message-ID:" "$TRASH"/smtp/Maildir/new/* 2>/dev/null | sort; }
# The texts the Telegram peer delivered, one a line.
tg_texts() {
	peer_ctl /_ctl/sent | python3 -c 'import json, sys; [print(m.get("text", "")) for m in json.load(sys.stdin)]'
}
# The Message-ID dlg gave an answer: the file of dialog $2 in store $1 holding text $3.
answer_id() {
	grep -l "$3" "$1"/dialogs/*/*/"$2"/cur/* | head -1 | xargs sed -n 's/^Message-ID: <\(.*\)>.*/\1/p' | head -1
}
# share CLONE: fetch, merge, push, again when the hub moved first.
share() { dlg -C "$1" sync -q; }
customer() { # CHAT TEXT
	peer_ctl /_ctl/message "{\"chat_id\": $1, \"from\": {\"id\": $1, \"first_name\": \"Мария\"}, \"text\": \"$2\"}" >/dev/null
}
# evil GIT-DIR MODE CONTENT NAME...: a commit on main with one more entry.
evil() {
	gd=$1 mode=$2 oid=$(printf '%s' "$3" | git --git-dir="$1" hash-object -w --stdin)
	shift 3
	tree=$(python3 "$SRCDIR/tests/graft-tree.py" "$gd" "$(git --git-dir="$gd" rev-parse 'main^{tree}')" \
		"$mode" "$oid" "$@") &&
	git --git-dir="$gd" commit-tree -p main -m evil "$tree"
}

start_smtp
start_peer telegram

test_expect_success 'init --hub: a hub, and send.at = hub in one commit of its own' '
	dlg init --hub hub >out && grep "hub in hub" out &&
	test -f hub/.git/dlg/hub && grep -x "send.at=hub" hub/config &&
	git -C hub log -1 --format=%s >msg && grep "send.at=hub" msg &&
	test "$(git -C hub rev-list --count main)" = 2 &&
	test -x hub/.git/hooks/pre-receive && test -x hub/.git/hooks/post-receive &&
	grep -F "$SRCDIR/dlg" hub/.git/hooks/post-receive && grep -F "</dev/null" hub/.git/hooks/post-receive &&
	for k in receive.denyNonFastForwards receive.denyDeletes receive.fsckObjects; do
		test "$(git -C hub config --bool $k)" = true || exit 1
	done &&
	test "$(git -C hub config core.fsync)" = all && test "$(git -C hub config core.fsyncMethod)" = fsync &&
	dlg -C hub fsck >f && test_line_count = f 0
'

test_expect_success 'setup: channels at the hub, an email and a Telegram dialog, two clones' '
	printf "%s\n" $TOKEN >tok &&
	dlg -C hub channel add mail --type email --address support@shop.example --smtp "$SMTP" &&
	dlg -C hub channel add tg --type telegram --api-url "$PEER" --token-file tok --timeout 10 &&
	mail e.eml e1@ex olga@example.com "Box" && dlg -C hub import e.eml >E &&
	customer 5000000001 "Где заказ?" && dlg -C hub fetch >T && test_line_count = T 1 &&
	dlg clone -q hub a && dlg clone -q hub b &&
	test ! -e a/.git/dlg/hub && git -C a config branch.main.remote >r && grep origin r
'

test_expect_success 'a push: the hub'"'"'s view and index follow, with stdin closed, nothing hangs' '
	mail n.eml n1@ex ivan@example.com "Новый заказ" &&
	dlg -C a import n.eml >N &&
	timeout 30 git -C a push -q origin main 2>err &&
	test "$(tip hub)" = "$(tip a)" && test "$(cat hub/.git/dlg/view)" = "$(tip hub)" &&
	ls hub/dialogs/*/*/$(cat N)/cur >/dev/null &&
	! loads_libgit2 dlg -C hub list -q && dlg -C hub list -q >l && grep -x "$(cat N)" l &&
	dlg -C hub search -q заказ >s && grep -x "$(cat N)" s &&
	! grep -i "dlg:" err
'

test_expect_success 'a clone delivers nothing itself: its send and reply --send take the answers to the hub' '
	dlg -C a reply -q -m "box-on-its-way" $(cat E) &&
	mails=$(ls "$TRASH"/smtp/Maildir/new | wc -l) &&
	dlg -C a send >out 2>err && test ! -s out && test_line_count = err 1 &&
	grep "^send: the hub sends the answers; origin: nothing new; pushed$" err &&
	git -C hub merge-base --is-ancestor "$(tip a)" main && hub_sent &&
	test "$(smtp_count "$(answer_id hub $(cat E) "box-on-its-way")")" = 1 &&
	dlg -C a reply --send -q -m "one-more" $(cat E) 2>err && grep "the hub sends the answers" err &&
	hub_sent && test "$(smtp_count "$(answer_id hub $(cat E) "one-more")")" = 1 &&
	test "$(ls "$TRASH"/smtp/Maildir/new | wc -l)" = $((mails + 2)) &&
	dlg -C a send -q >out 2>err && test ! -s out && test ! -s err &&
	git -C a config --unset branch.main.remote &&
	dlg -C a reply -q -m "stays-here" $(cat E) &&
	test_exit_code 1 dlg -C a send 2>err && grep "no upstream to take them there" err &&
	git -C a config branch.main.remote origin
'

test_expect_success 'answers pushed to the hub go out through post-receive, exactly once' '
	dlg -C a reply -q -m "Заказ отправлен" $(cat T) &&
	dlg -C a sync -q && hub_sent &&
	for t in "box-on-its-way" "one-more"; do
		test "$(smtp_count "$(answer_id hub $(cat E) "$t")")" = 1 || exit 1
	done &&
	tg_texts >sent && grep -c -x "Заказ отправлен" sent >c && test "$(cat c)" = 1 &&
	grep " sent mail " hub/.git/dlg/send.log && grep " sent tg " hub/.git/dlg/send.log &&
	! grep "dlg:" hub/.git/dlg/send.log &&
	git -C a fetch -q origin &&
	dlg -C a sync -q origin/main && dlg -C a show $(cat T) >show && grep "out, sent" show
'

test_expect_success 'two clones and the hub send at once: each answer reaches its peer once' '
	git -C b fetch -q origin && dlg -C b sync -q origin/main &&
	for i in 1 2 3; do
		dlg -C a reply -q -m "a-mail-$i" $(cat E) && dlg -C a reply -q -m "a-tg-$i" $(cat T) &&
		DLG_OPERATOR=bob dlg -C b reply -q -m "b-mail-$i" $(cat E) &&
		DLG_OPERATOR=bob dlg -C b reply -q -m "b-tg-$i" $(cat T) || exit 1
	done &&
	share a && share b &&
	{ dlg -C a send -q 2>/dev/null & dlg -C b send -q 2>/dev/null & dlg -C hub send -q & wait; } &&
	hub_sent &&
	for w in a b; do
		for i in 1 2 3; do
			test "$(smtp_count "$(answer_id hub $(cat E) "$w-mail-$i")")" = 1 || exit 1
		done
	done &&
	tg_texts >sent && grep "^[ab]-tg-" sent | sort >got && sort -u got >uniq &&
	test_cmp uniq got && test_line_count = got 6 &&
	smtp_ids >ids && sort -u ids >uids && test_cmp uids ids
'

test_expect_success 'killed after SMTP took it: "sending" on disk, resent with the same Message-ID' '
	dlg -C hub reply -q -m "mail-in-the-window" $(cat E) &&
	id=$(answer_id hub $(cat E) "mail-in-the-window") && test -n "$id" &&
	echo 30 >"$TRASH"/smtp/delay &&
	{ dlg -C hub send $(cat E) >/dev/null 2>&1 & pid=$!; } &&
	for _ in $(seq 200); do test "$(smtp_count $id)" = 1 && break; sleep 0.05; done &&
	test "$(smtp_count $id)" = 1 && kill -9 $pid && { wait $pid || :; } &&
	rm "$TRASH"/smtp/delay &&
	dlg -C hub show $(cat E) >show && grep "out, sending" show &&
	f=$(grep -l "mail-in-the-window" hub/dialogs/*/*/$(cat E)/cur/*) &&
	git -C hub show "main:${f#hub/}" >m && grep -x "X-Dlg-Delivery: sending" m &&
	grep -x "X-Dlg-Attempts: 1" m &&
	dlg -C hub send >out && grep "sent mail" out &&
	test "$(smtp_count $id)" = 2 &&
	smtp_ids | grep -i -c "<$id>" >n && smtp_ids | sort -u | grep -i -c "<$id>" >distinct &&
	test "$(cat n)" = 2 && test "$(cat distinct)" = 1 &&
	git -C hub show "main:${f#hub/}" >m && grep -x "X-Dlg-Delivery: sent" m && grep -x "X-Dlg-Attempts: 2" m
'

test_expect_success 'killed after Telegram took it: not resent, failed with why, sent again on --retry' '
	dlg -C hub reply -q -m "Телеграм в окне" $(cat T) &&
	peer_ctl /_ctl/fail "{\"method\": \"sendMessage\", \"mode\": \"slow\", \"hang_seconds\": 30}" >/dev/null &&
	{ dlg -C hub send $(cat T) >/dev/null 2>&1 & pid=$!; } &&
	for _ in $(seq 200); do tg_texts | grep -q -x "Телеграм в окне" && break; sleep 0.05; done &&
	tg_texts | grep -c -x "Телеграм в окне" >c && test "$(cat c)" = 1 &&
	kill -9 $pid && { wait $pid || :; } &&
	test_exit_code 1 dlg -C hub send 2>err &&
	grep "failed tg .*may have reached the customer.*dlg send --retry" err &&
	tg_texts | grep -c -x "Телеграм в окне" >c && test "$(cat c)" = 1 &&
	dlg -C hub show $(cat T) >show && grep "out, failed" show && grep "not retried" show &&
	dlg -C hub send >out 2>err && test ! -s out &&
	dlg -C hub send --retry $(cat T) >out 2>err && grep "1 failed message queued again" err &&
	grep "sent tg" out && tg_texts | grep -c -x "Телеграм в окне" >c && test "$(cat c)" = 2
'

test_expect_success 'a merge keeps "sending" over "queued", whichever side merges' '
	rm -rf x y && dlg clone -q hub x && dlg clone -q hub y &&
	dlg -C x reply -q -m "race-reply" $(cat E) &&
	git -C y fetch -q ../x main:refs/remotes/x/main && dlg -C y sync -q x/main &&
	f=$(cd x && grep -l "race-reply" dialogs/*/*/$(cat ../E)/cur/*) &&
	git -C x show "main:$f" >orig &&
	sed "s/^X-Dlg-Delivery: queued/X-Dlg-Delivery: sending/" orig >sending &&
	for n in $(seq 500); do
		{ echo "X-Dlg-Attempts: $n"; cat orig; } >queued &&
		test "$(git hash-object queued)" \> "$(git hash-object sending)" && break
	done &&
	test "$(git hash-object queued)" \> "$(git hash-object sending)" &&
	for side in x:sending y:queued; do
		r=${side%%:*} v=${side#*:} &&
		blob=$(git -C $r hash-object -w --stdin <$v) &&
		tree=$(git -C $r rev-parse "main^{tree}") &&
		GIT_INDEX_FILE=$TRASH/idx.$r git -C $r read-tree "$tree" &&
		GIT_INDEX_FILE=$TRASH/idx.$r git -C $r update-index --add --cacheinfo 100644 "$blob" "$f" &&
		t=$(GIT_INDEX_FILE=$TRASH/idx.$r git -C $r write-tree) &&
		c=$(git -C $r commit-tree -p main -m "$v" $t) && git -C $r update-ref refs/heads/main $c || exit 1
	done &&
	git -C x fetch -q ../y main:refs/remotes/y/main && dlg -C x sync -q y/main &&
	git -C y fetch -q ../x main:refs/remotes/x/main && dlg -C y sync -q x/main &&
	git -C x show "main:$f" >mx && git -C y show "main:$f" >my &&
	grep -x "X-Dlg-Delivery: sending" mx && test_cmp mx my
'

test_expect_success 'pre-receive refuses hostile pushes; the hub stays as it was' '
	git -C a fetch -q origin && dlg -C a sync -q origin/main && git -C a push -q origin main 2>/dev/null;
	before=$(tip hub) && ls -A hub >top &&
	gd=a/.git && tipa=$(tip a) &&
	c=$(evil $gd 100644 x junk) && test_must_fail git -C a push -q origin $c:refs/heads/main 2>err &&
	grep "refusing pushed commit .*path .junk.: a file outside the store.s layout" err &&
	c=$(evil $gd 120000 /etc/passwd templates link) && test_must_fail git -C a push -q origin $c:refs/heads/main 2>err &&
	grep "refusing pushed commit .*templates/link" err &&
	c=$(evil $gd 100644 x .git x) && test_must_fail git -C a push -q origin $c:refs/heads/main 2>err &&
	c=$(evil $gd 100644 x .. x) && test_must_fail git -C a push -q origin $c:refs/heads/main 2>err &&
	t=$(printf "" | git --git-dir=$gd mktree) && c=$(git --git-dir=$gd commit-tree -p main -m empty $t) &&
	test_must_fail git -C a push -q origin $c:refs/heads/main 2>err && grep "no format file" err &&
	test_must_fail git -C a push -q origin main:refs/heads/other 2>err &&
	grep "a hub takes pushes to refs/heads/main only, not .refs/heads/other." err &&
	test_must_fail git -C a push -q origin main:refs/tags/v1 2>err && grep "refs/tags/v1" err &&
	test_must_fail git -C a push -q -f origin main~2:refs/heads/main 2>err &&
	test_must_fail git -C a push -q origin :refs/heads/main 2>err &&
	test "$(tip hub)" = "$before" && git -C hub for-each-ref --format="%(refname)" >refs &&
	echo refs/heads/main >expect && test_cmp expect refs &&
	ls -A hub >top.now && test_cmp top top.now && dlg -C hub fsck >f && test_line_count = f 0
'

test_expect_success 'pre-receive checks by itself: another ref, a deletion, a rewrite, a foreign tree' '
	z=0000000000000000000000000000000000000000 && t=$(tip hub) &&
	test_must_fail dlg -C hub hook pre-receive $t $t refs/heads/x 2>err && grep "main only" err &&
	test_must_fail dlg -C hub hook pre-receive $t $z refs/heads/main 2>err && grep "never deleted" err &&
	test_must_fail dlg -C hub hook pre-receive $t $(git -C hub rev-parse main~1) refs/heads/main 2>err &&
	grep "fast-forwards only" err &&
	dlg -C hub hook pre-receive $t $t refs/heads/main &&
	test_exit_code 2 dlg -C hub hook pre-receive $t $t 2>err && grep "^usage: dlg hook" err
'

test_expect_success 'fetch --wait killed by SIGTERM while the channel hands a message over loses nothing' '
	customer 5000000002 "Сообщение в окне" &&
	peer_ctl /_ctl/fail "{\"method\": \"getUpdates\", \"mode\": \"slow\", \"hang_seconds\": 30}" >/dev/null &&
	polls=$(grep -c getUpdates "$PEER_DIR/requests.jsonl") &&
	{ dlg -C hub fetch --wait 20 tg >/dev/null 2>&1 & pid=$!; } &&
	for _ in $(seq 100); do test $(grep -c getUpdates "$PEER_DIR/requests.jsonl") -gt $polls && break; sleep 0.05; done &&
	test $(grep -c getUpdates "$PEER_DIR/requests.jsonl") -gt $polls &&
	sleep 0.2 && kill -TERM $pid && rc=0 && { wait $pid || rc=$?; } && test $rc = 143 &&
	dlg -C hub fetch tg >ids && test_line_count = ids 1 &&
	ls hub/dialogs/*/*/$(cat ids)/cur >msgs && test_line_count = msgs 1 &&
	grep -l "Сообщение в окне" hub/dialogs/*/*/$(cat ids)/cur/* &&
	dlg -C hub fetch tg >ids && test_line_count = ids 0
'

test_done
