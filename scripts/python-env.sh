#!/usr/bin/env bash
# Creates .venv with the official client SDKs the conformance tests drive (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r Tests/Conformance/requirements.txt
