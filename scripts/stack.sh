#!/usr/bin/env bash
# Runs the local credits stack in the foreground with embedded defaults: fake-openmeter seeded
# with demo data (compose/seed.yaml: 3 tenants, 30 days), credits-mcp pointed at it with a dev tenant
# (tenant-01, Administrators) so any MCP client can call the tools without headers, and fake-tais with
# credits-mcp registered as a tool, a chat session wired to it and a starting balance for tenant-01.
# Ctrl-C stops everything. State lives in .stackctl/ (delete it for fresh demo data).
# stackctl (a later issue) replaces this script with a supervisor.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${STATE_DIR:-.stackctl}
OPENMETER_PORT=${OPENMETER_PORT:-8888}
MCP_PORT=${MCP_PORT:-8765}
OPENMETER_API_KEY=${OPENMETER_API_KEY:-dev-openmeter-key}
TAIS_PORT=${TAIS_PORT:-5001}
DEV_TENANT=${DEV_TENANT_ID:-tenant-01}

echo "building the stack (debug, one swift build)…"
swift build 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\]/d'
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

TAIS=http://127.0.0.1:$TAIS_PORT
"$BIN/fake-tais" --port "$TAIS_PORT" --data "$STATE/tais.sqlite" \
  --openmeter-url "http://127.0.0.1:$OPENMETER_PORT" --openmeter-api-key "$OPENMETER_API_KEY" \
  >"$STATE/logs/fake-tais.log" 2>&1 &
pids+=($!)
wait_healthy fake-tais "$TAIS" "${pids[-1]}"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# A dev token for the dev tenant's admin (30 days), a starting balance on a new state dir, and credits-mcp
# registered as the session's tool. A registration lives an hour: the loop below renews it.
TAIS_JWT=$(curl -fsS -X POST "$TAIS/_fake/tokens" \
  -d "{\"tenant\":\"$DEV_TENANT\",\"user\":\"admin@$DEV_TENANT.example\",\"groups\":[\"Administrators\"],\"roles\":[\"Owner\"],\"ttlSeconds\":2592000}" | json '["token"]')
AUTH="Authorization: Bearer $TAIS_JWT"
balance=$(curl -fsS "$TAIS/api/v1/organizations/$DEV_TENANT/ai-credits/summary" -H "$AUTH" | json '["balanceCredits"]')
if [ "$balance" = "0" ] || [ "$balance" = "0.0" ]; then
  curl -fsS -X POST "$TAIS/_fake/grants" -d "{\"tenant\":\"$DEV_TENANT\",\"credits\":1000,\"description\":\"Starting balance\"}" >/dev/null
fi
register() {
  curl -fsS -X POST "$TAIS/api/v2/tools-service/tools" -H "$AUTH" \
    -d "{\"name\":\"credits-mcp\",\"description\":\"AI-credit usage\",\"url\":\"http://127.0.0.1:$MCP_PORT/mcp\",\"transport\":\"streamable-http\"}" | json '["id"]'
}
TAIS_TOOL_ID=$(register)
TAIS_SESSION_ID=$(curl -fsS -X POST "$TAIS/api/v2/sessions-service" -H "$AUTH" \
  -d "{\"title\":\"Credits questions\",\"toolIds\":[\"$TAIS_TOOL_ID\"]}" | json '["id"]')
(
  # The sleep runs in the background so a TERM from stop() ends it too, not only this loop.
  trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
  while sleep 3000 & wait $!; do
    tool=$(register) && curl -fsS -X PATCH "$TAIS/api/v2/sessions-service/$TAIS_SESSION_ID" -H "$AUTH" \
      -d "{\"toolIds\":[\"$tool\"]}" >/dev/null && echo "renewed the credits-mcp registration: $tool"
  done
) &
pids+=($!)

cat <<INFO

The stack is up (Ctrl-C stops it):
  OPENMETER_URL=http://127.0.0.1:$OPENMETER_PORT
  OPENMETER_API_KEY=$OPENMETER_API_KEY
  MCP_URL=http://127.0.0.1:$MCP_PORT/mcp      (dev tenant $DEV_TENANT, Administrators)
  TAIS_URL=$TAIS
  TAIS_JWT=$TAIS_JWT
  TAIS_TOOL_ID=$TAIS_TOOL_ID
  TAIS_SESSION_ID=$TAIS_SESSION_ID
Ask the chat agent:
  curl -s -X POST $TAIS/api/v2/sessions-service/$TAIS_SESSION_ID/messages -H "Authorization: Bearer \$TAIS_JWT" \\
    -d '{"content":"How many AI credits has my tenant used this month?"}'
Logs: $STATE/logs/
INFO
tail -n 0 -f "$STATE/logs/"*.log &
pids+=($!)
wait "${pids[0]}" "${pids[1]}" "${pids[2]}"
