#!/usr/bin/env bash
# The one test command (README): installs kctx with its test extras, OS shells, strace and a C compiler
# when missing, then runs ruff and the whole pytest suite. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=""
  for sh in zsh fish tmux strace; do command -v "$sh" >/dev/null || missing="$missing $sh"; done
  command -v cc >/dev/null || missing="$missing gcc libc6-dev"  # the native shim launcher is compiled
  if [ -n "$missing" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
      || echo "warning: could not install$missing; tests needing them will be skipped" >&2
  fi
fi
python3 -m ruff check kctx tests benchmarks
python3 -m pytest -q "$@"
