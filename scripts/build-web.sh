#!/bin/sh
# Builds the web app into web/dist (see web/README or docs/architecture.md).
# Until the web app exists this does nothing.
set -eu
cd "$(dirname "$0")/.."
[ -f package.json ] || exit 0
exit 0
