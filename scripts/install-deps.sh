#!/bin/sh
# Installs the Debian packages Tandem needs, only those missing.
#   scripts/install-deps.sh         what building and running need
#   scripts/install-deps.sh test    plus what the tests need
# Runs apt-get as root, or through sudo when not root.
set -eu

BUILD="gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libpq-dev libjansson-dev libsodium-dev"
TEST="libcmocka-dev sqlite3 curl postgresql chromium"

want="$BUILD"
[ "${1:-}" = test ] && want="$BUILD $TEST"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The web app is built with Node.js and npm (scripts/build-web.sh); the
# black-box and browser tests run on Node.js too (node:test and fetch).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
