#!/usr/bin/env bash
# Runs every test: builds once, then the Swift unit and integration tests (real processes), the README's
# first command as a smoke test, the conformance suites that drive the official Python SDKs against
# the built binaries, then the headless-browser tests of the top-up flow and the dashboard. The integration tests
# include every named scenario (compose/scenarios) and, for each, a check that it fails when its behaviour breaks.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build (debug, once)"
# Progress lines are dropped; warnings and errors stay. pipefail keeps swift build's status.
swift build --build-tests 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\]/d'

BIN="$(swift build --show-bin-path)"
export CREDITS_STACK_BIN="$BIN"

echo "== swift tests (unit + integration)"
swift test --skip-build

echo "== the README's first command: scripts/stackctl up (detached, free ports), one chat, down"
state="$(mktemp -d)"
trap 'scripts/stackctl down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
scripts/stackctl up --detach --ephemeral-ports --state-dir "$state"
scripts/stackctl chat --state-dir "$state" "How many AI credits has my tenant used this month?"
scripts/stackctl down --state-dir "$state"

echo "== conformance (official SDKs against the built binaries)"
if [ ! -x .venv/bin/python ]; then
  echo "no .venv: run scripts/python-env.sh first (or .ci/run)" >&2
  exit 1
fi
FAKE_OPENMETER_BIN="$BIN/fake-openmeter" CREDITS_MCP_BIN="$BIN/credits-mcp" FAKE_TAIS_BIN="$BIN/fake-tais" \
  FAKE_STRIPE_BIN="$BIN/fake-stripe" .venv/bin/python -m pytest Tests/Conformance -q -p no:cacheprovider

echo "== browser (the top-up flow and the dashboard in headless Chromium against the stack)"
# Tests/Browser drives Debian's browser and driver at these paths; selenium downloads nothing.
missing_browser=()
[ -x /usr/bin/chromium ] || missing_browser+=(chromium)
[ -x /usr/bin/chromedriver ] || missing_browser+=(chromium-driver)
if [ ${#missing_browser[@]} -gt 0 ]; then
  echo "the browser test needs Debian's ${missing_browser[*]} (/usr/bin/chromium, /usr/bin/chromedriver):" >&2
  echo "  sudo apt-get install chromium chromium-driver    (.ci/run installs them)" >&2
  exit 1
fi
screenshots="$PWD/.artifacts/screenshots"
set +e
SCREENSHOT_DIR="$screenshots" .venv/bin/python -m pytest Tests/Browser -q -p no:cacheprovider
status=$?
set -e
echo "screenshots of each step (and failure.png, failure.html, stack.log on a failure): $screenshots"
exit "$status"
