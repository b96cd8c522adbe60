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
# rest is refused by dlg sync with exit 1 and a message naming SHOWN.
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

test_done
