#!/bin/bash
# No symbolic link or predictable name is ever followed: the chat spool
# (written by the website's account too), attachments written out, files
# attached or read as text, Maildirs imported.
. "$(dirname "$0")/lib.sh"

umask 022

# A visitor message as the site's backend writes it: tmp/ first, then new/.
spool_drop() { # FILE ID TEXT
	printf '{"id":"%s","visitor":{"id":"v42"},"text":"%s","date":"2026-11-24T10:00:00Z"}\n' "$2" "$3" \
		>spool/tmp/"$1" && mv spool/tmp/"$1" spool/new/"$1"
}

# Outgoing messages of the dialog in $1 by delivery state, one per line.
deliveries() {
	dlg -C s show --json "$1" | grep -o '"delivery":"[a-z]*"' | sort
}

test_expect_success 'setup: a chat channel, one visitor message fetched' '
	dlg init -q s && mkdir -p spool/new spool/tmp spool/cur spool/out &&
	dlg -C s channel add site --type chat --spool "$PWD/spool" &&
	spool_drop 0001.json c-1 "hello" &&
	dlg -C s fetch site >id && test_line_count = id 1 &&
	echo precious >victim && cp victim victim.orig
'

test_expect_success 'send: symbolic links planted in tmp/ under the names dlg used are not followed' '
	D=$(cat id) &&
	dlg -C s reply -m "answer one" $D &&
	sh -c "for i in \$(seq 0 60); do ln -s \"$TRASH/victim\" spool/tmp/w.\$\$.\$i; done;
		exec dlg -C s send" >sent &&
	grep "^$D sent site [0-9a-f]\{16\}.json$" sent &&
	cmp victim victim.orig &&
	f=spool/out/$(cut -d" " -f4 sent) && test -f "$f" && test ! -L "$f" &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"text\"] == \"answer one\"" "$f" &&
	test $(find spool/tmp -type l | wc -l) = 61 && test -z "$(find spool/tmp -type f)" &&
	rm spool/tmp/w.* && rm "$f"
'

test_expect_success 'fetch: a symbolic link, a FIFO and a directory in new/ are skipped with a warning, no hang' '
	printf "{\"id\":\"secret-1\",\"visitor\":{\"id\":\"v42\"},\"text\":\"the operator secret\"}\n" >secret.json &&
	ln -s "$TRASH/secret.json" spool/new/0100-link.json &&
	mkfifo spool/new/0101-fifo.json &&
	mkdir spool/new/0102-dir.json &&
	spool_drop 0103.json c-103 "still comes in" &&
	timeout 20 dlg -C s fetch site >ids 2>err &&
	test_cmp id ids &&
	grep "^dlg: fetch: warning: site: spool file 0100-link.json: a symbolic link; left in new/$" err &&
	grep "^dlg: fetch: warning: site: spool file 0101-fifo.json: a FIFO, not a regular file; left in new/$" err &&
	grep "^dlg: fetch: warning: site: spool file 0102-dir.json: a directory, not a regular file; left in new/$" err &&
	test_line_count = err 3 &&
	! git -C s grep -q "operator secret" HEAD &&
	dlg -C s show $(cat id) | grep "still comes in" &&
	test -L spool/new/0100-link.json && test -p spool/new/0101-fifo.json &&
	test -d spool/new/0102-dir.json && test -f spool/cur/0103.json &&
	rm spool/new/0100-link.json spool/new/0101-fifo.json && rmdir spool/new/0102-dir.json
'

test_expect_success 'fetch: a file larger than the limit stays in new/ with a warning' '
	head -c 8388609 /dev/zero >spool/new/0110-big.json &&
	dlg -C s fetch site >ids 2>err && test ! -s ids &&
	grep "^dlg: fetch: warning: site: spool file 0110-big.json: 8388609 bytes, more than the 8 MB (8388608 bytes) allowed; left in new/$" err &&
	test -f spool/new/0110-big.json && rm spool/new/0110-big.json
'

test_expect_success 'send: spool/out replaced by a symbolic link: nothing written through it, the answer stays queued' '
	D=$(cat id) &&
	mkdir elsewhere && mv spool/out spool/out.real && ln -s "$TRASH/elsewhere" spool/out &&
	dlg -C s reply -m "answer three" $D &&
	test_exit_code 1 dlg -C s send >out 2>err &&
	grep "^dlg: send: $D failed site .*spool directory .*out. is a symbolic link" err &&
	test -z "$(ls elsewhere)" && test -z "$(ls spool/tmp)" &&
	deliveries $D >d && grep -c "\"delivery\":\"failed\"" d &&
	rm spool/out && mv spool/out.real spool/out &&
	dlg -C s send --force >sent && grep "^$D sent site" sent &&
	test $(ls spool/out | wc -l) = 1 && rm spool/out/*
'

test_expect_success 'send: spool/tmp or the spool itself a symbolic link: refused, kept queued' '
	D=$(cat id) &&
	mv spool/tmp spool/tmp.real && ln -s "$TRASH/elsewhere" spool/tmp &&
	dlg -C s reply -m "answer four" $D &&
	test_exit_code 1 dlg -C s send 2>err &&
	grep "spool directory .*tmp. is a symbolic link" err &&
	test -z "$(ls elsewhere)" && test -z "$(ls spool/out)" &&
	rm spool/tmp && mv spool/tmp.real spool/tmp &&
	mv spool spool.real && ln -s spool.real spool &&
	test_exit_code 1 dlg -C s send --force 2>err &&
	grep "spool directory .*spool. is a symbolic link" err &&
	test -z "$(ls spool.real/out)" &&
	rm spool && mv spool.real spool &&
	dlg -C s send --force >sent && grep "^$D sent site" sent && rm spool/out/*
'

test_expect_success 'fetch: new/ or cur/ a symbolic link: refused, nothing read or moved through it' '
	spool_drop 0120.json c-120 "through a link" &&
	mkdir -p other/new && mv spool/cur spool/cur.real && ln -s "$TRASH/other" spool/cur &&
	test_exit_code 1 dlg -C s fetch site 2>err &&
	grep "spool directory .*cur. is a symbolic link" err &&
	test -f spool/new/0120.json && test -z "$(ls other/new)" && test ! -e other/0120.json &&
	rm spool/cur && mv spool/cur.real spool/cur &&
	mv spool/new spool/new.real && ln -s "$TRASH/other/new" spool/new &&
	printf "{\"id\":\"x-1\",\"visitor\":{\"id\":\"v9\"},\"text\":\"planted\"}\n" >other/new/1.json &&
	test_exit_code 1 dlg -C s fetch site 2>err &&
	grep "spool directory .*new. is a symbolic link" err &&
	! git -C s grep -q planted HEAD &&
	rm spool/new && mv spool/new.real spool/new &&
	dlg -C s fetch site >ids && test_cmp id ids && test -f spool/cur/0120.json
'

test_expect_success 'attachment -o onto a symbolic link: refused without --force, replaced (not followed) with it' '
	D=$(cat id) &&
	printf "%%PDF-1.4 invoice\n" >invoice.pdf &&
	dlg -C s reply -a invoice.pdf $D && dlg -C s send >/dev/null && rm spool/out/* &&
	cp victim.orig victim && ln -s "$TRASH/victim" tofile &&
	test_exit_code 1 dlg -C s attachment -o tofile $D 1 2>err && grep ".tofile. exists" err &&
	cmp victim victim.orig && test -L tofile &&
	dlg -C s attachment -f -o tofile $D 1 &&
	cmp victim victim.orig && test ! -L tofile && cmp tofile invoice.pdf
'

test_expect_success 'attachment -o onto a symbolic link to a directory: not written into; a trailing / follows it' '
	D=$(cat id) &&
	mkdir victimdir && ln -s "$TRASH/victimdir" todir &&
	test_exit_code 1 dlg -C s attachment -o todir $D 1 2>err && grep ".todir. exists" err &&
	test -z "$(ls victimdir)" && test -L todir &&
	dlg -C s attachment -o todir/ $D 1 >out && echo todir/invoice.pdf >expect && test_cmp expect out &&
	cmp victimdir/invoice.pdf invoice.pdf &&
	dlg -C s attachment -f -o todir $D 1 &&
	test ! -L todir && cmp todir invoice.pdf && test "$(ls victimdir)" = invoice.pdf &&
	test -z "$(find . -name ".dlg-attachment-*")"
'

test_expect_success 'reply -a: a link to /dev/zero, a FIFO, a directory are refused without hanging' '
	D=$(cat id) &&
	before=$(git -C s rev-parse HEAD) &&
	ln -s /dev/zero zero && mkfifo fifo &&
	test_exit_code 1 timeout 20 dlg -C s reply -m x -a zero $D 2>err &&
	grep "^dlg: reply: cannot attach .zero.: a character device, not a regular file$" err &&
	test_exit_code 1 timeout 20 dlg -C s reply -m x -a fifo $D 2>err &&
	grep "^dlg: reply: cannot attach .fifo.: a FIFO, not a regular file$" err &&
	test_exit_code 1 timeout 20 dlg -C s reply -m x -a victimdir $D 2>err &&
	grep "^dlg: reply: cannot attach .victimdir.: a directory, not a regular file$" err &&
	test "$(git -C s rev-parse HEAD)" = "$before"
'

test_expect_success 'reply -F and template -F: a pipe is read up to the limit, /dev/zero never for ever' '
	D=$(cat id) &&
	before=$(git -C s rev-parse HEAD) &&
	test_exit_code 1 timeout 20 dlg -C s reply -F fifo $D 2>err &&
	grep "^dlg: reply: empty reply; nothing was written$" err &&
	test_exit_code 1 timeout 20 dlg -C s reply -F zero $D 2>err &&
	grep "^dlg: reply: cannot read .zero.: grew past the 2 MB (2097152 bytes) allowed while read$" err &&
	test_exit_code 1 timeout 20 dlg -C s template add t1 -F fifo 2>err &&
	head -c 2097153 /dev/zero | tr "\0" a >huge.txt &&
	test_exit_code 1 dlg -C s reply -F huge.txt $D 2>err &&
	grep "^dlg: reply: cannot read .huge.txt.: 2097153 bytes, more than the 2 MB (2097152 bytes) allowed$" err &&
	test "$(git -C s rev-parse HEAD)" = "$before" &&
	ln -s r.txt link.txt && echo "through a link I named" >r.txt &&
	dlg -C s reply -F link.txt $D && dlg -C s show $D | grep "through a link I named" &&
	dlg -C s note -F <(echo "from a pipe") $D && dlg -C s show $D | grep "from a pipe"
'

test_expect_success 'import: symbolic links and FIFOs inside a Maildir are skipped, the rest goes in' '
	mkdir -p md/cur md/new md/tmp outside &&
	mail outside/private.eml private@ex "Boss <boss@example.com>" "salaries" &&
	mail md/cur/1.eml one@ex "Anna <anna@example.ru>" "first" &&
	ln -s "$TRASH/outside/private.eml" md/cur/2.eml &&
	ln -s "$TRASH/outside" md/new/sub &&
	mkfifo md/new/3.eml &&
	test_exit_code 1 timeout 20 dlg -C s import md >ids 2>err &&
	test_line_count = ids 1 &&
	grep "^dlg: import: .md/cur/2.eml. is a symbolic link; skipped$" err &&
	grep "^dlg: import: .md/new/sub. is a symbolic link; skipped$" err &&
	grep "^dlg: import: .md/new/3.eml. is not a file or directory$" err &&
	! git -C s grep -q salaries HEAD && git -C s grep -q "Body of one@ex" HEAD &&
	ln -s md mdlink && test_exit_code 1 timeout 20 dlg -C s import mdlink >ids 2>err &&
	test_line_count = ids 1 && grep "^dlg: import: 1 message was already in the store$" err
'

test_done
