#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL, on loopback (docs/operations.md, "Scale out"):
# allows replication connections from 127.0.0.1 on the primary (a line in its pg_hba.conf),
# takes a base backup into a new directory under $REPLICA_ROOT and starts it as a hot standby
# on $REPLICA_PORT.
# Idempotent and safe to run concurrently (a lock serialises callers): a replica already
# answering on the port is left alone; one still starting up is waited for. Each new replica
# gets a directory of its own, so nothing left by an earlier one (files, a dying process) can
# be in its way. `pg-replica.sh stop` stops it. The scale-out test
# (tongxin/core/tests/test_scale_out.py) runs this on PostgreSQL.
set -euo pipefail
PORT="${REPLICA_PORT:-5433}"
ROOT="${REPLICA_ROOT:-/var/tmp}"
PRIMARY="${PRIMARY_PORT:-5432}"
CURRENT="$ROOT/tongxin-replica-$PORT.current"  # holds the running replica's directory
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

exec 9> "$ROOT/tongxin-replica-$PORT.lock"
flock -w 600 9

stop_current() {  # every replica this script made on the port (and the older fixed directory)
  for old in "$ROOT"/tongxin-replica-"$PORT".?????? "$ROOT/tongxin-replica"; do
    [ -d "$old" ] || continue
    as_pg "$BIN/pg_ctl" -D "$old" stop -m fast > /dev/null 2>&1 || true
    rm -rf "$old"
  done
  rm -f "$CURRENT"
}

if [ "${1:-start}" = stop ]; then
  stop_current
  exit 0
fi
# 0: accepting connections; 1: up but still starting (a standby reaching consistency).
for _ in $(seq 60); do
  state=0
  pg_isready -q -h 127.0.0.1 -p "$PORT" || state=$?
  [ "$state" = 1 ] || break
  sleep 1
done
if [ "$state" = 0 ]; then
  echo "a replica already answers on port $PORT"
  exit 0
fi
HBA="$(psql -h 127.0.0.1 -p "$PRIMARY" -U postgres -Atc 'SHOW hba_file')"
if ! grep -qE '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$HBA"; then
  echo "host replication all 127.0.0.1/32 trust  # added by tongxin scripts/pg-replica.sh" >> "$HBA"
  psql -h 127.0.0.1 -p "$PRIMARY" -U postgres -Atc 'SELECT pg_reload_conf()' > /dev/null
fi
stop_current
DIR="$(mktemp -d "$ROOT/tongxin-replica-$PORT.XXXXXX")"
chmod 700 "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
as_pg pg_basebackup -h 127.0.0.1 -p "$PRIMARY" -U postgres -D "$DIR" -R -X stream -c fast
# Debian keeps the primary's configuration outside its data directory: the standby gets its own.
as_pg sh -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > '$DIR/pg_hba.conf'"
as_pg sh -c "printf \"listen_addresses = '127.0.0.1'\nport = $PORT\nunix_socket_directories = '$DIR'\nhot_standby = on\n\" > '$DIR/postgresql.conf'"
echo "$DIR" > "$CURRENT"
# The server must not inherit the lock (fd 9), or it would hold it for its whole life.
as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/replica.log" -w -t 60 start > /dev/null 9>&-
echo "replica of 127.0.0.1:$PRIMARY running on 127.0.0.1:$PORT ($DIR)"
