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
unset DLG_DIR DLG_EMAIL VISUAL EDITOR COLUMNS DLG_PAGER
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

# For sync tests: a store "origin" with one dialog (its id in D, and from
# the function D) and two clones of it, "a" and "b".
fresh() {
	rm -rf origin a b &&
	dlg init -q origin &&
	mail d.eml d@ex dan@example.com "Order" &&
	dlg -C origin import d.eml >D &&
	dlg clone -q origin a && dlg clone -q origin b
}
D() { cat D; }

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

# commit_file PATH FILE: a commit on main of the store s made with git
# plumbing, as another tool or a hostile clone could make it: FILE becomes
# PATH, unchecked by dlg.
commit_file() {
	blob=$(git -C s hash-object -w --stdin <"$2") &&
	GIT_INDEX_FILE="$TRASH/plumbing-index" git -C s read-tree main &&
	GIT_INDEX_FILE="$TRASH/plumbing-index" git -C s update-index --add --cacheinfo "100644,$blob,$1" &&
	tree=$(GIT_INDEX_FILE="$TRASH/plumbing-index" git -C s write-tree) &&
	rm -f "$TRASH/plumbing-index" &&
	commit=$(git -C s commit-tree "$tree" -p main -m "plumbing: $1") &&
	git -C s update-ref refs/heads/main "$commit"
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
	if [ -s "$TRASH/.dovecot-dir" ]; then
		d=$(cat "$TRASH/.dovecot-dir")
		doveadm -c "$d/dovecot.conf" stop 2>/dev/null
		rm -rf "$d" "$TRASH/.dovecot-dir"
	fi
	for pidfile in "$TRASH"/peer-*/pid "$TRASH"/smtp/pid; do
		[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
		rm -f "$pidfile"
	done
	return 0
}

# The requests the peer recorded, one "METHOD key=value... file:PART=NAME"
# line each, parameters sorted, the access token left out.
peer_requests() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    p = {k: v for k, v in r["params"].items() if k != "access_token"}
    print(" ".join([r["method"]] + ["%s=%s" % kv for kv in sorted(p.items())]
                   + ["file:%s=%s" % (k, v["filename"]) for k, v in sorted(r["files"].items())]))
' "$PEER_DIR/requests.jsonl"
}

# How many messages the peer delivered.
peer_sent_count() {
	peer_ctl /_ctl/sent | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# peer_ctl PATH [JSON]: the peer's control API (GET, or POST with a body)
peer_ctl() {
	python3 "$SRCDIR/tests/peers/ctl.py" "$PEER$1" ${2+"$2"}
}

# A real IMAP server: dovecot, unprivileged, from a config in a temporary
# directory, on an ephemeral port of 127.0.0.1.  One user, "support"
# (password "s3cret"), whose INBOX gets mail from imap_deliver.  Sets IMAP
# (the URL) and DOVECOT (its directory).  Outside any test, like start_peer.
start_dovecot() {
	DOVECOT=$(mktemp -d /tmp/dlg-dovecot.XXXXXX) && chmod 755 "$DOVECOT" || return 1
	echo "$DOVECOT" >"$TRASH/.dovecot-dir"
	mkdir -p "$DOVECOT/run" "$DOVECOT/state" "$DOVECOT/home/support/Maildir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# As root, dovecot runs its logins as dovenull and refuses mail users of
	# uid 0: the mail belongs to the dovecot user then.
	if [ "$(id -u)" = 0 ]; then
		login=dovenull internal=dovecot mailuser=dovecot
	else
		login=$(id -un) internal=$(id -un) mailuser=$(id -un)
	fi
	cat >"$DOVECOT/dovecot.conf" <<-EOF
	base_dir = $DOVECOT/run
	state_dir = $DOVECOT/state
	log_path = $DOVECOT/log
	protocols = imap
	listen = 127.0.0.1
	ssl = no
	disable_plaintext_auth = no
	auth_mechanisms = plain login
	default_login_user = $login
	default_internal_user = $internal
	first_valid_uid = 1
	first_valid_gid = 1
	mail_location = maildir:~/Maildir
	service imap-login {
	  chroot =
	  inet_listener imap {
	    address = 127.0.0.1
	    port = $port
	  }
	  inet_listener imaps {
	    port = 0
	  }
	}
	service anvil {
	  chroot =
	}
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN username_format=%u $DOVECOT/users
	}
	userdb {
	  driver = passwd-file
	  args = username_format=%u $DOVECOT/users
	}
	EOF
	echo "support:{PLAIN}s3cret:$(id -u $mailuser):$(id -g $mailuser)::$DOVECOT/home/support::" >"$DOVECOT/users"
	chown -R "$mailuser" "$DOVECOT/home"
	dovecot -c "$DOVECOT/dovecot.conf" || { cat >&2 "$DOVECOT/log"; return 1; }
	trap stop_peers EXIT
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
		sleep 0.05
	done
	IMAP="imap://127.0.0.1:$port/INBOX"
}

# imap_deliver FILE: into support's INBOX, as a local delivery agent would.
imap_deliver() {
	doveadm -c "$DOVECOT/dovecot.conf" save -u support <"$1"
}

# A real SMTP server (aiosmtpd, tests/peers/smtp.py) that delivers to
# $TRASH/smtp/Maildir, and answers each message only after the seconds
# in $TRASH/smtp/delay while that file exists; sets SMTP (the URL).
# Outside any test.
start_smtp() {
	mkdir -p "$TRASH/smtp" && rm -f "$TRASH/smtp/port"
	/usr/bin/python3 "$SRCDIR/tests/peers/smtp.py" --port-file "$TRASH/smtp/port" \
		--maildir "$TRASH/smtp/Maildir" --delay-file "$TRASH/smtp/delay" \
		--lifetime 300 >"$TRASH/smtp/log" 2>&1 &
	echo $! >"$TRASH/smtp/pid"
	trap stop_peers EXIT
	for _ in $(seq 200); do [ -s "$TRASH/smtp/port" ] && break; sleep 0.05; done
	[ -s "$TRASH/smtp/port" ] || { echo >&2 "smtp did not start:"; cat >&2 "$TRASH/smtp/log"; return 1; }
	SMTP="smtp://127.0.0.1:$(cat "$TRASH/smtp/port")"
}

# Hubs served by real git servers, for dlg sync (t0220).  Each is started
# outside any test, serves the repositories under directory $1 on an
# ephemeral port of 127.0.0.1, and is stopped at exit like the peers (its
# pid in $TRASH/peer-NAME/pid).  A port asked of the kernel can be taken
# before the server binds it; wait_port says whether the server came up.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# dlg chat serve of the store s's channel site (t0260, t0261), started outside
# the tests, whose subshells would end it.  Its pid file is $TRASH/peer-NAME/pid,
# so stop_peers ends it at exit; its exit code goes to $TRASH/peer-NAME/rc,
# its standard error to $TRASH/peer-NAME/log, its URL to $TRASH/peer-NAME/url.
start_gateway() { # NAME [DLG_NOW [SERVE-OPTION...]]
	d="$TRASH/peer-$1" port=$(free_port) now=${2:-$DLG_NOW}
	shift; [ $# -gt 0 ] && shift
	mkdir -p "$d" && rm -f "$d/pid" "$d/rc"
	DLG_NOW=$now sh -c 'p=$1 d=$2; shift 2; dlg -C s chat serve --channel site --listen 127.0.0.1:$p "$@" 2>"$d/log" &
		echo $! >"$d/pid"; wait $!; echo $? >"$d/rc"' - "$port" "$d" "$@" &
	for _ in $(seq 100); do [ -s "$d/pid" ] && break; sleep 0.01; done
	wait_port "$port" || { echo >&2 "gateway did not start:"; cat >&2 "$d/log"; return 1; }
	echo "http://127.0.0.1:$port" >"$d/url"
}

# git daemon, pushes allowed; sets GIT_DAEMON (git://127.0.0.1:PORT).
start_git_daemon() {
	d="$TRASH/peer-git-daemon" port=$(free_port)
	mkdir -p "$d" && trap stop_peers EXIT
	git daemon --export-all --enable=receive-pack --base-path="$1" --listen=127.0.0.1 \
		--port="$port" --reuseaddr --informative-errors >"$d/log" 2>&1 &
	echo $! >"$d/pid"
	wait_port "$port" || { echo >&2 "git daemon did not start:"; cat >&2 "$d/log"; return 1; }
	GIT_DAEMON="git://127.0.0.1:$port"
}

# git http-backend behind lighttpd (mod_cgi): /git/ open to all, /auth/
# behind HTTP basic authentication of user "tester", password "s3cret";
# sets HTTP_HUB (http://127.0.0.1:PORT).  Stores served need
# http.receivepack for the anonymous /git/ pushes.
start_http_hub() {
	d="$TRASH/peer-lighttpd" port=$(free_port)
	mkdir -p "$d" && trap stop_peers EXIT
	command -v lighttpd >/dev/null || { echo >&2 "no lighttpd (scripts/install-deps.sh)"; return 1; }
	echo "tester:s3cret" >"$d/users"
	cat >"$d/lighttpd.conf" <<-EOF
	server.modules = ("mod_alias", "mod_setenv", "mod_cgi", "mod_auth", "mod_authn_file")
	server.document-root = "$1"
	server.bind = "127.0.0.1"
	server.port = $port
	server.errorlog = "$d/error.log"
	alias.url = ("/git/" => "/usr/lib/git-core/git-http-backend/", "/auth/" => "/usr/lib/git-core/git-http-backend/")
	cgi.assign = ("" => "")
	setenv.add-environment = ("GIT_PROJECT_ROOT" => "$1", "GIT_HTTP_EXPORT_ALL" => "1")
	auth.backend = "plain"
	auth.backend.plain.userfile = "$d/users"
	auth.require = ("/auth/" => ("method" => "basic", "realm" => "hub", "require" => "valid-user"))
	EOF
	lighttpd -D -f "$d/lighttpd.conf" >"$d/log" 2>&1 &
	echo $! >"$d/pid"
	wait_port "$port" || { echo >&2 "lighttpd did not start:"; cat >&2 "$d/log" "$d/error.log"; return 1; }
	HTTP_HUB="http://127.0.0.1:$port"
}

# sshd with a host key, an authorized key and a config of its own, and an
# ssh-agent holding the key (SSH_AUTH_SOCK exported); sets SSH_HUB
# (ssh://USER@127.0.0.1:PORT).  Fails when sshd cannot run here.
start_sshd() {
	d="$TRASH/peer-sshd" port=$(free_port) sshd=$(command -v sshd || echo /usr/sbin/sshd)
	mkdir -p "$d" "$TRASH/peer-ssh-agent" && trap stop_peers EXIT
	[ -x "$sshd" ] || { echo >&2 "no sshd"; return 1; }
	# as root, sshd wants its privilege separation directory
	[ "$(id -u)" != 0 ] || mkdir -p /run/sshd || return 1
	ssh-keygen -q -t ed25519 -N "" -f "$d/host_key" && ssh-keygen -q -t ed25519 -N "" -f "$d/client_key" &&
	cp "$d/client_key.pub" "$d/authorized_keys" && chmod 600 "$d/authorized_keys" || return 1
	cat >"$d/sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $d/host_key
	AuthorizedKeysFile $d/authorized_keys
	PidFile $d/sshd.pid
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PubkeyAuthentication yes
	PermitRootLogin prohibit-password
	SetEnv PATH=$PATH
	EOF
	"$sshd" -D -e -f "$d/sshd_config" >"$d/log" 2>&1 &
	echo $! >"$d/pid"
	wait_port "$port" || { echo >&2 "sshd did not start:"; cat >&2 "$d/log"; return 1; }
	# libgit2 checks the host in ~/.ssh/known_hosts, as ssh does
	mkdir -p "$HOME/.ssh" && echo "[127.0.0.1]:$port $(cat "$d/host_key.pub")" >>"$HOME/.ssh/known_hosts" &&
	eval "$(ssh-agent -s)" >/dev/null && echo "$SSH_AGENT_PID" >"$TRASH/peer-ssh-agent/pid" &&
	ssh-add -q "$d/client_key" 2>/dev/null || { echo >&2 "ssh-agent did not take the key"; return 1; }
	SSH_HUB="ssh://$(id -un)@127.0.0.1:$port"
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
