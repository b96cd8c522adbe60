#!/bin/bash
. "$(dirname "$0")/lib.sh"

# The index must give exactly the listing computed from the store's files
# (DLG_NO_INDEX=1), under every filter, whatever happened to the store.
same_as_store() {
	for args in "--status all" "" "--status closed" "--tag vip" "--tag -vip --status all" \
		    "--assignee bob" "--assignee none" "--waiting" "--channel chat" \
		    "--user ann@example.com --status all" "--since 2026-11-24 --status all"; do
		dlg -C s list --json $args >indexed || return 1
		DLG_NO_INDEX=1 dlg -C s list --json $args >direct || return 1
		test_cmp direct indexed || { echo "differs for: $args"; return 1; }
	done
	dlg -C s list >indexed && DLG_NO_INDEX=1 dlg -C s list >direct && test_cmp direct indexed
}

test_expect_success 'setup' '
	dlg init -q s &&
	mail a.eml a@ex ann@example.com "Kettle" "" "Mon, 23 Nov 2026 09:00:00 +0000" &&
	mail b.eml b@ex bob@example.com "Invoice" "" "Tue, 24 Nov 2026 10:00:00 +0000" &&
	mail c.eml c@ex cat@example.com "Chat hello" "" "Tue, 24 Nov 2026 11:00:00 +0000" &&
	dlg -C s import a.eml b.eml >ids && dlg -C s import --channel chat c.eml >>ids &&
	same_as_store && test -f s/.git/dlg/index.sqlite
'
A=$(sed -n 1p ids) B=$(sed -n 2p ids) C=$(sed -n 3p ids)

test_expect_success 'after every kind of change' '
	dlg -C s tag +vip $A && same_as_store &&
	dlg -C s assign bob $B && same_as_store &&
	dlg -C s close $C && same_as_store &&
	dlg -C s reopen $C && same_as_store &&
	dlg -C s reply -m hi $A && same_as_store &&
	dlg -C s note -m internal $B && same_as_store &&
	dlg -C s tag -vip +x $A && same_as_store &&
	dlg -C s assign --none $B && same_as_store &&
	mail a2.eml a2@ex ann@example.com "Re: Kettle" a@ex "Wed, 25 Nov 2026 09:00:00 +0000" &&
	dlg -C s import a2.eml && same_as_store &&
	dlg -C s user set ann@example.com name=Анна && same_as_store &&
	dlg -C s list | grep Анна
'

test_expect_success 'after dlg sync from another clone' '
	dlg clone -q s t &&
	dlg -C t tag +fromt $B && dlg -C t close $A &&
	dlg -C s tag +froms $B &&
	git -C s fetch -q ../t main:refs/remotes/t/main &&
	dlg -C s sync -q t/main && same_as_store &&
	dlg -C s list -q --tag fromt --tag froms >out && echo $B >expect && test_cmp expect out
'

test_expect_success 'after the branch moved behind dlg (update-ref, reset --soft, fetch)' '
	git -C s rev-parse main >old &&
	dlg -C s tag +later $C && same_as_store &&
	git -C s update-ref refs/heads/main $(cat old) && same_as_store &&
	dlg -C s close $B && git -C s reset -q --soft HEAD~1 && same_as_store &&
	dlg -C t tag +fetched $C &&
	git -C s fetch -q ../t +main:main && same_as_store
'

test_expect_success 'a deleted, truncated or garbage index is rebuilt' '
	rm s/.git/dlg/index.sqlite && same_as_store &&
	: >s/.git/dlg/index.sqlite && same_as_store &&
	head -c 4096 /dev/urandom >s/.git/dlg/index.sqlite && same_as_store &&
	truncate -s 2048 s/.git/dlg/index.sqlite && dlg -C s tag +t2 $A && same_as_store
'

test_expect_success 'an index that cannot be written: list answers from the files' '
	rm -f s/.git/dlg/index.sqlite && mkdir s/.git/dlg/index.sqlite &&
	dlg -C s list --status all --json >indexed 2>err &&
	grep "^dlg: list: warning: .*; listing from the files" err &&
	DLG_NO_INDEX=1 dlg -C s list --status all --json >direct && test_cmp direct indexed &&
	rmdir s/.git/dlg/index.sqlite && same_as_store
'

test_expect_success 'dlg reindex rebuilds by hand' '
	dlg -C s reindex >out && grep "^indexed 3 dialogs$" out &&
	dlg -C s reindex -q >out && test_line_count = out 0 &&
	same_as_store
'

test_expect_success 'two processes writing at once' '
	for i in 1 2 3 4 5 6; do dlg -C s tag +p$i $A & dlg -C s list -q >/dev/null & done; wait &&
	same_as_store &&
	dlg -C s list -q --status all --tag p1 --tag p6 >out && echo $A >expect && test_cmp expect out
'

test_expect_success 'a dialog gone from the tree leaves the index' '
	git -C s rev-parse main >before &&
	tree=$(git -C s ls-tree main | grep -v dialogs | git -C s mktree) &&
	sub=$(git -C s ls-tree main dialogs | awk "{print \$3}") &&
	c=$(git -C s commit-tree -p main -m "drop all dialogs" $tree) &&
	git -C s update-ref refs/heads/main $c &&
	dlg -C s list -q --status all >out && test_line_count = out 0 &&
	same_as_store &&
	git -C s update-ref refs/heads/main $(cat before) && same_as_store &&
	dlg -C s list -q --status all >out && test_line_count = out 3
'

# Reading is what scripts do in loops: a current index and view answer
# without libgit2 (and its TLS and Kerberos libraries) ever being loaded.
loads_libgit2() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -q "file=libgit2"; }
test_expect_success 'list and show do not load libgit2; a change does' '
	dlg -C s list >/dev/null &&
	! loads_libgit2 dlg -C s list --status all &&
	! loads_libgit2 dlg -C s list --tag x --json &&
	! loads_libgit2 dlg -C s show ${A%????????} &&
	loads_libgit2 dlg -C s tag +ld $A
'

# libgit2 on mbedTLS parses the system's CA bundle when it starts (4 ms):
# dlg's own loaders stand in, since a local store needs no HTTPS.  The
# Makefile builds and exports them only for a libgit2 linked to mbedTLS
# (and a libcurl that is not).
if nm -D --defined-only "$SRCDIR/dlg" | grep -q " mbedtls_x509_crt_parse_file$"; then
test_expect_success 'a change does not make libgit2 read the CA bundle' '
	LD_DEBUG=bindings dlg -C s tag +ca $A 2>bind >/dev/null &&
	grep "binding file .*libgit2[^ ]* \[0\] to .*dlg \[0\]: normal symbol .mbedtls_x509_crt_parse_file" bind
'
else
test_skip 'a change does not make libgit2 read the CA bundle' \
	'dlg was built without the mbedTLS CA stand-ins (README, Building)'
fi

# A stand-in for libgit2 or libcurl that only tells its version, for
# $DLG_LIBGIT2 and $DLG_LIBCURL: fake_lib FILE C-SOURCE.
fake_lib() {
	printf "%s\n" "$2" >"$1.c" &&
	cc -shared -fPIC $(pkg-config --cflags libcurl) -o "$1" "$1.c"
}
git_version() {
	echo "int git_libgit2_version(int *a, int *b, int *c) { *a = $1; *b = $2; *c = $3; return 0; }"
}
curl_version() {
	echo "#include <curl/curl.h>
static curl_version_info_data v = { .age = CURLVERSION_NOW, .version = \"$1\", .version_num = $2 };
curl_version_info_data *curl_version_info(CURLversion age) { return &v; }"
}

test_expect_success 'a libgit2 of another minor version is refused when loaded' '
	git -C s rev-parse main >before &&
	fake_lib "$PWD/libgit2-0.99.so" "$(git_version 0 99 0)" &&
	for cmd in "tag +v $A" "import a.eml" "fsck" "sync main"; do
		test_exit_code 1 env DLG_LIBGIT2="$PWD/libgit2-0.99.so" dlg -C s $cmd 2>err &&
		echo "dlg: ${cmd%% *}: cannot load libgit2: built for X.Y, found 0.99" >expect &&
		sed "s/built for [0-9]*\.[0-9]*,/built for X.Y,/" err >actual &&
		test_cmp expect actual || return 1
	done &&
	git -C s rev-parse main >after && test_cmp before after &&
	test_exit_code 1 env DLG_LIBGIT2="$PWD/libgit2-0.99.so" dlg init -q fresh 2>err &&
	grep -x "dlg: init: cannot load libgit2: built for [0-9]*\.[0-9]*, found 0\.99" err &&
	! test -e fresh
'

test_expect_success 'another revision of the same minor version is accepted' '
	test_must_fail env DLG_LIBGIT2="$PWD/libgit2-0.99.so" dlg -C s tag +v $A 2>err &&
	built=$(sed -n "s/.* built for \([0-9]*\)\.\([0-9]*\),.*/\1 \2/p" err) &&
	fake_lib "$PWD/libgit2-rev.so" "$(git_version $built 99)" &&
	test_exit_code 1 env DLG_LIBGIT2="$PWD/libgit2-rev.so" dlg -C s tag +v $A 2>err &&
	grep -x "dlg: tag: cannot load libgit2: .*libgit2-rev.so has no git_blob_create_from_buffer" err
'

test_expect_success 'a libcurl older than the headers is refused, a newer one is not' '
	echo 123:abc >tok &&
	dlg -C s channel add tg --type telegram --api-url http://127.0.0.1:9 --token-file tok --timeout 1 &&
	fake_lib "$PWD/libcurl-old.so" "$(curl_version 7.1.0 0x070100)" &&
	test_exit_code 1 env DLG_LIBCURL="$PWD/libcurl-old.so" dlg -C s fetch tg 2>err &&
	grep -x "dlg: fetch: cannot load libcurl: built for [0-9.]*, found 7\.1\.0" err &&
	fake_lib "$PWD/libcurl-new.so" "$(curl_version 127.0.0 0x7f0000)" &&
	test_exit_code 1 env DLG_LIBCURL="$PWD/libcurl-new.so" dlg -C s fetch tg 2>err &&
	grep -x "dlg: fetch: cannot load libcurl: .*libcurl-new.so has no curl_easy_cleanup" err
'

test_done
