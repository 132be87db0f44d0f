#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL, on loopback (docs/operations.md, "Scale out"):
# allows replication connections from 127.0.0.1 on the primary (a line in its pg_hba.conf),
# takes a base backup into $REPLICA_DIR and starts it as a hot standby on $REPLICA_PORT.
# Idempotent: a replica already answering on the port is left alone. `pg-replica.sh stop`
# stops it. The replica test (tongxin/core/tests/test_replica.py) runs this on PostgreSQL.
set -euo pipefail
PORT="${REPLICA_PORT:-5433}"
DIR="${REPLICA_DIR:-/var/tmp/tongxin-replica}"
PRIMARY="${PRIMARY_PORT:-5432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-start}" = stop ]; then
  as_pg "$BIN/pg_ctl" -D "$DIR" stop -m fast || true
  exit 0
fi
if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  echo "a replica already answers on port $PORT"
  exit 0
fi
HBA="$(psql -h 127.0.0.1 -p "$PRIMARY" -U postgres -Atc 'SHOW hba_file')"
if ! grep -qE '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$HBA"; then
  echo "host replication all 127.0.0.1/32 trust  # added by tongxin scripts/pg-replica.sh" >> "$HBA"
  psql -h 127.0.0.1 -p "$PRIMARY" -U postgres -Atc 'SELECT pg_reload_conf()' > /dev/null
fi
as_pg "$BIN/pg_ctl" -D "$DIR" stop -m immediate > /dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR"
chmod 700 "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
as_pg pg_basebackup -h 127.0.0.1 -p "$PRIMARY" -U postgres -D "$DIR" -R -X stream -c fast
# Debian keeps the primary's configuration outside its data directory: the standby gets its own.
as_pg sh -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > '$DIR/pg_hba.conf'"
as_pg sh -c "printf \"listen_addresses = '127.0.0.1'\nport = $PORT\nunix_socket_directories = '$DIR'\nhot_standby = on\n\" > '$DIR/postgresql.conf'"
as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/replica.log" -w -t 60 start > /dev/null
echo "replica of 127.0.0.1:$PRIMARY running on 127.0.0.1:$PORT ($DIR)"
