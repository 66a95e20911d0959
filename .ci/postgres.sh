#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the app-state tests (called by .ci/run).
#
# Idempotent: installs Debian's postgresql only when its binaries are missing, creates the cluster
# only when its data folder is new, starts the server only when it is not already answering, and
# creates the role and database only when they do not exist. Nothing stops the server: it dies
# with the CI machine (to stop it by hand: runuser -u postgres -- pg_ctl -D "$DIR/data" stop).
#
# Progress goes to stderr; the last (only) line on stdout is
#   CIVICGRID_TEST_PG_URL=postgresql+psycopg://civicgrid_test:…@127.0.0.1:PORT/civicgrid_test
# so .ci/run can `export` it.
#
# Settings (environment): CIVICGRID_PG_PORT (first port tried, default 54329),
# CIVICGRID_PG_DIR (cluster folder, default /tmp/civicgrid-pg).
set -euo pipefail

PORT="${CIVICGRID_PG_PORT:-54329}"
DIR="${CIVICGRID_PG_DIR:-/tmp/civicgrid-pg}"
DB=civicgrid_test
ROLE=civicgrid_test
PASSWORD=civicgrid_test_pw   # a throwaway server on loopback; not a secret

log() { echo "postgres.sh: $*" >&2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# 1. Binaries (Debian's packages put them under /usr/lib/postgresql/VERSION/bin).
BIN="$(bindir)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ] || [ ! -x "$BIN/pg_ctl" ]; then
  log "installing postgresql from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(bindir)"
fi
[ -x "$BIN/initdb" ] || { log "no initdb after installing postgresql"; exit 1; }

# 2. Run server commands as the postgres user (postgres refuses to run as root).
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi
pg() { "${AS_PG[@]}" "$@"; }

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
chmod 700 "$DIR"
DATA="$DIR/data"

running() { pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 3. Cluster: create once (trust on the Unix socket in $DIR, passwords over TCP).
if [ ! -f "$DATA/PG_VERSION" ]; then
  log "creating cluster in $DATA"
  rm -rf "$DATA"
  pg "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
     --encoding=UTF8 --locale=C.UTF-8 >&2 2>/dev/null \
    || pg "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
       --encoding=UTF8 --no-locale >&2
fi

# 4. Server: reuse the one already running on this cluster, else start on the first free port.
if running && [ -f "$DIR/port" ]; then
  PORT="$(cat "$DIR/port")"
  log "server already running on 127.0.0.1:$PORT"
else
  for _ in $(seq 1 20); do port_busy "$PORT" || break; PORT=$((PORT + 1)); done
  port_busy "$PORT" && { log "no free port found"; exit 1; }
  running && pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2   # running without a port file
  log "starting server on 127.0.0.1:$PORT"
  pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
     -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c fsync=off" start >&2 \
    || { log "pg_ctl start failed; server log:"; tail -n 30 "$DIR/server.log" >&2 || true; exit 1; }
  echo "$PORT" > "$DIR/port"
fi

# 5. Wait until it answers on loopback.
for _ in $(seq 1 60); do
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
"$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" >&2 || { log "server is not ready"; exit 1; }

# 6. Role and database (over the Unix socket as the superuser; only when missing).
sql() { pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAq -c "$1"; }
if [ "$(sql "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  sql "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
fi
if [ "$(sql "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  sql "CREATE DATABASE $DB OWNER $ROLE"
fi

echo "CIVICGRID_TEST_PG_URL=postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
