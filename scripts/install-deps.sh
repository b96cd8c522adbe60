#!/bin/sh
# Installs the Debian packages dlg needs to build and test, only when some are missing.
# clang and its runtime (libFuzzer, the sanitizers) build the fuzz harnesses (tests/fuzz/README).
# libmicrohttpd (the chat gateway's HTTP server) and nettle (its tokens' HMAC-SHA256) build dlg chat serve.
# chromium, chromium-driver and python3-selenium run the chat widget in a real browser (tests/t0280-chat-browser.sh);
# fonts-noto-color-emoji draws the emoji in its screenshots.
# lighttpd (smart HTTP through git http-backend) and sshd serve a hub to tests/t0220-remote-sync.sh.
set -e
pkgs="build-essential pkg-config libgit2-dev libjansson-dev libmagic-dev libcmocka-dev
libsqlite3-dev libcurl4-openssl-dev python3 python3-aiosmtpd dovecot-imapd git mblaze mutt notmuch
mandoc perl strace clang libclang-rt-14-dev libstemmer-dev lighttpd openssh-client openssh-server
libmicrohttpd-dev nettle-dev chromium chromium-driver python3-selenium fonts-noto-color-emoji"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
