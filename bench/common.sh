# bench/common.sh: what the benchmark scripts share (sourced from the project
# root): the packages they need, a Release build with the benchmarks, a work
# folder removed on exit with every process started into `pids`, and nodes.
# Usage: source bench/common.sh PACKAGE… (Debian packages beyond the test set)

scripts/install-deps.sh --test
need=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DLEADWIRE_TESTS=OFF -DLEADWIRE_BENCH=ON >/dev/null
cmake --build build/bench -j "$(nproc)" >/dev/null
LW=$root/build/bench/leadwire

work=$(mktemp -d /tmp/leadwire-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -n ${PG_DIR:-} ]] && scripts/pg-test-server.sh stop "$PG_DIR" && rm -rf "$PG_DIR"
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
say() { printf '%s\n' "$*" >&2; }
wrk_rps() { awk '/Requests\/sec/ {print int($2)}'; }
now_ms() { date +%s%3N; }
# Arguments every node of a run gets besides its own (bench/transports: --transport).
SERVE_EXTRA=()
# key_args DB_URL: a PostgreSQL database's --secret-key-file (one per database,
# made by its init; SQLite keeps its key next to the database file).
key_args() { [[ $1 == postgres* ]] && echo "--secret-key-file $work/$(basename "$1").key"; true; }
start_node() {  # DB_URL ROLE [EXTRA_ARGS…] → sets NODE_PID, NODE_BASE
  local port; port=$(free_port)
  local db=$1 role=$2; shift 2
  # --rate-limit 0: wrk sends every request with one token.
  "$LW" serve --db "$db" --listen "127.0.0.1:$port" --role "$role" --allow-destination 127.0.0.1/32 \
    --rate-limit 0 $(key_args "$db") "$@" "${SERVE_EXTRA[@]}" \
    > "$work/node-$port.out" 2> "$work/node-$port.err" &
  NODE_PID=$!; pids+=("$NODE_PID"); NODE_BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do grep -q listening "$work/node-$port.out" && return; sleep 0.05; done
  say "node did not start"; cat "$work/node-$port.err" >&2; exit 1
}
stop_node() { kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; }
cpu_ticks() { awk '{print $14 + $15}' "$1"; }  # user + system clock ticks of /proc/…/stat
# thread_cpu N [PID]: CPU µs per item of a node's busy threads (NODE_PID's by
# default), added up by thread name (the transport's shards share one);
# call before stopping it
thread_cpu() {
  local t
  for t in /proc/"${2:-$NODE_PID}"/task/*; do echo "$(cat "$t/comm") $(cpu_ticks "$t/stat")"; done |
    awk -v n="$1" '{ticks[$1] += $2} END {
      for (name in ticks) { us = int(ticks[name] * 10000000 / n / 1000); if (us > 0) printf " %s=%dus", name, us }
    }'
}
