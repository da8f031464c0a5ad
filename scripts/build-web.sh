#!/bin/sh
# Builds the clinicians' web app (web/) into web/dist, which tandem serves.
#
#   web/index.html, web/public/*  copied as they are
#   web/src/main.js               bundled by esbuild into app.js and app.css
#
# npm packages are pinned in package-lock.json; they are installed with
# `npm ci` when node_modules is missing or older than the lock file.
# Fails (non-zero, with a message) when anything does not build.
set -eu
cd "$(dirname "$0")/.."

die() {
	echo "build-web: $*" >&2
	exit 1
}

command -v node >/dev/null 2>&1 || die "node is missing (scripts/install-deps.sh installs it)"
command -v npm >/dev/null 2>&1 || die "npm is missing (scripts/install-deps.sh installs it)"
[ -f package.json ] && [ -f package-lock.json ] || die "package.json or package-lock.json is missing"

# npm ci records what it installed in node_modules/.package-lock.json. No
# package needs an install script (esbuild finds its binary through its
# platform package), so none is run.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "build-web: npm ci"
	npm ci --no-audit --no-fund --ignore-scripts || die "npm ci failed"
fi

# esbuild's own binary for this platform (its node wrapper adds a stack trace
# to every error message).
ESBUILD=$(node -p "require.resolve('@esbuild/' + process.platform + '-' + process.arch + '/bin/esbuild')" 2>/dev/null) ||
	ESBUILD=node_modules/.bin/esbuild
[ -x "$ESBUILD" ] || die "esbuild is missing from node_modules; remove node_modules and run again"

# Build next to the old bundle and swap, so a running server never serves
# half a build and a failed build leaves the previous one in place.
OUT=web/dist
TMP=web/dist.tmp
rm -rf "$TMP"
mkdir -p "$TMP"

"$ESBUILD" web/src/main.js \
	--bundle \
	--format=esm \
	--target=es2020,chrome100,firefox100,safari15 \
	--minify \
	--sourcemap \
	--legal-comments=linked \
	--log-level=warning \
	--outfile="$TMP/app.js" || {
	rm -rf "$TMP"
	die "esbuild failed"
}

cp web/index.html "$TMP/index.html"
if [ -d web/public ]; then
	cp -R web/public/. "$TMP/"
fi

# Everything the page loads must be in the bundle: no bare imports left.
for f in "$TMP/index.html" "$TMP/app.js" "$TMP/app.css"; do
	[ -s "$f" ] || {
		rm -rf "$TMP"
		die "$f was not produced"
	}
done
if grep -q '<script>' "$TMP/index.html" || grep -q 'style=' "$TMP/index.html"; then
	rm -rf "$TMP"
	die "web/index.html has inline script or style; the CSP refuses them"
fi

rm -rf "$OUT"
mv "$TMP" "$OUT"
echo "build-web: $OUT: $(ls "$OUT" | tr '\n' ' ')"
