# One file of the chat widget as a row of cmd/widget/assets.h's table:
#   LC_ALL=C awk -v path=/widget.js -v type='text/javascript; charset=utf-8' \
#       -v etag=HASH -f cmd/widget/embed.awk cmd/widget/dlg-chat.js
# Every byte but printable ASCII, and every " \ ?, becomes a three-digit octal
# escape: nothing in the file can end the literal or make a trigraph, and an
# octal escape, unlike \x, never swallows the digits after it.
BEGIN {
	for (i = 1; i < 256; i++)
		ord[sprintf("%c", i)] = i
	printf "\t{ \"%s\", \"%s\", \"\\\"%s\\\"\",\n", path, type, etag
	size = 0
}
{
	out = ""
	for (i = 1; i <= length($0); i++) {
		c = substr($0, i, 1)
		n = ord[c]
		if (n >= 32 && n < 127 && c != "\"" && c != "\\" && c != "?")
			out = out c
		else
			out = out sprintf("\\%03o", n)
	}
	printf "\t  \"%s\\n\"\n", out
	size += length($0) + 1
}
END {
	printf "\t  \"\", %d },\n", size
}
