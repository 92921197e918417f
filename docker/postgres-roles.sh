#!/bin/sh
# Production's two database roles, made once, when the PostgreSQL container first fills its data folder
# (/docker-entrypoint-initdb.d). The owner (srd_owner) owns the database and every table: the migrate service
# connects as it. The runtime role (srd_app) is what web, worker and beat connect as: migrate grants it rows
# (core/database_roles.py, DATABASE_RUNTIME_ROLE), never the schema, and of the complaint event log and the
# configuration audit only reading and appending. The names may be changed with DB_NAME, DB_OWNER and DB_APP.
set -eu
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v db="${DB_NAME:-srd}" -v owner="${DB_OWNER:-srd_owner}" -v app="${DB_APP:-srd_app}" \
    -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
\connect :db
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
