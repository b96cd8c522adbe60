#!/bin/bash
# The merge rules of store-format.md ("Merging clones") on the paths that
# are not the happy one: deletions, closes that a later customer message
# must undo, user merges racing a new dialog, foreign histories, criss-cross
# syncs, and concurrent single-value operations that show must explain.
. "$(dirname "$0")/lib.sh"

sync_from() { # sync_from DEST SRC
	git -C "$1" fetch -q "../$2" +main:refs/remotes/"$2"/main && dlg -C "$1" sync -q "$2"/main
}

converge() {
	sync_from a b && sync_from b a &&
	test "$(git -C a rev-parse main^{tree})" = "$(git -C b rev-parse main^{tree})" &&
	dlg -C a fsck >fa && test_line_count = fa 0 && dlg -C b fsck >fb && test_line_count = fb 0
}

dir() { echo "$1"/dialogs/*/*/"$(D)"; }

test_expect_success 'an unassign survives a merge with a side that only added a note' '
	fresh && dlg -C origin assign bob $(D) && rm -rf a b &&
	dlg clone -q origin a && dlg clone -q origin b &&
	dlg -C a assign --none $(D) &&
	DLG_OPERATOR=bob dlg -C b note -m "looking" $(D) &&
	converge &&
	test ! -e $(dir a)/assignee && test ! -e $(dir b)/assignee &&
	dlg -C b list --json --status all >l && grep "\"assignee\":null" l
'

test_expect_success 'a removed last tag stays removed when the other side adds a message' '
	fresh && dlg -C origin tag +vip $(D) && rm -rf a b &&
	dlg clone -q origin a && dlg clone -q origin b &&
	dlg -C a tag -vip $(D) &&
	mail f.eml f@ex dan@example.com "Re: Order" d@ex "Tue, 24 Nov 2026 11:00:00 +0000" &&
	dlg -C b import f.eml >/dev/null &&
	converge &&
	test ! -e $(dir a)/tags && test ! -e $(dir b)/tags
'

test_expect_success 'a message sent in one clone is not queued again by a merge' '
	rm -rf origin a b spool && mkdir -p spool/new spool/tmp spool/cur spool/out &&
	dlg init -q origin &&
	dlg -C origin channel add site --type chat --spool "$PWD/spool" &&
	printf "{\"id\":\"c-1\",\"visitor\":{\"id\":\"v1\"},\"text\":\"hi\",\"date\":\"2026-11-24T10:00:00Z\"}" >spool/new/1.json &&
	dlg -C origin fetch >D &&
	dlg -C origin reply -m "hello" $(D) &&
	dlg clone -q origin a && dlg clone -q origin b &&
	dlg -C a send && ls spool/out >sent && test_line_count = sent 1 &&
	rm spool/out/* &&
	DLG_OPERATOR=bob dlg -C b note -m "seen" $(D) &&
	converge &&
	git -C a ls-tree -r --name-only main -- outbox >ob && test_line_count = ob 0 &&
	dlg -C b send && dlg -C a send && ls spool/out >again && test_line_count = again 0
'

close_vs_followup() { # $1: which side syncs first
	fresh &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a close $(D) &&
	mail f.eml f@ex dan@example.com "Re: Order" d@ex "Tue, 25 Nov 2026 10:30:00 +0000" &&
	DLG_NOW=2026-11-25T10:30:00Z DLG_OPERATOR=hub dlg -C b import f.eml >/dev/null &&
	if [ "$1" = a ]; then sync_from a b && sync_from b a; else sync_from b a && sync_from a b; fi &&
	converge &&
	echo open >expect && test_cmp expect $(dir a)/status && test_cmp expect $(dir b)/status &&
	dlg -C a list --waiting -q >w && test_cmp D w && dlg -C b list --waiting -q >w && test_cmp D w
}

test_expect_success 'a customer message the closer never saw reopens the dialog (closer merges first)' '
	close_vs_followup a
'

test_expect_success 'a customer message the closer never saw reopens the dialog (importer merges first)' '
	close_vs_followup b
'

test_expect_success 'a close made after seeing the message stays closed' '
	fresh &&
	mail f.eml f@ex dan@example.com "Re: Order" d@ex "Tue, 25 Nov 2026 10:30:00 +0000" &&
	dlg -C b import f.eml >/dev/null && sync_from a b &&
	dlg -C a close $(D) && DLG_OPERATOR=bob dlg -C b tag +seen $(D) &&
	converge && echo closed >expect && test_cmp expect $(dir b)/status
'

test_expect_success 'a user merge racing a new dialog of the merged-away user keeps it with the kept user' '
	fresh &&
	mail w.eml w@ex dan@work.example "Invoice" &&
	dlg -C origin import w.eml >W && rm -rf a b &&
	dlg clone -q origin a && dlg clone -q origin b &&
	dlg -C a user merge dan@example.com dan@work.example &&
	mail n.eml n@ex dan@work.example "A new question" &&
	dlg -C b import n.eml >N &&
	converge &&
	for s in a b; do
		dlg -C $s user show --json dan@example.com >u &&
		grep -q "$(cat N)" u && grep -q "$(cat W)" u && grep -q "$(D)" u &&
		uid=$(sed -n "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/p" u) &&
		grep -q "^dialogs: 3$" $s/users/*/*/$uid/card &&
		dlg -C $s list -q --user dan@work.example >l1 &&
		dlg -C $s list -q --user dan@example.com >l2 &&
		test_cmp l1 l2 && test_line_count = l1 3 || return 1
	done
'

test_expect_success 'sync refuses a ref that is not a dlg store' '
	fresh && rm -rf plain && git init -q -b main plain &&
	echo hello >plain/README && git -C plain add README && git -C plain commit -q -m readme &&
	git -C a fetch -q ../plain main:refs/remotes/plain/main &&
	before=$(git -C a rev-parse main) &&
	test_exit_code 1 dlg -C a sync plain/main 2>err &&
	grep "^dlg: sync: .plain/main. is not a dlg store (no format file)" err &&
	test "$(git -C a rev-parse main)" = "$before" && test ! -e a/README
'

test_expect_success 'sync refuses a store of another format' '
	fresh &&
	blob=$(echo "dlg store format 99" | git -C b hash-object -w --stdin) &&
	tree=$( (git -C b ls-tree main | grep -v "	format$"; printf "100644 blob %s\tformat\n" $blob) |
		git -C b mktree) &&
	c=$(git -C b commit-tree -p main -m "format 99" $tree) && git -C b update-ref refs/heads/other $c &&
	git -C a fetch -q ../b other:refs/remotes/b/other &&
	test_exit_code 1 dlg -C a sync b/other 2>err &&
	grep "is a dlg store of another format" err
'

test_expect_success 'criss-cross syncs make no empty merge commits and end on one commit' '
	fresh &&
	dlg -C a tag +x $(D) && DLG_OPERATOR=bob dlg -C b tag +y $(D) &&
	git -C a fetch -q ../b main:refs/remotes/b/main && git -C b fetch -q ../a main:refs/remotes/a/main &&
	dlg -C a sync -q b/main && dlg -C b sync -q a/main &&
	converge && converge &&
	test "$(git -C a rev-parse main)" = "$(git -C b rev-parse main)" &&
	git -C a rev-list --merges main >merges && test_line_count = merges 1
'

test_expect_success 'a merge that changes nothing of ours is not committed' '
	fresh &&
	dlg -C a tag +x $(D) && DLG_OPERATOR=bob dlg -C b tag +x $(D) &&
	converge &&
	git -C a rev-list --merges main >merges && test_line_count -le merges 1
'

test_expect_success 'show explains an assignment lost to a concurrent one' '
	fresh &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a assign alice $(D) &&
	DLG_NOW=2026-11-25T10:01:00Z DLG_OPERATOR=bob dlg -C b assign bob $(D) &&
	converge &&
	dlg -C a show $(D) >s && grep "^assignee: bob$" s &&
	grep "alice.s concurrent assign to alice lost to bob.s assign" s &&
	dlg -C a show --json $(D) >j &&
	grep "\"overridden\":\[{\"actor\":\"alice\",\"verb\":\"assign\",\"value\":\"alice\",\"time\":\"2026-11-25T10:00:00Z\",\"by\":\"bob\",\"by_verb\":\"assign\",\"by_value\":\"bob\"" j
'

test_expect_success 'show explains a reopen lost to a concurrent close' '
	fresh && dlg -C origin close $(D) && rm -rf a b &&
	dlg clone -q origin a && dlg clone -q origin b &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a reopen $(D) &&
	DLG_NOW=2026-11-25T10:01:00Z DLG_OPERATOR=bob dlg -C b tag +x $(D) &&
	DLG_NOW=2026-11-25T10:02:00Z DLG_OPERATOR=bob dlg -C b reopen $(D) &&
	DLG_NOW=2026-11-25T10:03:00Z DLG_OPERATOR=bob dlg -C b close $(D) &&
	converge &&
	dlg -C a show $(D) >s && grep "closed" s && ! grep "concurrent" s
'

# Commits a tree edited with git's own tools (a temporary index, never the
# store's): tamper STORE 'commands on the index', run in STORE.
tamper() {
	GIT_INDEX_FILE="$TRASH/tamper.idx" && export GIT_INDEX_FILE &&
	git -C "$1" read-tree main && (cd "$1" && eval "$2") &&
	t=$(git -C "$1" write-tree) && c=$(git -C "$1" commit-tree -p main -m tamper $t) &&
	git -C "$1" update-ref refs/heads/main $c && rm -f "$GIT_INDEX_FILE" && unset GIT_INDEX_FILE
}
put() { # put PATH TEXT: the file holds TEXT and a newline ("" for an empty file)
	if [ -n "$2" ]; then b=$(printf "%s\n" "$2" | git hash-object -w --stdin); else b=$(git hash-object -w --stdin </dev/null); fi &&
	git update-index --add --cacheinfo "100644,$b,$1"
}
drop() { printf "0 0000000000000000000000000000000000000000\t%s\n" "$1" | git update-index --index-info; }

test_expect_success 'fsck: a derived file that disagrees with its log is stale; --repair derives it again' '
	fresh && id=$(D) && d=$(cd origin && echo dialogs/*/*/$id) &&
	tamper origin "put $d/status closed && put $d/assignee mallory" &&
	test_exit_code 1 dlg -C origin fsck >out &&
	grep -x "stale $d/status" out && grep -x "stale $d/assignee" out &&
	dlg -C origin fsck --repair >out && grep "^repaired" out &&
	git -C origin log -1 --format=%s >msg && grep "^fsck: repair" msg &&
	dlg -C origin fsck >out && test_line_count = out 0 &&
	echo open >expect && test_cmp expect origin/$d/status && test ! -e origin/$d/assignee
'

test_expect_success 'fsck: outbox entries and msgmap agree with the messages' '
	fresh && dlg -C origin reply -m "on its way" $(D) &&
	key=$(git -C origin ls-tree --name-only main outbox/ | sed "s|outbox/||") &&
	map=$(git -C origin ls-tree -r --name-only main msgmap/ | head -n 1) &&
	in=$(ls origin/dialogs/*/*/$(D)/cur | grep -v ",S\$") &&
	tamper origin "drop outbox/$key && put outbox/0123456789abcdef \"$(D) 1.x:2,S\" &&
		put outbox/fedcba9876543210 \"$(D) $in\" && put $map \"\"" &&
	test_exit_code 1 dlg -C origin fsck >out &&
	grep -x "unqueued outbox/$key" out && grep -x "orphan outbox/0123456789abcdef" out &&
	grep -x "orphan outbox/fedcba9876543210" out &&
	grep -x "stale $map" out &&
	dlg -C origin fsck --repair >/dev/null && dlg -C origin fsck >out && test_line_count = out 0 &&
	git -C origin ls-tree --name-only main outbox/ >ob && echo outbox/$key >expect && test_cmp expect ob
'

test_done
