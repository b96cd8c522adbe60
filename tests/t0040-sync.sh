#!/bin/bash
. "$(dirname "$0")/lib.sh"

# Two clones change the same dialog concurrently, fetch each other with git
# and merge with dlg sync; both must end with the same tree and listing.
converge() {
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	dlg -C a sync -q b/main &&
	dlg -C b sync -q a/main &&
	test "$(git -C a rev-parse main^{tree})" = "$(git -C b rev-parse main^{tree})" &&
	dlg -C a list --status all --json >a.json &&
	dlg -C b list --status all --json >b.json &&
	test_cmp a.json b.json &&
	dlg -C a fsck >fa && test_line_count = fa 0 &&
	dlg -C b fsck >fb && test_line_count = fb 0 &&
	git -C a fsck --no-progress 2>&1 | grep -v "^dangling" >gf || true &&
	test_line_count = gf 0
}


test_expect_success 'clone makes a store with the same tree' '
	fresh &&
	test "$(git -C a rev-parse main)" = "$(git -C origin rev-parse main)" &&
	test "$(git -C a config core.bare)" = true &&
	dlg -C a list -q >out && test_cmp D out
'

test_expect_success 'sync: up to date, then fast-forward' '
	dlg -C a tag +x $(D) &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	dlg -C b sync a/main >out && echo fast-forward >expect && test_cmp expect out &&
	dlg -C b sync a/main >out && echo "already up to date" >expect && test_cmp expect out &&
	grep -x x b/dialogs/*/*/$(D)/tags
'

test_expect_success 'two tags' '
	fresh && dlg -C a tag +vip $(D) && DLG_OPERATOR=bob dlg -C b tag +billing $(D) &&
	converge && printf "billing\nvip\n" >expect && test_cmp expect a/dialogs/*/*/$(D)/tags
'

test_expect_success 'tag added on one side, removed on the other' '
	fresh && dlg -C origin tag +x $(D) && rm -rf a b && dlg clone -q origin a && dlg clone -q origin b &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a tag -x $(D) &&
	DLG_NOW=2026-11-25T10:05:00Z dlg -C b tag +y $(D) &&
	converge && echo y >expect && test_cmp expect a/dialogs/*/*/$(D)/tags
'

test_expect_success 'assign vs close' '
	fresh && dlg -C a assign alice $(D) && DLG_OPERATOR=bob dlg -C b close $(D) &&
	converge &&
	echo closed >expect && test_cmp expect a/dialogs/*/*/$(D)/status &&
	echo alice >expect && test_cmp expect a/dialogs/*/*/$(D)/assignee
'

test_expect_success 'assign vs assign: the later one wins' '
	fresh &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C a assign alice $(D) &&
	DLG_NOW=2026-11-25T10:01:00Z DLG_OPERATOR=bob dlg -C b assign bob $(D) &&
	converge && echo bob >expect && test_cmp expect a/dialogs/*/*/$(D)/assignee
'

test_expect_success 'close vs reopen after close' '
	fresh && dlg -C origin close $(D) && rm -rf a b && dlg clone -q origin a && dlg clone -q origin b &&
	DLG_NOW=2026-11-25T11:00:00Z dlg -C a reopen $(D) &&
	DLG_NOW=2026-11-25T10:00:00Z dlg -C b tag +late $(D) &&
	converge && echo open >expect && test_cmp expect a/dialogs/*/*/$(D)/status
'

test_expect_success 'two notes' '
	fresh && dlg -C a note -m "from a" $(D) && DLG_OPERATOR=bob dlg -C b note -m "from b" $(D) &&
	converge && ls a/dialogs/*/*/$(D)/notes >n && test_line_count = n 2
'

test_expect_success 'two replies, and reply vs assign' '
	fresh && dlg -C a reply -m "answer a" $(D) &&
	DLG_OPERATOR=bob dlg -C b reply -m "answer b" $(D) &&
	converge && ls a/dialogs/*/*/$(D)/cur >n && test_line_count = n 3 &&
	test -s a/dialogs/*/*/$(D)/assignee
'

test_expect_success 'the same message imported in both clones is stored once' '
	fresh &&
	mail r.eml r@ex dan@example.com "Re: Order" d@ex "Tue, 24 Nov 2026 12:00:00 +0000" &&
	mail n.eml n@ex eve@example.com "New one" &&
	dlg -C a import r.eml n.eml >/dev/null && dlg -C b import r.eml >/dev/null &&
	converge && ls a/dialogs/*/*/$(D)/cur >n && test_line_count = n 2 &&
	dlg -C a list -q --status all >n && test_line_count = n 2
'

test_expect_success 'user properties and notes set in both clones' '
	fresh &&
	dlg -C a user set dan@example.com plan=pro &&
	DLG_OPERATOR=bob dlg -C b user set dan@example.com city=Oslo &&
	dlg -C a user note dan@example.com -m "likes email" &&
	converge &&
	grep "^plan: pro" a/users/*/*/*/card && grep "^city: Oslo" a/users/*/*/*/card
'

test_expect_success 'every combination at once, merged three times over' '
	fresh &&
	dlg -C a tag +a1 $(D) && dlg -C a assign alice $(D) && dlg -C a note -m na $(D) &&
	DLG_OPERATOR=bob dlg -C b tag +b1 $(D) && DLG_OPERATOR=bob dlg -C b close $(D) &&
	DLG_OPERATOR=bob dlg -C b reply -m rb $(D) &&
	converge &&
	dlg -C a tag -a1 $(D) && DLG_OPERATOR=bob dlg -C b reopen $(D) &&
	converge && converge
'

test_expect_success 'sync of an unknown ref fails clearly' '
	test_exit_code 1 dlg -C a sync nosuch/main 2>err &&
	grep "^dlg: sync: no commit .nosuch/main." err
'

test_done
