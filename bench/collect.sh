#!/usr/bin/env bash
# Collection wall time of `envparity check` against two stand-in LMSs whose every
# response is delayed (default 200 ms), next to the sum of those delays (what a
# sequential collector would take) and the floor (the longest chain of requests that
# must follow one another).
#
# Usage: bench/collect.sh [DELAY_MS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
delay=${1:-200}
runs=${2:-5}

cargo build --release --quiet --bin envparity --example lms_server
bin=target/release/envparity
server=target/release/examples/lms_server

fifo=$(mktemp -u)
mkfifo "$fifo"
exec 3<>"$fifo"
rm -f "$fifo"
"$server" --delay-ms "$delay" <&3 >"${TMPDIR:-/tmp}/lms_server.$$" &
server_pid=$!
trap 'exec 3>&-; kill "$server_pid" 2>/dev/null || true; rm -f "${TMPDIR:-/tmp}/lms_server.$$"' EXIT
for _ in $(seq 50); do
  grep -q PRODUCTION "${TMPDIR:-/tmp}/lms_server.$$" 2>/dev/null && break
  sleep 0.1
done
# shellcheck disable=SC1090
source "${TMPDIR:-/tmp}/lms_server.$$"

export ENVPARITY_STAGING_CLIENT_ID=envparity-client
export ENVPARITY_STAGING_CLIENT_SECRET=s3cr3t-client-secret-XYZ
export ENVPARITY_PRODUCTION_CLIENT_ID=envparity-client
export ENVPARITY_PRODUCTION_CLIENT_SECRET=s3cr3t-client-secret-XYZ

# Requests per environment: heartbeat, mfe_context, mfe_config, saml metadata,
# token, toggle report = 6; plus one tpa_hint probe in staging.
requests=$((6 * 2 + 1))
best=""
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" check --staging "$STAGING" --production "$PRODUCTION" --quiet --format json >/dev/null || true
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  echo "run $i: ${ms} ms"
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo
echo "delay per response:           ${delay} ms"
echo "requests (both environments): ${requests}"
echo "sum of delays (sequential):   $((requests * delay)) ms"
echo "slowest single delay:         ${delay} ms"
echo "floor (token -> toggles, then tpa_hint probe): $((3 * delay)) ms"
echo "envparity wall time (best of ${runs}): ${best} ms"
