#!/usr/bin/env bash
# Runs once, when the postgres container initialises an EMPTY data directory
# (/docker-entrypoint-initdb.d). It creates the application role and one database
# per service, each owned by that role. The container's superuser (POSTGRES_USER,
# default "postgres") is kept for administration only; the services never use it.
#
# Environment (set in docker-compose.yml):
#   RELAIS_DB_USER       application role (default: relais)
#   RELAIS_DB_PASSWORD   its password (required)
#   RELAIS_DATABASES     space-separated database names (default: the three services)
set -euo pipefail

app_user="${RELAIS_DB_USER:-relais}"
app_password="${RELAIS_DB_PASSWORD:?RELAIS_DB_PASSWORD is required (POSTGRES_PASSWORD in .env)}"
databases="${RELAIS_DATABASES:-registry referrals notifications}"

psql_admin() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
        --dbname "${POSTGRES_DB:-postgres}" "$@"
}

# The password is read by psql itself from the environment (\getenv, psql >= 15) and
# quoted by format(%L): no SQL injection, never on a command line or in the logs.
# \gexec keeps the script re-runnable.
export RELAIS_DB_PASSWORD="$app_password"
psql_admin -v app_user="$app_user" <<'SQL'
\getenv pw RELAIS_DB_PASSWORD
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'app_user', :'pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user')
\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app_user', :'pw')
\gexec
SQL

for db in $databases; do
    echo "init-databases: database ${db} owned by ${app_user}"
    psql_admin -v db="$db" -v app_user="$app_user" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'app_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'app_user')
\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db')
\gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'app_user')
\gexec
SQL
done
