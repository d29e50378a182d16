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

# The registry sees the portal's X-Forwarded-For (per-address login throttling).
export RELAIS_TRUSTED_PROXIES=1

demo_accounts=$(.venv/bin/python -c '
from services.registry.demo.directory import DEMO_ACCOUNTS
labels = {"referrer": "médecin de la CPTS", "handler": "agent du CCAS",
          "coordinator": "coordinatrice CLS", "admin": "administrateur"}
for email, password, role, organisation in DEMO_ACCOUNTS:
    print(f"  {labels[role]:<20} {email:<32} {password:<26} ({organisation})")
')

cat <<TXT

Relais démarre (Ctrl-C arrête tout) / Relais is starting (Ctrl-C stops everything):

  Portail (web)  http://127.0.0.1:8000

Comptes de démonstration (fictifs) / demo accounts:
$demo_accounts

APIs: registry http://127.0.0.1:8001, referrals http://127.0.0.1:8002,
      notifications http://127.0.0.1:8003 (OpenAPI at /api/v1/openapi.json;
      /healthz /readyz /metrics on each)

Submit a first referral with curl (the demo GP, a resident of La Possession):
  TOKEN=\$(curl -s -X POST http://127.0.0.1:8001/api/v1/auth/token -H 'Content-Type: application/json' \\
    -d '{"email": "medecin.cpts@example.org", "password": "demo-medecin-relais"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
  curl -s -X POST http://127.0.0.1:8002/api/v1/referrals -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"beneficiary": {"first_name": "Jeanne", "last_name": "Exemple", "birth_date": "1950-03-02", "commune": "97408"},
         "need_category": "access_to_rights", "urgency": "normal", "description": "Ouverture de droits",
         "consent": {"obtained_by": "Dr Exemple", "obtained_at": "2026-01-05T09:00:00Z", "method": "oral", "scope": "referral"}}'

TXT
exec .venv/bin/honcho -f infra/Procfile.local -d . start
