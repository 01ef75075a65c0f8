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
# Installing changes the machine, so that part runs only when asked (as root,
# with CI=true as CI runs it on a throwaway machine, or LEADWIRE_PACKAGE_TEST=1)
# and refuses a machine that has Leadwire already (purging would delete its
# data); whatever happens, the package is purged on the way out. Where systemd
# runs, the real unit is started and stopped; elsewhere (containers, CI) its
# ExecStart is run as systemd would: as leadwire, in /var/lib/leadwire, with
# /etc/default/leadwire as its environment.
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

if [[ $(id -u) -ne 0 || ( ${CI:-} != true && ${LEADWIRE_PACKAGE_TEST:-} != 1 ) ]]; then
  echo "-- SKIPPED: installing the package (it installs into this machine and purges again:"
  echo "   run as root with CI=true or LEADWIRE_PACKAGE_TEST=1)"
  exit 0
fi
for f in /var/lib/leadwire /etc/leadwire /etc/default/leadwire; do
  [[ ! -e $f ]] || fail "$f exists: this machine has Leadwire, which the test's purge would delete"
done
! getent passwd leadwire >/dev/null || fail "a leadwire user exists: this machine has Leadwire"
! getent group leadwire >/dev/null || fail "a leadwire group exists: this machine has Leadwire"
! dpkg-query -W -f='${Status}' leadwire 2>/dev/null | grep -q "installed\|config-files" ||
  fail "a leadwire package is installed: this machine has Leadwire"
listen=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/leadwire/leadwire.toml | sed -n 's/^listen = "\(.*\)"$/\1/p')
[[ $listen == 127.0.0.1:8080 ]] || fail "the shipped config listens on $listen"
base="http://$listen"
! curl -s -o /dev/null "$base/" 2>/dev/null || fail "something already listens on $listen, the shipped config's address"
systemd_runs=false
[[ -d /run/systemd/system ]] && systemd_runs=true

work=$(mktemp -d /tmp/leadwire-package-XXXXXX)
pids=()
finish() {
  for pid in "${pids[@]}"; do { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null || true; done
  if $systemd_runs; then systemctl stop leadwire.service >/dev/null 2>&1 || true; fi
  if dpkg-query -W -f='${Status}' leadwire 2>/dev/null | grep -q "installed\|config-files"; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq leadwire >/dev/null 2>&1 || true
  fi
  rm -f /etc/default/leadwire
  rm -rf "$work"
}
trap finish EXIT
# The receiver on 127.0.0.1 needs a range the SSRF guard keeps closed, given
# as an operator gives settings to the unit.
install -m 0600 /dev/null /etc/default/leadwire
echo "LEADWIRE_ALLOW_DESTINATION=127.0.0.1/32" >/etc/default/leadwire

apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PWD/$deb" >"$work/apt.log" 2>&1 ||
                { cat "$work/apt.log"; fail "apt could not install $deb"; }; }
json() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>console.log(eval("JSON.parse(s)"+process.argv[1])))' "$1"; }
owner() { stat -c %U:%G:%a "$1"; }
# The unit's state as deb-systemd-helper keeps it, with or without systemd.
enabled() { [[ -L /etc/systemd/system/multi-user.target.wants/leadwire.service ]]; }
masked() { [[ $(readlink /etc/systemd/system/leadwire.service 2>/dev/null) == /dev/null ]]; }
unit=/lib/systemd/system/leadwire.service

say "apt install"
apt_install
[[ $(command -v leadwire) == /usr/bin/leadwire ]] || fail "leadwire is not /usr/bin/leadwire"
leadwire --version | grep -Eq "^leadwire $version \(.+\)$" || fail "--version: $(leadwire --version)"
getent passwd leadwire | grep -q ':/var/lib/leadwire:/usr/sbin/nologin$' || fail "the leadwire user: $(getent passwd leadwire)"
[[ $(owner /var/lib/leadwire) == leadwire:leadwire:750 ]] || fail "/var/lib/leadwire: $(owner /var/lib/leadwire)"
enabled || fail "the first install did not enable leadwire.service"

say "systemd-analyze verify and security"
# verify reports what it ignores but still exits 0: any output is a failure.
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify: $verify"
exposure=$(systemd-analyze security --offline=true "$unit" 2>&1 |
           sed -n 's/.*Overall exposure level for leadwire.service: \([0-9.]*\).*/\1/p')
[[ -n $exposure ]] || fail "systemd-analyze security gave no exposure level"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure is above 2.0"
echo "exposure level $exposure"

exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == "/usr/bin/leadwire serve --config /etc/leadwire/leadwire.toml" ]] || fail "ExecStart: $exec_start"
read -ra exec_argv <<<"$exec_start"  # split on spaces, as systemd does (no quotes in it)
service_log() {
  if $systemd_runs; then journalctl -u leadwire.service --no-pager -n 50; else cat "$work/serve.log"; fi
}
start_service() {  # → $service, its pid, once /healthz answers
  if $systemd_runs; then
    systemctl start leadwire.service || { service_log; fail "systemctl start leadwire failed"; }
    service=$(systemctl show -p MainPID --value leadwire.service)
    [[ $service -gt 0 ]] || { service_log; fail "leadwire.service has no main process"; }
  else
    # shellcheck source=/dev/null
    (cd /var/lib/leadwire && set -a && . /etc/default/leadwire && set +a &&
     exec setpriv --reuid=leadwire --regid=leadwire --init-groups -- "${exec_argv[@]}") >>"$work/serve.log" 2>&1 &
    service=$!
    pids+=("$service")
  fi
  for _ in $(seq 100); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$service" 2>/dev/null || { service_log; fail "serve exited"; }
    sleep 0.2
  done
  curl -fs "$base/healthz" | grep -q "\"version\":\"$version\"" || { service_log; fail "no /healthz on $base"; }
  [[ $(ps -o user= -p "$service") == leadwire ]] || fail "serve runs as $(ps -o user= -p "$service")"
}
stop_service() {  # SIGTERM, as the unit's KillSignal; serve must exit 0 within TimeoutStopSec
  if $systemd_runs; then
    systemctl stop leadwire.service
    # systemd counts a death by SIGTERM as clean: ask how serve itself ended.
    local ended
    ended=$(systemctl show -p Result -p ExecMainCode -p ExecMainStatus leadwire.service | sort | tr '\n' ' ')
    [[ $ended == "ExecMainCode=1 ExecMainStatus=0 Result=success " ]] || { service_log; fail "the stop: $ended"; }
    return
  fi
  kill -TERM "$service"
  local code=0
  timeout 60 tail --pid="$service" -f /dev/null || fail "serve did not stop within TimeoutStopSec (60 s)"
  wait "$service" || code=$?
  [[ $code -eq 0 ]] || { service_log; fail "serve exited $code on SIGTERM"; }
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
  if enabled || masked; then fail "purge left the unit's links"; fi
}
call() {  # METHOD PATH [BODY] → the response body; fails on a status of 400 or more
  curl -fsS -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$base$2"
}

say "the service as the leadwire user, on no database, as a first install starts it"
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
grep -q "^✔ " "$work/receive.log" || { cat "$work/receive.log"; service_log; fail "no verified webhook arrived"; }
grep -q '"Packaged"' "$work/receive.log" || fail "the webhook is not the lead's: $(cat "$work/receive.log")"
stop_service
for f in /var/lib/leadwire/*; do
  [[ $(stat -c %U "$f") == leadwire ]] || fail "$f is $(stat -c %U "$f")'s"
done

say "apt remove keeps the data, the settings and the user; a reinstall serves them again"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq leadwire >/dev/null
[[ ! -e /usr/bin/leadwire ]] || fail "remove left /usr/bin/leadwire"
[[ ! -e $unit ]] || fail "remove left $unit"
for f in /var/lib/leadwire/leadwire.db /var/lib/leadwire/leadwire.db.key /etc/leadwire/leadwire.toml; do
  [[ -e $f ]] || fail "remove deleted $f"
done
getent passwd leadwire >/dev/null || fail "remove deleted the leadwire user"
masked || fail "remove did not mask the unit"
apt_install
if masked || ! enabled; then fail "the reinstall did not restore the unit as it was (enabled)"; fi
if $systemd_runs && ! systemctl is-active --quiet leadwire.service; then
  fail "the reinstall did not start the service again"
fi
start_service
[[ $(call GET /api/leads | json '.records.length') == 1 ]] || fail "the reinstalled service lost the lead: $(call GET /api/leads)"
stop_service

say "apt purge deletes the data, the settings, the user and the unit's links"
purge

say "installed again: init as root on no database makes files the service opens"
apt_install
if $systemd_runs; then  # the first install started it; begin again from no database
  systemctl stop leadwire.service
  rm -f /var/lib/leadwire/*
fi
init_as_root
start_service
[[ $(call GET /api/leads | json '.total') == 0 ]] || fail "a new database has leads: $(call GET /api/leads)"
stop_service
purge
echo "-- the package: all checks passed"
