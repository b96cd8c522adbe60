#!/bin/sh
# The library's shape, checked (lib/README): each folder of lib/ includes only
# its own headers and those of the layers below it; nothing below lib/git/
# knows libgit2; and no file of lib/ prints, prompts or exits, which is the
# front ends' business.
cd "$(dirname "$0")/.." || exit 1
status=0

allowed() {
	case $1 in
	base) echo "base" ;;
	mail) echo "base mail" ;;
	git) echo "base git" ;;
	store) echo "base mail git store" ;;
	channel) echo "base mail git store channel" ;;
	ops) echo "base mail git store channel ops" ;;
	*) echo "" ;;
	esac
}

for dir in lib/*/; do
	layer=$(basename "$dir")
	ok=$(allowed "$layer")
	if [ -z "$ok" ]; then
		echo "lib/$layer/: not a layer lib/README names"
		status=1
		continue
	fi
	for f in "$dir"*.c "$dir"*.h; do
		[ -e "$f" ] || continue
		grep -n '^#include "' "$f" | sed 's/:#include "\([^"]*\)".*/ \1/' |
		while read -r line header; do
			case $header in
			*/*) ;;
			*) [ "$header" = emoji-table.h ] && continue
			   echo "$f:$line: include \"$header\" by its folder (lib/README)"; echo x >&3; continue ;;
			esac
			to=${header%%/*}
			case " $ok " in
			*" $to "*) ;;
			*) echo "$f:$line: lib/$layer/ may not include $header (an arrow back up)"; echo x >&3 ;;
			esac
		done 3>>.layers-failed
	done
done
for layer in base mail; do
	if grep -nE '\bgit_[a-z_]+\(|<git2' lib/$layer/*.c lib/$layer/*.h; then
		echo "lib/$layer/ calls libgit2 (only lib/git/ and above may)"
		status=1
	fi
done

# Printing, prompting and ending the process belong to the front ends.
# Comments are stripped first; abort() on allocation failure (base/strbuf.c)
# is the one way the library ends a process.
for f in lib/*/*.c lib/*/*.h; do
	sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's|//.*||' -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' \
		-e 's/format(printf/format(PRINTF/' "$f" |
	grep -nE '\b(printf|fprintf|vfprintf|dprintf|puts|fputs|putchar|fputc|putc|perror|exit|_exit|_Exit|stdin|stdout|stderr|getchar|isatty|ttyname)\b' |
	sed "s|^|$f:|" | grep . && echo x >> .layers-failed
done

if [ -s .layers-failed ]; then
	status=1
fi
rm -f .layers-failed
[ $status = 0 ] && echo "lib layers: ok"
exit $status
