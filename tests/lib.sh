# A tiny test library in the manner of git's t/test-lib.sh, producing TAP.
# Each script sources it, then calls test_expect_success and test_done.
# Every script runs in its own scratch directory with a fixed identity,
# clock, time zone and locale, against the dlg built in the source tree.

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
TEST_NAME=$(basename "$0" .sh)
TRASH="$SRCDIR/tests/trash/$TEST_NAME"
CORPUS=${DLG_CORPUS:-$SRCDIR/../shared/corpora/email/notmuch}
rm -rf "$TRASH" && mkdir -p "$TRASH" && cd "$TRASH" || exit 1

export HOME="$TRASH" TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1
export DLG_OPERATOR=alice DLG_NOW=2026-11-25T10:00:00Z
# git run in a test directory that is not a repository must not find the
# project's own .git above it (a failed setup once let a test commit there).
export GIT_CEILING_DIRECTORIES="$SRCDIR/tests/trash"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
# A sanitizer report exits 99, which no expected failure accepts.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99:detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=99:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRCDIR/tests/lsan.supp:print_suppressions=0}
export PATH="$SRCDIR:$PATH"
unset DLG_DIR DLG_EMAIL VISUAL EDITOR
exec </dev/null

test_count=0
test_failed=0

test_expect_success() {
	test_count=$((test_count + 1))
	# A subshell outside any `if`, so that set -e stops at the first failure.
	(set -e; eval "$2") >"$TRASH/.test-out" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.test-out"
		test_failed=$((test_failed + 1))
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# Fails unless the command fails the ordinary way (exit 1..125): a crash,
# a signal or a sanitizer report is never an expected failure.
test_must_fail() {
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo >&2 "test_must_fail: command succeeded: $*"
		return 1
	elif [ $rc -gt 125 ] || [ $rc -eq 99 ]; then
		echo >&2 "test_must_fail: command died with $rc: $*"
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# Exit status: usage errors are 2, failures 1.
test_exit_code() {
	want=$1
	shift
	"$@"
	rc=$?
	[ $rc -eq "$want" ] || { echo >&2 "exit $rc, expected $want: $*"; return 1; }
}

test_line_count() {
	n=$(wc -l <"$2" | tr -d ' ')
	[ "$n" "$1" "$3" ] || { echo >&2 "line count of $2 is $n, not $1 $3"; return 1; }
}

# Writes an email to a file: mail FILE MESSAGE-ID FROM SUBJECT [IN-REPLY-TO] [DATE]
mail() {
	{
		echo "From: $3"
		echo "To: support@shop.example"
		echo "Subject: $4"
		echo "Date: ${6:-Tue, 24 Nov 2026 10:00:00 +0000}"
		echo "Message-ID: <$2>"
		[ -n "${5:-}" ] && echo "In-Reply-To: <$5>" && echo "References: <$5>"
		echo "Content-Type: text/plain; charset=utf-8"
		echo
		echo "Body of $2"
	} >"$1"
}

# Starts the local peer tests/peers/NAME.py on 127.0.0.1 and sets PEER
# (its base URL) and PEER_DIR (where it records requests); stopped at exit.
# Call it outside test_expect_success: a test's subshell would stop it.
start_peer() {
	PEER_DIR="$TRASH/peer-$1"
	mkdir -p "$PEER_DIR" && rm -f "$PEER_DIR/port"
	python3 "$SRCDIR/tests/peers/$1.py" --port-file "$PEER_DIR/port" --state "$PEER_DIR" \
		--lifetime 300 >"$PEER_DIR/log" 2>&1 &
	echo $! >"$PEER_DIR/pid"
	trap stop_peers EXIT
	for _ in $(seq 200); do [ -s "$PEER_DIR/port" ] && break; sleep 0.05; done
	[ -s "$PEER_DIR/port" ] || { echo >&2 "peer $1 did not start:"; cat >&2 "$PEER_DIR/log"; return 1; }
	PEER="http://127.0.0.1:$(cat "$PEER_DIR/port")"
}

stop_peers() {
	for pidfile in "$TRASH"/peer-*/pid; do
		[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
		rm -f "$pidfile"
	done
	return 0
}

# peer_ctl PATH [JSON]: the peer's control API (GET, or POST with a body)
peer_ctl() {
	python3 "$SRCDIR/tests/peers/ctl.py" "$PEER$1" ${2+"$2"}
}

test_done() {
	stop_peers
	# notmuch may have started a gpg-agent for signed mail under this HOME
	if [ -d "$TRASH/.gnupg" ] && command -v gpgconf >/dev/null; then
		gpgconf --homedir "$TRASH/.gnupg" --kill all >/dev/null 2>&1
	fi
	echo "1..$test_count"
	[ $test_failed -eq 0 ]
}
