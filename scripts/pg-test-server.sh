#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests, from Debian's postgresql-15:
#   scripts/pg-test-server.sh start DIR  → initdb into DIR (once), start on a free port
#                                          on 127.0.0.1 (the same one when DIR was
#                                          started before), print the admin URL
#   scripts/pg-test-server.sh stop DIR   → stop it (safe to call twice)
#   scripts/pg-test-server.sh crash DIR  → stop it as a crash would (-m immediate: no
#                                          checkpoint, recovery from the WAL) and start it
# As root (CI) the server runs as the postgres user, which PostgreSQL requires.
# PG_TEST_SERVER_OPTIONS: more server options (bench/scale loads pg_stat_statements).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
dir=${2:?usage: pg-test-server.sh start|stop DIR}
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $1 in
  start)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    if [[ ! -d $dir/data ]]; then
      as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >/dev/null
      python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' > "$dir/port"
    fi
    port=$(cat "$dir/port")
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 ${PG_TEST_SERVER_OPTIONS:-}" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [[ -f $dir/data/postmaster.pid ]] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  crash)
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 restart >/dev/null
    ;;
  *) echo "usage: pg-test-server.sh start|stop|crash DIR" >&2; exit 2 ;;
esac
