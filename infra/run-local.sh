#!/usr/bin/env bash
# `make run`: the whole system on one machine, on embedded defaults
# (SQLite files under var/, the local Redis), supervised by honcho.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting the local Redis..."
  mkdir -p /var/lib/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /var/lib/redis
fi

for service in registry referrals notifications; do
  .venv/bin/python -m "services.$service" migrate 2>/dev/null | tail -n 1
done
# Demo data from the seeds (idempotent: a second `make run` reuses it).
.venv/bin/python -m services.registry load-demo 2>/dev/null | tail -n 1

admin_token=$(.venv/bin/python -m services.registry issue-token --member demo-admin --role admin --ttl 86400)
cat <<TXT

Relais is starting (Ctrl-C stops everything):
  registry       http://127.0.0.1:8001   (OpenAPI: /api/v1/openapi.json, JWKS: /.well-known/jwks.json)
  referrals      http://127.0.0.1:8002
  notifications  http://127.0.0.1:8003
  each answers   /healthz /readyz /metrics

An admin token for the next 24 h (demo only):
  export TOKEN=$admin_token
Register an organisation, then see the referrals service learn of it through its event:
  curl -s -X POST http://127.0.0.1:8001/api/v1/organisations -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' -d '{"name": "CCAS de La Possession", "kind": "ccas"}'
  curl -s http://127.0.0.1:8002/api/v1/directory/organisations -H "Authorization: Bearer \$TOKEN"

TXT
exec .venv/bin/honcho -f infra/Procfile.local -d . start
