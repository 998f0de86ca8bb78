#!/usr/bin/env bash
# Runs the local credits stack in the foreground with embedded defaults: fake-openmeter seeded
# with demo data (compose/seed.yaml: 3 tenants, 30 days) and credits-mcp pointed at it, with a dev tenant
# (tenant-01, Administrators) so any MCP client can call the tools without headers.
# Ctrl-C stops everything. State lives in .stackctl/ (delete it for fresh demo data).
# stackctl (a later issue) replaces this script with a supervisor.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${STATE_DIR:-.stackctl}
OPENMETER_PORT=${OPENMETER_PORT:-8888}
MCP_PORT=${MCP_PORT:-8765}
OPENMETER_API_KEY=${OPENMETER_API_KEY:-dev-openmeter-key}
DEV_TENANT=${DEV_TENANT_ID:-tenant-01}

echo "building fake-openmeter and credits-mcp (debug)…"
swift build --product fake-openmeter 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\]/d'
swift build --product credits-mcp 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\]/d'
BIN="$(swift build --show-bin-path)"
mkdir -p "$STATE/logs" "$STATE/downloads"

if [ ! -f "$STATE/openmeter.sqlite" ]; then
  "$BIN/fake-openmeter" seed --data "$STATE/openmeter.sqlite" --settings compose/seed.yaml
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

wait_healthy() { # name url pid
  for _ in $(seq 1 200); do
    if curl -fsS "$2/health" >/dev/null 2>&1; then echo "$1 is healthy at $2"; return 0; fi
    kill -0 "$3" 2>/dev/null || { echo "$1 exited; its log:"; tail -20 "$STATE/logs/$1.log"; return 1; }
    sleep 0.1
  done
  echo "$1 did not become healthy"; return 1
}

"$BIN/fake-openmeter" --port "$OPENMETER_PORT" --data "$STATE/openmeter.sqlite" --api-key "$OPENMETER_API_KEY" \
  >"$STATE/logs/fake-openmeter.log" 2>&1 &
pids+=($!)
wait_healthy fake-openmeter "http://127.0.0.1:$OPENMETER_PORT" "${pids[-1]}"

OPENMETER_URL="http://127.0.0.1:$OPENMETER_PORT" OPENMETER_API_KEY="$OPENMETER_API_KEY" \
  CREDITS_MCP_ENV=development DEV_TENANT_ID="$DEV_TENANT" DEV_USER_GROUPS=Administrators \
  DOWNLOAD_DIR="$STATE/downloads" \
  "$BIN/credits-mcp" --port "$MCP_PORT" >"$STATE/logs/credits-mcp.log" 2>&1 &
pids+=($!)
wait_healthy credits-mcp "http://127.0.0.1:$MCP_PORT" "${pids[-1]}"

cat <<INFO

The stack is up (Ctrl-C stops it):
  OPENMETER_URL=http://127.0.0.1:$OPENMETER_PORT
  OPENMETER_API_KEY=$OPENMETER_API_KEY
  MCP_URL=http://127.0.0.1:$MCP_PORT/mcp      (dev tenant $DEV_TENANT, Administrators)
Logs: $STATE/logs/
INFO
tail -n 0 -f "$STATE/logs/"*.log &
pids+=($!)
wait "${pids[0]}" "${pids[1]}"
