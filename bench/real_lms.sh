#!/usr/bin/env bash
# `envparity check` of two real Open edX LMS instances (the LMS kit, ../shared/lms, in
# MariaDB mode so that each instance serves requests in parallel, as a production LMS
# does), next to the slowest single chain of requests envparity must make to one of them,
# measured in the same run with curl. Target: check <= 1.2x the slowest chain.
#
# Usage: bench/real_lms.sh [RUNS]      (needs the kit installed: ../shared/lms/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
kit=${ENVPARITY_LMS_KIT:-$(pwd)/../shared/lms}
export ENVPARITY_TEST_LMS_FIXTURES=$(pwd)/tests/lms

cargo build --release --quiet --bin envparity
bin=$(pwd)/target/release/envparity

# A throwaway MariaDB on loopback.
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir "$tmp/tmp"   # its temporary tables: not the shared /tmp
mariadb-install-db --no-defaults --user=root --skip-test-db --datadir="$tmp/data" --tmpdir="$tmp/tmp" >/dev/null
mariadbd --no-defaults --user=root --datadir="$tmp/data" --tmpdir="$tmp/tmp" --socket="$tmp/sock" --port="$port" \
  --bind-address=127.0.0.1 --skip-name-resolve --innodb-buffer-pool-size=32M >/dev/null 2>&1 &
db_pid=$!
names=()
cleanup() {
  for n in "${names[@]}"; do bash "$kit/stop.sh" "$n" >/dev/null 2>&1 || true; rm -rf "${ENVPARITY_LMS_DIR:-$HOME/.cache/envparity-lms}/instances/$n"; done
  kill "$db_pid" 2>/dev/null || true; wait "$db_pid" 2>/dev/null || true; rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do mariadb --no-defaults --socket="$tmp/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
mariadb --no-defaults --socket="$tmp/sock" -uroot -e "CREATE USER 'edxapp'@'%' IDENTIFIED BY 'pw'; GRANT ALL ON *.* TO 'edxapp'@'%';"

start() { # NAME PORT DB FIXTURE
  names+=("$1")
  ENVPARITY_LMS_MYSQL="edxapp:pw@127.0.0.1:$port/$3" ENVPARITY_LMS_CLIENT_ID="$1-id" \
    ENVPARITY_LMS_CLIENT_SECRET="$1-secret" bash "$kit/start.sh" "$1" "$2" "tests/lms/$4" >/dev/null
}
sp=$((port + 1)); pp=$((port + 2))
start "bench-staging-$$" "$sp" bench_stg staging-reduced.py &
start "bench-production-$$" "$pp" bench_prod production.py &
wait
names=("bench-staging-$$" "bench-production-$$")
S=http://127.0.0.1:$sp; P=http://127.0.0.1:$pp

# One request's time in ms; a chain's time is the sum of its requests'.
t() { curl -s -o /dev/null -w '%{time_total}\n' "$@" | awk '{printf "%d\n", $1 * 1000}'; }
chain_ms() { # BASE NAME-PREFIX
  local b=$1 id=$2 best=0 ms
  for p in "/heartbeat?extended" /api/mfe_context /auth/saml/metadata.xml /api/frontend_site_config/v1/; do
    ms=$(t "$b$p"); [ "$ms" -gt "$best" ] && best=$ms
  done
  # MFE config, then each MFE's (asked together): the slowest of them follows the first.
  local first per=0; first=$(t "$b/api/mfe_config/v1")
  for m in account authn learning learner-dashboard profile discussions; do
    ms=$(t "$b/api/mfe_config/v1?mfe=$m"); [ "$ms" -gt "$per" ] && per=$ms
  done
  [ $((first + per)) -gt "$best" ] && best=$((first + per))
  # Token, then the toggle report.
  local tok token_ms report_ms
  token_ms=$(t -X POST -u "$id-id:$id-secret" -d grant_type=client_credentials -d token_type=jwt "$b/oauth2/access_token")
  tok=$(curl -s -X POST -u "$id-id:$id-secret" -d grant_type=client_credentials -d token_type=jwt "$b/oauth2/access_token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  report_ms=$(t -H "Authorization: JWT $tok" "$b/api/toggles/v0/state/")
  [ $((token_ms + report_ms)) -gt "$best" ] && best=$((token_ms + report_ms))
  echo "$best"
}
export ENVPARITY_STAGING_CLIENT_ID="bench-staging-$$-id" ENVPARITY_STAGING_CLIENT_SECRET="bench-staging-$$-secret"
export ENVPARITY_PRODUCTION_CLIENT_ID="bench-production-$$-id" ENVPARITY_PRODUCTION_CLIENT_SECRET="bench-production-$$-secret"
"$bin" check --staging "$S" --production "$P" --quiet --format json >/dev/null || true  # warm both LMSs
for i in $(seq "$runs"); do
  s_ms=$(chain_ms "$S" "bench-staging-$$"); p_ms=$(chain_ms "$P" "bench-production-$$")
  slowest=$(( s_ms > p_ms ? s_ms : p_ms ))
  start_ns=$(date +%s%N)
  "$bin" check --staging "$S" --production "$P" --quiet --format json >/dev/null || true
  ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  echo "run $i: envparity check ${ms} ms; slowest chain to one LMS ${slowest} ms; ratio $(python3 -c "print(f'{$ms/max($slowest,1):.2f}')")"
done
