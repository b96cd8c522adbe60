#!/bin/bash
. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates a store with a bare repository' '
	dlg init store >out &&
	grep "Initialized an empty dlg store in store" out &&
	test "$(git -C store config core.bare)" = true &&
	test -f store/format &&
	git -C store log --format=%s >log &&
	echo "init: new dlg store" >expect &&
	test_cmp expect log
'

test_expect_success 'git refuses work-tree commands in a store' '
	! git -C store add format &&
	! git -C store commit -m x
'

test_expect_success 'init refuses an existing store' '
	test_must_fail dlg init store 2>err &&
	grep "^dlg: init: .store. already has a .git" err
'

test_expect_success 'commands find the store: -C, DLG_DIR, parent directories' '
	dlg -C store list &&
	DLG_DIR=store dlg list &&
	mkdir -p store/dialogs/sub && (cd store/dialogs/sub && dlg list) &&
	rmdir store/dialogs/sub store/dialogs
'

test_expect_success 'outside a store: a clear error' '
	mkdir nowhere && cd nowhere &&
	test_exit_code 1 dlg list 2>err &&
	grep "^dlg: list: not in a dlg store" err
'

test_expect_success 'usage errors exit 2, --help exits 0' '
	test_exit_code 2 dlg -C store nosuch 2>err &&
	test_exit_code 2 dlg -C store list --bogus 2>err &&
	dlg list --help >out && grep "usage: dlg list" out &&
	dlg help >out && grep "^   import" out &&
	dlg help tag >out && grep "usage: dlg tag" out
'

test_expect_success 'no operator: a clear error, nothing written' '
	git -C store rev-parse main >before &&
	DLG_OPERATOR= HOME=/nonexistent test_must_fail dlg -C store close 0000 2>err &&
	git -C store rev-parse main >after &&
	test_cmp before after
'

# Without DLG_OPERATOR the operator comes from git's dlg.operator, read
# before anything else has needed libgit2; git's user.name is not enough.
test_expect_success 'the operator from git dlg.operator, on init and on a change' '
	mkdir gh && git config -f gh/.gitconfig user.name Gita &&
	DLG_OPERATOR= HOME=$PWD/gh test_exit_code 1 dlg init -q byname 2>err &&
	grep "^dlg: init: who are you?" err && test ! -e byname &&
	git config -f gh/.gitconfig dlg.operator Gita &&
	DLG_OPERATOR= HOME=$PWD/gh dlg init -q byname &&
	git -C byname log -1 --format=%an >who && echo Gita >expect && test_cmp expect who &&
	mail m.eml m@ex cu@example.com "Hello" "" "Mon, 23 Nov 2026 09:00:00 +0000" &&
	id=$(DLG_OPERATOR= HOME=$PWD/gh dlg -C byname import m.eml) &&
	DLG_OPERATOR= HOME=$PWD/gh dlg -C byname tag +seen $id &&
	git -C byname log -1 --format=%an >who && test_cmp expect who
'

test_done
