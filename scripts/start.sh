#!/usr/bin/env bash
# Install (first time) and start FanXiu on its embedded SQLite store in the user data directory.
source "$(dirname "$0")/env.sh" run
exec .venv/bin/fanxiu "$@"
