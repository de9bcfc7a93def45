#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL 15 (docs/read-routing.md), for the replica test
# and for trying DATABASE_READ_URL by hand.
#
#   scripts/read-replica.sh start   # pg_basebackup of 127.0.0.1:5432 into $REPLICA_DIR, started on $REPLICA_PORT
#   scripts/read-replica.sh status  # is it up, and how far behind
#   scripts/read-replica.sh stop    # stops it and removes its data directory
#
# Run as root or as the postgres OS user (the server's files belong to it). The primary needs a
# replication entry in pg_hba.conf: `start` adds `host replication postgres 127.0.0.1/32 trust`
# when no replication line is present and reloads the server (a reload, not a restart).
set -euo pipefail

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/meterbridge-read-replica}
# the primary keeps the WAL the replica has not received yet (without a slot, a busy primary
# recycles it before the replica starts streaming); `stop` drops it, so WAL never piles up
SLOT=meterbridge_read_replica

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
}

psql_primary() {
  as_postgres "$BIN/psql" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc "$1"
}

allow_replication() {
  local hba
  hba=$(psql_primary 'SHOW hba_file')
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication' "$hba"; then
    echo "adding a replication entry for 127.0.0.1 to $hba"
    printf '\n# streaming read replica for meterbridge (scripts/read-replica.sh)\nhost replication postgres 127.0.0.1/32 trust\n' >>"$hba"
    psql_primary 'SELECT pg_reload_conf()' >/dev/null
  fi
}

start() {
  if as_postgres "$BIN/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT"; then
    echo "something already answers on port $REPLICA_PORT"; status; return
  fi
  allow_replication
  rm -rf "$REPLICA_DIR"
  mkdir -p "$REPLICA_DIR" && chown postgres "$REPLICA_DIR" 2>/dev/null || true
  chmod 700 "$REPLICA_DIR"
  echo "base backup of $PRIMARY_HOST:$PRIMARY_PORT into $REPLICA_DIR"
  drop_slot
  # -R writes standby.signal and primary_conninfo (with the slot): the copy starts as a streaming standby
  as_postgres "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" -R -X stream -c fast -C -S "$SLOT"
  # Debian keeps postgresql.conf and pg_hba.conf in /etc, outside the copied data directory: the
  # copy gets its own (defaults, local connections only) and runs on its own port
  as_postgres touch "$REPLICA_DIR/postgresql.conf"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$REPLICA_DIR/pg_hba.conf" >/dev/null
  as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w -t 120 \
    -o "-p $REPLICA_PORT -c listen_addresses=127.0.0.1 -c hot_standby=on -c unix_socket_directories=/tmp" start
  status
}

status() {
  if ! as_postgres "$BIN/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT"; then echo "no replica on port $REPLICA_PORT"; return 1; fi
  as_postgres "$BIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc \
    "SELECT 'replica on port $REPLICA_PORT: in recovery=' || pg_is_in_recovery() || ', replay lag=' || coalesce((now() - pg_last_xact_replay_timestamp())::text, 'none yet')"
}

drop_slot() {
  psql_primary "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
}

stop() {
  if [ -f "$REPLICA_DIR/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop; fi
  drop_slot
  rm -rf "$REPLICA_DIR"
  echo "replica stopped and removed"
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
