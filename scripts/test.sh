#!/usr/bin/env bash
# The one test command (README): installs kctx with its test extras, and the OS tools the tests drive (zsh,
# fish, tmux, strace, a C compiler) with apt-get when missing; then ruff, mypy and the whole pytest suite
# on parallel workers. Exits non-zero when anything fails.
#
# Under CI=true a tool that cannot be installed stops the run here, and a test that needs a missing tool
# fails instead of skipping (tests/tools.py). Extra arguments go to pytest; KCTX_TEST_WORKERS sets the
# number of workers (default: auto, one per core; 0 runs in this process).
set -euo pipefail
cd "$(dirname "$0")/.."

ci=false
case "${CI:-}" in 1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) ci=true ;; esac

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

missing_tools() {
  local missing="" tool
  for tool in zsh fish tmux strace; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
  command -v cc >/dev/null || missing="$missing gcc libc6-dev"  # the native shim launcher is compiled
  echo "$missing"
}

missing=$(missing_tools)
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
    || echo "test.sh: apt-get could not install$missing" >&2
  missing=$(missing_tools)
fi
if [ -n "$missing" ]; then
  if $ci; then
    echo "test.sh: missing$missing; CI=true needs every tool the tests use" >&2
    exit 1
  fi
  echo "test.sh: warning: missing$missing; the tests that need them are skipped" >&2
fi

python3 -m ruff check kctx tests benchmarks
python3 -m mypy
python3 -m pytest -q -n "${KCTX_TEST_WORKERS:-auto}" --dist loadgroup "$@"
