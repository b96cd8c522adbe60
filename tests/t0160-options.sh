#!/bin/bash
# One source of truth for every command's options: the table that parses
# them (dlg --list-options CMD [SUBCOMMAND]) has the same long options as the
# command's man page (SYNOPSIS and .It lines), its bash completion (run) and
# its zsh completion (read), subcommands' options included.
. "$(dirname "$0")/lib.sh"

MAN=$SRCDIR/man
BASH_COMP=$SRCDIR/completions/dlg.bash
ZSH_COMP=$SRCDIR/completions/_dlg

commands() {
	dlg help | sed -n '/^commands:/,/^$/s/^   *\([a-z][a-z0-9-]*\)  .*/\1/p'
}

# The words of the usage lines of "dlg CMD --help" that name a subcommand.
subcommands() {
	dlg "$1" --help | sed -n "s/^\(usage:\)\{0,1\} *dlg $1 \([a-z][a-z]*\)\( .*\)\{0,1\}\$/\2/p" |
		sort -u
}

long_options() {
	grep -E -o -e '--[a-z][a-z0-9-]*' | sort -u
}

table_options() {
	for sub in '' $(subcommands "$1"); do
		dlg --list-options "$1" $sub 2>/dev/null || :
	done | grep '^--' | sort -u
}

# mdoc writes --word as "Fl \-word" (or "Fl -word").
man_options() {
	awk -v cmd="$1" '
		/^\.Sh / { synopsis = $2 == "SYNOPSIS" }
		/^\.Nm / { mine = synopsis && $2 == "dlg" && $3 == cmd }
		/^\.It / || (synopsis && mine) { print }
	' "${2:-$MAN}/dlg-$1.1" | grep -E -o -e 'Fl \\?-[a-z][a-z0-9-]*' | sed -E 's/^Fl \\?-/--/' |
		sort -u
}

# What bash offers after "dlg CMD [SUB] --".
bash_options() {
	for sub in '' $(subcommands "$1"); do
		bash -c '
			. "$1"
			shift
			COMP_WORDS=(dlg "$@" --)
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE="${COMP_WORDS[*]}"
			COMP_POINT=${#COMP_LINE}
			_dlg
			printf "%s\n" "${COMPREPLY[@]}"
		' bash "${2:-$BASH_COMP}" "$1" $sub 2>/dev/null
	done | grep '^--[a-z]' | sort -u
}

# The zsh completion read, as no zsh may be at hand: the options named in
# the command's branch of _dlg(), in the _dlg_*_args function it hands its
# subcommands to, and in the arrays of _dlg() it uses ($help, $quiet...).
zsh_options() {
	awk -v cmd="$1" '
		/^[ \t]*#/ { next }
		/^_dlg[a-z_]*\(\) \{$/ { fn = substr($0, 1, index($0, "(") - 1); next }
		/^\}$/ { fn = ""; next }
		fn != "" { body[fn] = body[fn] $0 "\n" }
		fn == "_dlg" && /^  [a-z]+=\(/ { arr = substr($1, 1, index($1, "=") - 1) }
		fn == "_dlg" && arr != "" { array[arr] = array[arr] $0 "\n"; if (/\)$/) arr = "" }
		fn == "_dlg" && /^    [a-z|]+\)$/ {
			n = split(substr($1, 1, length($1) - 1), pats, "|")
			for (i = 1; i <= n; i++)
				if (pats[i] == cmd)
					inbranch = 1
		}
		fn == "_dlg" && inbranch { branch = branch $0 "\n" }
		fn == "_dlg" && /^      ;;$/ { inbranch = 0 }
		END {
			text = branch
			while (match(branch, /_dlg_[a-z]+_args/)) {
				text = text body[substr(branch, RSTART, RLENGTH)]
				branch = substr(branch, RSTART + RLENGTH)
			}
			for (a in array)
				if (index(text, "$" a))
					text = text array[a]
			print text
		}
	' "${2:-$ZSH_COMP}" | long_options
}

# Compares the table of each command with what lister says; prints the differences.
differences() {
	lister=$1
	for cmd in $(commands); do
		table_options "$cmd" >want
		$lister "$cmd" >have
		comm -23 want have | sed "s/^/$cmd: lacks /"
		comm -13 want have | sed "s/^/$cmd: names /"
	done
}

test_expect_success 'every command lists its options; subcommands are found' '
	for cmd in $(commands); do
		table_options "$cmd" >opts &&
		grep -x -e --help opts >/dev/null || { echo "$cmd has no --help"; exit 1; }
	done &&
	table_options list | grep -x -e --status &&
	table_options channel | grep -x -e --spool &&
	table_options channel | grep -x -e --json &&
	table_options user | grep -x -e --quiet &&
	printf "add\nlist\nrm\n" >expect && subcommands channel >actual && test_cmp expect actual
'

test_expect_success 'the readers find what the sources say' '
	man_options list >m && grep -x -e --status m && grep -x -e --until m &&
	man_options user >m && grep -x -e --json m &&
	bash_options list >b && grep -x -e --status b &&
	bash_options channel >b && grep -x -e --spool b &&
	zsh_options list >z && grep -x -e --status z &&
	zsh_options user >z && grep -x -e --json z && grep -x -e --help z
'

test_expect_success 'a man page, bash or zsh completion that misses an option is caught' '
	mkdir man &&
	grep -v -F "Fl \\-json" "$MAN"/dlg-show.1 >man/dlg-show.1 &&
	man_options show man >m && ! grep -x -e --json m &&
	sed "s/--json.n--help/--help/" "$BASH_COMP" >dlg.bash &&
	bash_options show dlg.bash >b && ! grep -x -e --json b &&
	grep -v -F -e "--json[one JSON object per dialog]" "$ZSH_COMP" >_dlg &&
	zsh_options show _dlg >z && ! grep -x -e --json z
'

test_expect_success '--help after options that read the store, and tag -h, print the usage' '
	dlg init -q s &&
	dlg -C s list --assignee me --help >out && grep "^usage: dlg list" out &&
	dlg -C s list --user nobody@example.com --help >out && grep "^usage: dlg list" out &&
	dlg -C s tag -h 0000 >out && grep "^usage: dlg tag" out
'

test_expect_success 'the long options of every man page are the table'"'"'s' '
	differences man_options >out &&
	test_cmp /dev/null out
'

test_expect_success 'the long options bash completes are the table'"'"'s' '
	differences bash_options >out &&
	test_cmp /dev/null out
'

test_expect_success 'the long options zsh completes are the table'"'"'s' '
	differences zsh_options >out &&
	test_cmp /dev/null out
'

test_done
