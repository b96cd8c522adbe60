#!/bin/sh
# Checks that the completions and man pages cover every command and every
# long option the commands' --help shows.  Run from the project root (make lint).
DLG=${DLG:-./dlg}
BASH_COMP=completions/dlg.bash
ZSH_COMP=completions/_dlg
status=0

gap() {
	echo "completions: $*" >&2
	status=1
}

if [ ! -x "$DLG" ]; then
	echo "completions: $DLG is not built; run make first" >&2
	exit 1
fi
for f in "$BASH_COMP" "$ZSH_COMP" man/dlg.1; do
	[ -f "$f" ] || gap "missing $f"
done
[ "$status" = 0 ] || exit 1

# The commands: "   NAME  summary" lines under "commands:" in `dlg help`.
commands=$(DLG_DIR='' NO_COLOR=1 "$DLG" help </dev/null |
	sed -n '/^commands:/,/^$/s/^   *\([a-z][a-z0-9-]*\)  *[^ ].*/\1/p')
if [ -z "$commands" ]; then
	echo "completions: found no commands in '$DLG help'" >&2
	exit 1
fi

# Whether file $2 has the word $1 (no letter, digit or - on either side).
has_word() {
	grep -E -e "(^|[^A-Za-z0-9-])$1([^A-Za-z0-9-]|\$)" "$2" >/dev/null
}

# Whether file $2 has the option $1 (--word, not followed by more of a word).
has_option() {
	grep -E -e "$1([^A-Za-z0-9-]|\$)" "$2" >/dev/null
}

for cmd in $commands; do
	page=man/dlg-$cmd.1
	has_word "$cmd" "$BASH_COMP" || gap "$BASH_COMP lacks the command '$cmd'"
	has_word "$cmd" "$ZSH_COMP" || gap "$ZSH_COMP lacks the command '$cmd'"
	if [ ! -f "$page" ]; then
		gap "no man page $page for the command '$cmd'"
		page=
	fi
	# --help may exit non-zero (e.g. for help itself); what it prints counts.
	opts=$(DLG_DIR='' NO_COLOR=1 "$DLG" "$cmd" --help </dev/null 2>/dev/null |
		tr -cs 'A-Za-z0-9-' '\n' | grep -E -e '^--[a-z][a-z0-9-]*$' | sort -u)
	for opt in $opts; do
		has_option "$opt" "$BASH_COMP" || gap "$BASH_COMP lacks '$cmd $opt'"
		has_option "$opt" "$ZSH_COMP" || gap "$ZSH_COMP lacks '$cmd $opt'"
		# mdoc writes --word as "Fl \-word" or "Fl -word".
		name=${opt#--}
		if [ -n "$page" ] &&
			! grep -E -e "Fl \\\\?-$name([^A-Za-z0-9-]|\$)" "$page" >/dev/null; then
			gap "$page lacks '$opt'"
		fi
	done
done

if command -v bash >/dev/null 2>&1 && ! bash -n "$BASH_COMP"; then
	gap "bash -n $BASH_COMP failed"
fi
if command -v zsh >/dev/null 2>&1 && ! zsh -n "$ZSH_COMP"; then
	gap "zsh -n $ZSH_COMP failed"
fi

if [ "$status" = 0 ]; then
	echo "completions: ok"
fi
exit "$status"
