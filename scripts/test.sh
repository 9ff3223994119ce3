#!/usr/bin/env bash
# Install (first time) and run the whole test suite: lint, then pytest (SQLite, PostgreSQL, GUI).
source "$(dirname "$0")/env.sh" test
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check app tests $([ -d bench ] && echo bench)
exec .venv/bin/python -m pytest "$@"
