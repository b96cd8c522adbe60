#!/bin/bash
. "$(dirname "$0")/lib.sh"

# Tree paths from outside (a peer's commit through dlg sync or dlg clone, a
# branch moved by git update-ref or git fetch) never reach the disk unless
# they are in the layout of store-format.md ("Paths"), and no write of the
# view follows a symbolic link.

# evil STORE MODE CONTENT NAME...: a commit on top of STORE's main whose tree
# has one more entry NAME/.../NAME (one argument per component) of that mode,
# a blob of CONTENT (for a gitlink, main's own commit).
evil() {
	gd=$1/.git mode=$2
	if [ "$mode" = 160000 ]; then
		oid=$(git --git-dir="$gd" rev-parse main)
	else
		oid=$(printf '%s' "$3" | git --git-dir="$gd" hash-object -w --stdin)
	fi
	shift 3
	tree=$(python3 "$SRCDIR/tests/graft-tree.py" "$gd" "$(git --git-dir="$gd" rev-parse 'main^{tree}')" \
		"$mode" "$oid" "$@") &&
	git --git-dir="$gd" commit-tree -p main -m evil "$tree"
}

# Back to the main of the setup, whatever a failed test left.
reset_main() {
	git -C s update-ref refs/heads/main "$(cat main)"
}

# Nothing of a hostile commit reached the disk: no PWNED file anywhere in the
# scratch directory, main where it was, .git's config and hooks unchanged,
# nothing new at the top of the store (.GIT, ".git ", PWNED.txt, ...).
untouched() {
	test -z "$(find "$TRASH" -name "PWNED*")" &&
	test "$(git -C s rev-parse main)" = "$(cat main)" &&
	test_cmp config s/.git/config &&
	ls -A s/.git/hooks >hooks.now && test_cmp hooks hooks.now &&
	ls -A s >top.now && test_cmp top top.now
}

no_escape() {
	! grep -q "$(printf '\033')" "$1"
}

test_expect_success 'setup' '
	dlg init -q s &&
	mail a.eml a@ex ann@example.com "Kettle" &&
	dlg -C s import a.eml >D &&
	git -C s rev-parse main >main &&
	cp s/.git/config config &&
	ls -A s/.git/hooks >hooks &&
	ls -A s >top
'
D=$(cat D) shard=$(cut -c1-2 D)

# refuse TITLE SHOWN MODE CONTENT NAME...: the commit evil() makes from the
# rest is refused by dlg sync, by the view after git update-ref, and by dlg
# clone, each with exit 1 and a message naming SHOWN.
refuse() {
	title=$1 shown=$2
	shift 2
	ARGS=("$@")
	test_expect_success "sync refuses $title" '
		reset_main &&
		c=$(evil s "${ARGS[@]}") &&
		test_exit_code 1 dlg -C s sync "$c" 2>err &&
		grep -F "dlg: sync: " err && grep -F -- "$shown" err && no_escape err &&
		untouched
	'
	test_expect_success "list and tag refuse a branch moved onto $title" '
		reset_main &&
		c=$(evil s "${ARGS[@]}") &&
		git -C s update-ref refs/heads/main "$c" &&
		test_exit_code 1 dlg -C s list 2>err &&
		grep -F "dlg: list: " err && grep -F -- "$shown" err && no_escape err &&
		test_exit_code 1 dlg -C s tag +x "$D" 2>err &&
		grep -F -- "$shown" err &&
		test "$(git -C s rev-parse main)" = "$c" &&
		reset_main && untouched &&
		dlg -C s list -q >out && test_cmp D out
	'
	test_expect_success "clone refuses $title and leaves nothing" '
		reset_main &&
		c=$(evil s "${ARGS[@]}") &&
		git -C s update-ref refs/heads/main "$c" &&
		test_exit_code 1 dlg clone s cl 2>err &&
		reset_main &&
		grep -F "dlg: clone: " err && grep -F -- "$shown" err && no_escape err &&
		test ! -e cl && untouched
	'
}

refuse "a '..' entry (dialogs/../../PWNED.txt)" "'dialogs/..'" 100644 pwned dialogs .. .. PWNED.txt
refuse "a '.' entry" "'.'" 100644 pwned . PWNED.txt
refuse ".git/hooks/post-update" "'.git'" 100755 "$(printf '#!/bin/sh\ntouch "$TRASH/PWNED-hook"\n')" \
	.git hooks post-update
refuse ".git/config" "'.git'" 100644 "$(printf '[core]\n\thooksPath = /tmp/PWNED\n')" .git config
refuse ".GIT" "'.GIT'" 100644 x .GIT config
refuse "'.git ' (Windows drops the space)" "'.git '" 100644 x ".git " config
refuse "GIT~1 (the short name of .git)" "'GIT~1'" 100644 x GIT~1 config
refuse "a symbolic link" "'templates/evil'" 120000 /etc/passwd templates evil
refuse "a submodule (gitlink)" "'templates/sub'" 160000 - templates sub
refuse "an executable file" "'templates/run'" 100755 "#!/bin/sh" templates run
refuse "a file outside the layout" "'PWNED.txt'" 100644 x PWNED.txt
refuse "a dialog in the wrong shard" "'dialogs/00/00/ffffffffffffffff'" 100644 x \
	dialogs 00 00 ffffffffffffffff info
refuse "an escape sequence in a name" "'templates/\\x1b[2Jx'" 100644 x templates "$(printf '\033[2Jx')"

test_expect_success 'clone into an empty directory leaves it empty when refused' '
	reset_main &&
	c=$(evil s 100644 pwned dialogs .. .. PWNED.txt) &&
	git -C s update-ref refs/heads/main "$c" &&
	mkdir empty &&
	test_exit_code 1 dlg clone s empty 2>err &&
	reset_main &&
	test -z "$(ls -A empty)" && untouched
'

test_expect_success 'a sync with good paths still fast-forwards' '
	reset_main &&
	dlg clone -q s good &&
	dlg -C good tag +fine "$D" &&
	git -C s fetch -q ../good main:refs/remotes/good/main &&
	dlg -C s sync good/main >out &&
	echo fast-forward >expect && test_cmp expect out &&
	grep -x fine s/dialogs/*/*/"$D"/tags &&
	git -C s rev-parse main >main
'

test_expect_success 'stores dlg makes have git check objects it fetches and receives' '
	for store in s good; do
		for key in transfer.fsckObjects fetch.fsckObjects receive.fsckObjects; do
			test "$(git -C $store config --bool $key)" = true || return 1
		done
	done
'

test_expect_success 'git fetch and git push of a hostile commit into a store are refused' '
	mkdir peer && git clone -q --bare s/.git peer/.git &&
	c=$(evil peer 100644 pwned dialogs .. .. PWNED.txt) &&
	git -C peer update-ref refs/heads/main "$c" &&
	! git -C s fetch -q ../peer/.git main:refs/remotes/evil/main &&
	! git -C peer push -q ../s/.git main:refs/remotes/evil/main &&
	test_must_fail git -C s rev-parse --verify -q refs/remotes/evil/main &&
	untouched
'

test_expect_success 'a symbolic link planted in the view does not redirect a write' '
	reset_main &&
	mkdir elsewhere &&
	mv "s/dialogs/$shard" elsewhere/ &&
	ln -s "$TRASH/elsewhere/$shard" "s/dialogs/$shard" &&
	find elsewhere | sort >before &&
	test_exit_code 1 dlg -C s tag +planted "$D" 2>err &&
	grep -F "dialogs/$shard" err && grep -F "symbolic link" err &&
	find elsewhere | sort >after && test_cmp before after
'

test_expect_success 'fsck reports the link; --repair moves the link aside, not what it points to' '
	test_exit_code 1 dlg -C s fsck >out &&
	grep -x "symlink dialogs/$shard" out &&
	dlg -C s fsck --repair >out &&
	grep -x "symlink dialogs/$shard" out &&
	test -L s/.git/dlg/lost+found/*/dialogs/$shard &&
	test ! -L "s/dialogs/$shard" && test -d "s/dialogs/$shard" &&
	find elsewhere | sort >after && test_cmp before after &&
	grep -x planted s/dialogs/*/*/"$D"/tags &&
	dlg -C s fsck >out && test_line_count = out 0
'

test_expect_success 'fsck reports tree paths outside the layout' '
	git -C s rev-parse main >main &&
	c=$(evil s 100644 x templates "bad name") &&
	git -C s update-ref refs/heads/main "$c" &&
	c=$(evil s 100644 x msgmap 58 zz) &&
	git -C s update-ref refs/heads/main "$c" &&
	test_exit_code 1 dlg -C s fsck >out &&
	grep "^invalid templates/bad name: " out &&
	grep "^invalid msgmap/58/zz: a file outside" out &&
	test_exit_code 1 dlg -C s fsck --repair >out 2>err &&
	grep "^invalid templates/bad name: " out && grep -F "dlg: fsck: " err &&
	test ! -e "s/templates/bad name" &&
	reset_main && dlg -C s fsck >out && test_line_count = out 0
'

test_expect_success 'fsck --repair never moves stores beside the store' '
	mkdir farm && dlg init -q farm/victim && dlg init -q farm/other &&
	dlg -C farm/other import a.eml >/dev/null &&
	ls -A farm >farm.before &&
	c=$(evil farm/victim 100644 x .. other format) &&
	git -C farm/victim update-ref refs/heads/main "$c" &&
	test_exit_code 1 dlg -C farm/victim fsck --repair >out 2>err &&
	grep -x "invalid ..: .*" out &&
	ls -A farm >farm.after && test_cmp farm.before farm.after &&
	dlg -C farm/other fsck >out && test_line_count = out 0 &&
	test -z "$(find farm/victim/.git/dlg -name other)"
'

test_done
