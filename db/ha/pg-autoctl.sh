#!/bin/sh
# A pg_auto_failover member for docker-compose.yml (profile ha), with the settings of the local
# formation (scripts/lib/ha.ts): synchronous replication through the replication quorum,
# commits acknowledged once the standby applied them, pg_autoctl's own roles trusted on the
# compose network only, every other role by SCRAM password.
#   HA_ROLE=monitor | node    HA_NAME=node1|node2    HA_MONITOR_HOST=ha-monitor
#   POSTGRES_PASSWORD: the postgres superuser's password (set on the first primary)
set -eu
PGCTL=/usr/lib/postgresql/15/bin/pg_ctl
mkdir -p "$XDG_CONFIG_HOME"
HOST=$(hostname)

write_conf() {
  cat > "$PGDATA/switchboard.conf" <<CONF
listen_addresses = '*'
max_connections = 300
shared_buffers = 256MB
wal_keep_size = '1GB'
$( [ "$HA_ROLE" = node ] && echo "synchronous_commit = remote_apply" )
CONF
  grep -q "include 'switchboard.conf'" "$PGDATA/postgresql.conf" || echo "include 'switchboard.conf'" >> "$PGDATA/postgresql.conf"
  # Everyone else (the app roles, postgres over the network) signs in with a SCRAM password.
  grep -q "switchboard: app roles" "$PGDATA/pg_hba.conf" || \
    printf '# switchboard: app roles\nhost all all samenet scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
}

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  if [ "$HA_ROLE" = monitor ]; then
    pg_autoctl create monitor --pgdata "$PGDATA" --pgport 5432 --pgctl "$PGCTL" --hostname "$HOST" --auth trust --ssl-self-signed
  else
    pg_autoctl create postgres --pgdata "$PGDATA" --pgport 5432 --pgctl "$PGCTL" --hostname "$HOST" --name "$HA_NAME" \
      --dbname switchboard --monitor "postgres://autoctl_node@${HA_MONITOR_HOST}:5432/pg_auto_failover?sslmode=require" \
      --auth trust --ssl-self-signed --replication-quorum true --candidate-priority 50
  fi
  write_conf
  if [ "$HA_ROLE" = node ] && [ "$HA_NAME" = node1 ]; then
    # The first node is the first primary: the superuser password for bootstrap and migrations.
    pg_ctl -D "$PGDATA" -w start -o "-c listen_addresses=''" >/dev/null
    psql -X -q -d postgres -v pw="$POSTGRES_PASSWORD" -c "alter role postgres password :'pw'"
    pg_ctl -D "$PGDATA" -w stop >/dev/null
  fi
fi
write_conf
exec pg_autoctl run --pgdata "$PGDATA"
