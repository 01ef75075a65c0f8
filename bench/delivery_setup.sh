# What the delivery benchmarks (bench/delivery, bench/transports) share, sourced
# after common.sh: a test CA, nginx receivers on loopback, databases filled
# by direct SQL, and the drains they time. Uses $LW, $work and start_node.

# A test CA, a certificate for 127.0.0.1 it signed, and a client certificate
# it signed (the firm's, for mutual TLS), for (h).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 \
  -subj "/CN=Leadwire Bench CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/tls.key" -out "$work/tls.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/tls.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -out "$work/tls.pem" -days 2 -extfile "$work/tls.ext" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/client.key" -out "$work/client.csr" -subj "/CN=Bench Firm" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > "$work/client.ext"
openssl x509 -req -in "$work/client.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -out "$work/client.pem" -days 2 -extfile "$work/client.ext" 2>/dev/null

# nginx on loopback: answering 200 at once over HTTP and HTTPS (logging, per
# request, whether it opened its connection and with a full TLS handshake),
# and after 200 ms on every 127.x.y.z address (echo_sleep), like a real endpoint.
NGINX_PORT=$(free_port); TLS_PORT=$(free_port); MTLS_PORT=$(free_port); SLEEP_PORT=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 32768; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  keepalive_requests 1000000;
  log_format tls '\$connection_requests \$ssl_session_reused';
  server { listen 127.0.0.1:$NGINX_PORT; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $work/tls.pem; ssl_certificate_key $work/tls.key;
    access_log $work/nginx/tls.log tls buffer=256k flush=1s;
    location / { return 200 "ok"; }
  }
  server {
    listen 127.0.0.1:$MTLS_PORT ssl;
    ssl_certificate $work/tls.pem; ssl_certificate_key $work/tls.key;
    ssl_client_certificate $work/ca.pem; ssl_verify_client on;
    access_log $work/nginx/mtls.log tls buffer=256k flush=1s;
    location / { return 200 "ok"; }
  }
  server { listen $SLEEP_PORT backlog=8192; location / { echo_read_request_body; echo_sleep 0.2; echo ok; } }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"

# A database with one organization, webhooks enabled, and `rules` rules.
# new_db DIR → prints the admin token
new_db() {
  "$LW" init --db "sqlite:$1/lw.db" --org Bench --admin-email "admin@bench.test" --admin-password benchmark1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["api_token"])'
}
add_rule() {  # DB URL TRIGGER_ID [ORG_ID] → rule id (direct SQL: the rule as the API would store it)
  sqlite3 "$1" "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, created_at, updated_at)
    VALUES (${4:-1}, 'bench', 1, '$2', $3, '{\"status_id\":null,\"substatus_id\":null,\"case_type_ids\":[],\"office_id\":null,\"opportunity_source_id\":null,\"marketing_source_id\":null,\"requires_case_tracker_code\":false}', 0, 0) RETURNING id;
    UPDATE organizations SET webhooks_enabled = 1, rules_version = abs(random());"
}
add_org() {  # DB NAME → organization id, webhooks on (direct SQL)
  sqlite3 "$1" "INSERT INTO organizations (name, webhooks_enabled, webhook_key, created_at)
    VALUES ('$2', 1, 'whsec_' || lower(hex(randomblob(24))), 0) RETURNING id;"
}
# queue_deliveries DB RULE_ID N [ORG_ID]: N events with a ~400-byte payload, one delivery each,
# and each with a trace (as every event the API records has), so each webhook carries a
# traceparent (a database from before trace context has no such column: then none).
PAYLOAD=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/post.lua)
queue_deliveries() {
  local trace=""
  sqlite3 "$1" "SELECT 1 FROM pragma_table_info('events') WHERE name = 'trace'" | grep -q 1 &&
    trace="UPDATE events SET trace = lower(hex(randomblob(16))) || '-01' WHERE trace IS NULL;"
  sqlite3 "$1" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3)
INSERT INTO events (org_id, trigger_id, user_id, created_at, payload) SELECT ${4:-1}, 1, 1, 0, '$PAYLOAD' FROM n;
$trace
INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, created_at, updated_at)
  SELECT ${4:-1}, $2, id, 'msg_' || lower(hex(randomblob(16))), 'pending', 0, 0, 0 FROM events
  WHERE id > (SELECT COALESCE(MAX(event_id), 0) FROM deliveries);
COMMIT;
SQL
}
pending() { sqlite3 "$1" "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND rule_id = $2"; }
pending_all() { sqlite3 "$1" "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"; }
nginx_ticks() { cpu_ticks "/proc/$(pgrep -P "$(cat "$work/nginx.pid")" | head -1)/stat"; }
# drain_time DB RULE → ms until the rule has nothing pending
drain_time() {
  local t0 t1; t0=$(now_ms)
  while [[ $(pending "$1" "$2") -gt 0 ]]; do sleep 0.1; done
  t1=$(now_ms); echo $((t1 - t0))
}

# api_put BASE TOKEN PATH JSON: a PUT to a node's API
api_put() {
  python3 - "$@" <<'PY'
import sys, urllib.request
base, token, path, body = sys.argv[1:]
req = urllib.request.Request(base + path, body.encode(), method="PUT",
                             headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
urllib.request.urlopen(req).read()
PY
}
# A payload template of the kind a firm writes for a case-management import:
# a dozen of the payload's keys, renamed and nested, and a line of text.
TEMPLATE='{"lead":{"id":"{{LeadId}}","code":"{{LeadCode}}","case_type":"{{LeadCaseType}}","status":"{{LeadStatus}}","office":"{{OfficeName}}","source":"{{LeadMarketingSource}}","summary":"{{LeadSummary}}","created":"{{LeadCreatedDate}}"},"contact":{"name":"{{ContactFullName}}","email":"{{ContactEmail}}","phone":"{{ContactMobilePhone}}"},"text":"New {{LeadCaseType}} lead {{LeadCode}} for {{ContactFullName}}"}'
# drain_healthy DIR [templated|ed25519]: DRAIN_N deliveries to nginx alone → sets MS (and
# CPU_SPLIT); templated: the rule has TEMPLATE; ed25519: the organization signs with
# Ed25519 too (set through the API, which makes the keypair)
drain_healthy() {
  mkdir -p "$1"; local token; token=$(new_db "$1")
  local rule; rule=$(add_rule "$1/lw.db" "http://127.0.0.1:$NGINX_PORT/hook" 1)
  case ${2:-} in
    templated) sqlite3 "$1/lw.db" "UPDATE webhook_rules SET payload_template = '$TEMPLATE' WHERE id = $rule" ;;
    ed25519) start_node "sqlite:$1/lw.db" api
             api_put "$NODE_BASE" "$token" /api/settings/webhooks '{"signing":"hmac+ed25519"}'
             stop_node ;;
  esac
  queue_deliveries "$1/lw.db" "$rule" "$DRAIN_N"
  local nginx_t0; nginx_t0=$(nginx_ticks)
  start_node "sqlite:$1/lw.db" worker
  MS=$(drain_time "$1/lw.db" "$rule")
  CPU_SPLIT="$(thread_cpu "$DRAIN_N") nginx=$((($(nginx_ticks) - nginx_t0) * 10000000 / DRAIN_N / 1000))us"
  stop_node
  DELIVERED=$(sqlite3 "$1/lw.db" "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'")
}

# latency_bound DIR MODE: 100,000 deliveries to endpoints answering after 200 ms
#   shared: 100 firms, each a rule to the same endpoint, 1,000 deliveries each
#   many:   one firm, 1,000 rules to 1,000 hosts 127.0.x.y, 100 deliveries each
# → sets RPS (and RSS_G, the node's peak RSS, and CPU_SPLIT)
latency_bound() {
  mkdir -p "$1"; new_db "$1" >/dev/null
  local db="$1/lw.db" i org rule
  if [[ $2 == shared ]]; then
    for i in $(seq 1 100); do
      org=$([[ $i == 1 ]] && echo 1 || add_org "$db" "Firm $i")
      rule=$(add_rule "$db" "http://127.0.0.1:$SLEEP_PORT/hook" 1 "$org")
      queue_deliveries "$db" "$rule" 1000 "$org"
    done
  else
    for i in $(seq 0 999); do
      rule=$(add_rule "$db" "http://127.0.$((10 + i / 250)).$((1 + i % 250)):$SLEEP_PORT/hook" 1)
      queue_deliveries "$db" "$rule" 100
    done
  fi
  start_node "sqlite:$db" worker --allow-destination 127.0.0.0/8
  local t0; t0=$(now_ms)
  while [[ $(pending_all "$db") -gt 0 ]]; do sleep 0.2; done
  local ms=$(($(now_ms) - t0))
  RSS_G=$(($(awk '/VmHWM/ {print $2}' "/proc/$NODE_PID/status") / 1024))
  CPU_SPLIT=$(thread_cpu 100000)
  stop_node
  local failed; failed=$(sqlite3 "$db" "SELECT COUNT(*) FROM deliveries WHERE status <> 'delivered'")
  RPS=$((100000 * 1000 / ms))
  say "   $RPS deliveries/s ($ms ms; $failed not delivered); bound $BOUND/s; ratio $(python3 -c "print(round($RPS / $BOUND, 3))")"
}

# tls_drain DIR [mtls] → sets MS, HANDSHAKES (full TLS handshakes nginx saw),
# CPU_SPLIT. With mtls: to the nginx that demands a client certificate, the
# organization's set through the API first (sealed, as a firm would).
tls_drain() {
  mkdir -p "$1"; local token; token=$(new_db "$1")
  local port=$TLS_PORT log=tls
  if [[ ${2:-} == mtls ]]; then
    port=$MTLS_PORT log=mtls
    start_node "sqlite:$1/lw.db" api
    python3 - "$NODE_BASE" "$token" "$work/client.pem" "$work/client.key" <<'PY'
import json, sys, urllib.request
base, token, cert, key = sys.argv[1:]
body = json.dumps({"client_certificate": {"certificate_pem": open(cert).read(), "private_key_pem": open(key).read()}})
req = urllib.request.Request(base + "/api/settings/webhooks", body.encode(), method="PUT",
                             headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
urllib.request.urlopen(req).read()
PY
    stop_node
  fi
  local rule; rule=$(add_rule "$1/lw.db" "https://127.0.0.1:$port/hook" 1)
  queue_deliveries "$1/lw.db" "$rule" "$DRAIN_N"
  local seen; seen=$(wc -l < "$work/nginx/$log.log")  # nginx's workers cannot reopen logs in $work
  start_node "sqlite:$1/lw.db" worker --ca-file "$work/ca.pem"
  MS=$(drain_time "$1/lw.db" "$rule")
  CPU_SPLIT=$(thread_cpu "$DRAIN_N")
  stop_node
  sleep 1.5  # the log is flushed every second
  tail -n "+$((seen + 1))" "$work/nginx/$log.log" > "$1/$log.log"
  HANDSHAKES=$(awk '$1 == 1 && $2 == "."' "$1/$log.log" | wc -l)
  say "   nginx logged $(wc -l < "$1/$log.log") requests; $HANDSHAKES opened a connection with a full handshake"
}
