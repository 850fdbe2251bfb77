#!/usr/bin/env bash
# The development server and the background worker (SMS delivery) together; Ctrl-C stops both.
set -euo pipefail
BIN="${BIN:-.venv/bin}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
"$BIN/python" manage.py db_worker --no-reload --interval 1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT INT TERM
"$BIN/python" manage.py runserver "$HOST:$PORT"
