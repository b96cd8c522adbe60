#!/bin/sh
# Runs every shell test against the freshly built ./dlg.
cd "$(dirname "$0")/.." || exit 1
exec prove -j2 -e bash tests/t[0-9]*.sh
