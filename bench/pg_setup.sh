# What the PostgreSQL benchmarks (bench/scale, bench/transports) share, sourced
# after common.sh: a PostgreSQL server for the run (start_pg; common.sh's
# cleanup stops it), databases filled by direct SQL, and the drain they time.
# Defines functions only; sourcing it again restores its add_rule and the
# others where another setup (delivery_setup.sh) has its own.

# start_pg → sets PG_DIR and PG_ADMIN
start_pg() {
  PG_DIR=$(mktemp -d /tmp/leadwire-bench-pg-XXXXXX)
  PG_ADMIN=$(PG_TEST_SERVER_OPTIONS="-c shared_preload_libraries=pg_stat_statements" \
    scripts/pg-test-server.sh start "$PG_DIR")
  psql "$PG_ADMIN" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
}
# What a lead and a delivery cost PostgreSQL: round trips (the node's own
# count on /metrics: each wakes the node and a server backend) and
# statements (pg_stat_statements, every session of the database: BEGIN and
# COMMIT count, a pipeline's statements each count).
round_trips() {
  python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/metrics").read().decode())' "$1" |
    awk '/^leadwire_database_round_trips_total/ {print $2}'
}
statements_reset() { psql "$PG_ADMIN" -XAtqc "SELECT pg_stat_statements_reset()" >/dev/null; }
statements() {  # DB_URL → statements run in that database since the last reset
  psql "$PG_ADMIN" -XAtc "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '${1##*/}')"
}
# pg_cpu DB_URL N: CPU µs per item of the server processes serving that
# database (its nodes' sessions; call before stopping the nodes)
pg_cpu() {
  local p ticks=0
  for p in $(pgrep -f "postgres: [^ ]+ ${1##*/} "); do ticks=$((ticks + $(cpu_ticks "/proc/$p/stat"))); done
  echo " postgres=$((ticks * 10000000 / $2 / 1000))us"
}
per() { python3 -c "print(round($1 / $2, 1))"; }
ratio() { python3 -c "print(round($1 / $2, 3))"; }
new_pg() {  # → prints the URL of a fresh database (called in subshells: a random name)
  local name="bench_${RANDOM}_$RANDOM"
  psql "$PG_ADMIN" -qc "CREATE DATABASE $name" >/dev/null
  echo "${PG_ADMIN%/*}/$name"
}
# init_org DB_URL → prints the admin token; webhooks on, lookups for lead.lua
init_org() {
  local token
  token=$("$LW" init --db "$1" --org Bench --admin-email admin@bench.test --admin-password benchmark1 \
    $(key_args "$1") |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["api_token"])')
  run_sql "$1" "UPDATE organizations SET webhooks_enabled = 1;
    INSERT INTO lookups (org_id, kind, parent_id, name, position)
    VALUES (1, 'case_type', 0, 'Auto Accident', 1), (1, 'office', 0, 'Downtown', 1);"
  echo "$token"
}
run_sql() {  # DB_URL SQL (sqlite:PATH or postgresql://…) → rows, |-separated
  if [[ $1 == sqlite:* ]]; then sqlite3 "${1#sqlite:}" "$2"; else psql "$1" -XAtqc "$2"; fi
}
add_rule() {  # DB_URL URL → rule id (the rule as the API would store it)
  run_sql "$1" "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, created_at, updated_at)
    VALUES (1, 'bench', 1, '$2', 1, '{\"status_id\":null,\"substatus_id\":null,\"case_type_ids\":[],\"office_id\":null,\"opportunity_source_id\":null,\"marketing_source_id\":null,\"requires_case_tracker_code\":false}', 0, 0) RETURNING id;
    UPDATE organizations SET rules_version = rules_version + 1;" | head -1
}
PAYLOAD=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/post.lua)
queue_deliveries() {  # DB_URL RULE_ID N
  psql "$1" -Xqc "INSERT INTO events (org_id, trigger_id, user_id, created_at, payload)
      SELECT 1, 1, 1, 0, '$PAYLOAD' FROM generate_series(1, $3);
    INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, created_at, updated_at)
      SELECT 1, $2, id, 'msg_' || md5(random()::text), 'pending', 0, 0, 0 FROM events;
    ANALYZE;" >/dev/null
}
# Whether anything is pending; cheap, and asked every 0.3 s, so that watching
# the drain takes little from the database it measures.
pending() { run_sql "$1" "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT 1) x"; }
drain_time() {  # DB_URL → ms until nothing is pending
  local t0; t0=$(now_ms)
  while [[ $(pending "$1") -gt 0 ]]; do sleep 0.3; done
  echo $(($(now_ms) - t0))
}
wal_lsn() { psql "$PG_ADMIN" -XAtc "SELECT pg_current_wal_lsn()"; }
wal_bytes() { psql "$PG_ADMIN" -XAtc "SELECT pg_wal_lsn_diff('$2', '$1')::bigint"; }  # FROM TO
# drain WORKERS → "deliveries/s WAL-bytes-per-delivery"
drain() {
  local db rule ms i lsn nodes=()
  db=$(new_pg); init_org "$db" >/dev/null
  rule=$(add_rule "$db" "http://127.0.0.1:$NGINX_PORT/hook")
  queue_deliveries "$db" "$rule" "$DRAIN_N"
  lsn=$(wal_lsn); statements_reset
  local bases=() trips=0
  for i in $(seq 1 "$1"); do start_node "$db" worker; nodes+=("$NODE_PID"); bases+=("$NODE_BASE"); done
  ms=$(drain_time "$db")
  # CPU per delivery, by thread of the first worker, and of PostgreSQL
  echo "$(thread_cpu "$DRAIN_N" "${nodes[0]}")$(pg_cpu "$db" "$DRAIN_N")" > "$work/drain_cpu_$1"
  for i in "${!bases[@]}"; do trips=$((trips + $(round_trips "${bases[$i]}"))); done
  local stmts; stmts=$(statements "$db")
  for NODE_PID in "${nodes[@]}"; do stop_node; done
  echo "$((DRAIN_N * 1000 / ms)) $(($(wal_bytes "$lsn" "$(wal_lsn)") / DRAIN_N)) $(per "$trips" "$DRAIN_N") $(per "$stmts" "$DRAIN_N")"
}
