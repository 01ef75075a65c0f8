#!/usr/bin/env bash
# The Debian package as an operator meets it (product spec §8, "Running as a
# service"): built by scripts/package.sh, its files, dependencies and
# conffile checked, installed with apt, its unit accepted by systemd-analyze;
# the unit's own ExecStart run as the leadwire user on no database (as a
# first install starts it), `leadwire init --config /etc/leadwire/leadwire.toml`
# run as root while it serves, a lead that sends a verified webhook, a
# graceful stop on SIGTERM; remove keeps the data (a reinstall serves it
# again), purge deletes it with the user; and installed once more, init as
# root before the service's first start (the files it makes are the service's).
#
# Installing changes the machine, so that part runs only as root and only
# where no leadwire package is installed (CI's throwaway machine); whatever
# happens, the package is purged on the way out.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "package test: $*" >&2; exit 1; }
say() { echo "-- $*"; }

deb=$(scripts/package.sh)
version=$(sed -n 's/^project(leadwire VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

say "the package's files, metadata and dependencies"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/leadwire ./lib/systemd/system/leadwire.service ./etc/leadwire/leadwire.toml \
         ./usr/share/doc/leadwire/copyright ./usr/share/doc/leadwire/README.md; do
  grep -qx -- "$f" <<<"$contents" || fail "$deb lacks $f"
done
[[ $(dpkg-deb -f "$deb" Package) == leadwire ]] || fail "the package is not named leadwire"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "its version is not $version"
[[ $(dpkg-deb -f "$deb" Architecture) == "$(dpkg --print-architecture)" ]] || fail "wrong architecture"
depends=$(dpkg-deb -f "$deb" Depends)
# Computed from what the binary links (dpkg-shlibdeps), with versions.
names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for lib in libc6 libsqlite3-0 libpq5 libsodium23 libssl3 libcurl4 libstdc++6 libboost-json1.81.0; do
  grep -qFx -- "$lib" <<<"$names" || fail "Depends lacks $lib: $depends"
done
[[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) == /etc/leadwire/leadwire.toml ]] ||
  fail "/etc/leadwire/leadwire.toml is not a conffile"

if [[ $(id -u) -ne 0 ]]; then
  echo "-- not root: the package is not installed here (CI installs it)"
  exit 0
fi
if dpkg-query -W -f='${Status}' leadwire 2>/dev/null | grep -q "installed\|config-files"; then
  echo "-- a leadwire package is installed on this machine already: left as it is, not tested"
  exit 0
fi

work=$(mktemp -d /tmp/leadwire-package-XXXXXX)
pids=()
finish() {
  for pid in "${pids[@]}"; do { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null || true; done
  if dpkg-query -W -f='${Status}' leadwire 2>/dev/null | grep -q "installed\|config-files"; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq leadwire >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap finish EXIT
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PWD/$deb" >"$work/apt.log" 2>&1 ||
                { cat "$work/apt.log"; fail "apt could not install $deb"; }; }
json() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>console.log(eval("JSON.parse(s)"+process.argv[1])))' "$1"; }
owner() { stat -c %U:%G:%a "$1"; }

say "apt install"
apt_install
[[ $(command -v leadwire) == /usr/bin/leadwire ]] || fail "leadwire is not /usr/bin/leadwire"
leadwire --version | grep -Eq "^leadwire $version \(.+\)$" || fail "--version: $(leadwire --version)"
getent passwd leadwire | grep -q ':/var/lib/leadwire:/usr/sbin/nologin$' || fail "the leadwire user: $(getent passwd leadwire)"
[[ $(owner /var/lib/leadwire) == leadwire:leadwire:750 ]] || fail "/var/lib/leadwire: $(owner /var/lib/leadwire)"

say "systemd-analyze verify and security"
unit=/lib/systemd/system/leadwire.service
# verify reports what it ignores but still exits 0: any output is a failure.
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify: $verify"
exposure=$(systemd-analyze security --offline=true "$unit" 2>&1 |
           sed -n 's/.*Overall exposure level for leadwire.service: \([0-9.]*\).*/\1/p')
[[ -n $exposure ]] || fail "systemd-analyze security gave no exposure level"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure is above 2.0"
echo "exposure level $exposure"

# The unit's ExecStart, run as systemd would: as leadwire, in its working
# directory. The environment adds a range for the receiver on 127.0.0.1 (the
# SSRF guard keeps webhooks off loopback), as /etc/default/leadwire would.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == "/usr/bin/leadwire serve --config /etc/leadwire/leadwire.toml" ]] || fail "ExecStart: $exec_start"
read -ra exec_argv <<<"$exec_start"  # split on spaces, as systemd does (no quotes in it)
listen=$(sed -n 's/^listen = "\(.*\)"$/\1/p' /etc/leadwire/leadwire.toml)
[[ $listen == 127.0.0.1:8080 ]] || fail "the shipped config listens on $listen"
base="http://$listen"
start_service() {
  (cd /var/lib/leadwire &&
   exec env LEADWIRE_ALLOW_DESTINATION=127.0.0.1/32 setpriv --reuid=leadwire --regid=leadwire --init-groups -- "${exec_argv[@]}") \
    >>"$work/serve.log" 2>&1 &
  service=$!
  pids+=("$service")
  for _ in $(seq 100); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$service" 2>/dev/null || { cat "$work/serve.log"; fail "serve exited"; }
    sleep 0.2
  done
  curl -fs "$base/healthz" | grep -q "\"version\":\"$version\"" || { cat "$work/serve.log"; fail "no /healthz on $base"; }
  [[ $(ps -o user= -p "$service") == leadwire ]] || fail "serve runs as $(ps -o user= -p "$service")"
}
stop_service() {
  kill -TERM "$service"
  local code=0
  timeout 60 tail --pid="$service" -f /dev/null || fail "serve did not stop within TimeoutStopSec (60 s)"
  wait "$service" || code=$?
  [[ $code -eq 0 ]] || { cat "$work/serve.log"; fail "serve exited $code on SIGTERM"; }
}
init_as_root() {  # as the README says; → $token, the Admin's
  (cd / && leadwire init --config /etc/leadwire/leadwire.toml --org "Package Test Firm" \
     --admin-email admin@package.test --admin-password "correct horse battery") >"$work/init.json"
  token=$(json .api_token <"$work/init.json")
  for f in /var/lib/leadwire/leadwire.db /var/lib/leadwire/leadwire.db.key; do
    [[ $(owner "$f") == leadwire:leadwire:600 ]] || fail "$f: $(owner "$f"), not the service user's"
  done
}
purge() {
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq leadwire >/dev/null
  for f in /var/lib/leadwire /etc/leadwire /usr/bin/leadwire; do [[ ! -e $f ]] || fail "purge left $f"; done
  ! getent passwd leadwire >/dev/null || fail "purge left the leadwire user"
  ! getent group leadwire >/dev/null || fail "purge left the leadwire group"
}
call() {  # METHOD PATH [BODY] → the response body; fails on a status of 400 or more
  curl -fsS -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$base$2"
}

say "the service's ExecStart as the leadwire user, on no database, as a first install starts it"
# Port 8080 is the shipped config's; a machine that uses it cannot run this part.
if curl -s -o /dev/null "$base/" 2>/dev/null; then fail "something already listens on $listen"; fi
start_service
say "leadwire init --config /etc/leadwire/leadwire.toml as root while it serves; a lead sends a verified webhook"
init_as_root
key=$(call PUT /api/settings/webhooks '{"enabled":true}' | json .authentication_key)
leadwire receive --listen 127.0.0.1:0 --key "$key" --strict >"$work/receive.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do grep -q "listening on" "$work/receive.log" && break; sleep 0.1; done
rx=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/receive.log")
[[ -n $rx ]] || fail "leadwire receive did not start: $(cat "$work/receive.log")"
call POST /api/webhook-rules "{\"title\":\"Package test\",\"url\":\"${rx}package\",\"trigger\":\"Lead Created\"}" >/dev/null
call POST /api/leads '{"contact":{"first_name":"Packaged","last_name":"Lead"}}' >/dev/null
for _ in $(seq 150); do grep -q "^✔ " "$work/receive.log" && break; sleep 0.2; done
grep -q "^✔ " "$work/receive.log" || { cat "$work/receive.log" "$work/serve.log"; fail "no verified webhook arrived"; }
grep -q '"Packaged"' "$work/receive.log" || fail "the webhook is not the lead's: $(cat "$work/receive.log")"
stop_service
for f in /var/lib/leadwire/*; do
  [[ $(stat -c %U "$f") == leadwire ]] || fail "$f is $(stat -c %U "$f")'s"
done

say "apt remove keeps the data and the settings; a reinstall serves them again"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq leadwire >/dev/null
[[ ! -e /usr/bin/leadwire ]] || fail "remove left /usr/bin/leadwire"
[[ ! -e $unit ]] || fail "remove left $unit"
for f in /var/lib/leadwire/leadwire.db /var/lib/leadwire/leadwire.db.key /etc/leadwire/leadwire.toml; do
  [[ -e $f ]] || fail "remove deleted $f"
done
getent passwd leadwire >/dev/null || fail "remove deleted the leadwire user"
apt_install
start_service
[[ $(call GET /api/leads | json '.records.length') == 1 ]] || fail "the reinstalled service lost the lead: $(call GET /api/leads)"
stop_service

say "apt purge deletes the data, the settings and the user"
purge

say "installed again: init as root first makes files the service opens, then it serves"
apt_install
init_as_root
start_service
[[ $(call GET /api/leads | json '.total') == 0 ]] || fail "a new database has leads: $(call GET /api/leads)"
stop_service
purge
echo "-- the package: all checks passed"
