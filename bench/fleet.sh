#!/usr/bin/env bash
# Fleet wall time against stand-in LMSs whose every response is delayed (default
# 100 ms): N instance pairs (default 200) judged by one `envparity fleet --jobs J`,
# next to the floor (waves of J pairs, three dependent requests each) and to N
# sequential `envparity check` runs (measured on S of them and scaled, default 20).
#
# Usage: bench/fleet.sh [PAIRS] [DELAY_MS] [JOBS] [SEQUENTIAL_SAMPLE]
# BIN and SERVER override the binaries (default: release builds).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-200}
delay=${2:-100}
jobs=${3:-50}
sample=${4:-20}

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin envparity --example lms_server
fi
bin=${BIN:-target/release/envparity}
server=${SERVER:-target/release/examples/lms_server}

work=$(mktemp -d)
fifo=$work/fifo
mkfifo "$fifo"
exec 3<>"$fifo"
"$server" --delay-ms "$delay" <&3 >"$work/urls" &
server_pid=$!
trap 'exec 3>&-; kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  grep -q PRODUCTION "$work/urls" 2>/dev/null && break
  sleep 0.1
done
# shellcheck disable=SC1091
source "$work/urls"

export LMS_CLIENT_ID=envparity-client LMS_CLIENT_SECRET=s3cr3t-client-secret-XYZ
export ENVPARITY_STAGING_CLIENT_ID=$LMS_CLIENT_ID ENVPARITY_STAGING_CLIENT_SECRET=$LMS_CLIENT_SECRET
export ENVPARITY_PRODUCTION_CLIENT_ID=$LMS_CLIENT_ID ENVPARITY_PRODUCTION_CLIENT_SECRET=$LMS_CLIENT_SECRET
export ENVPARITY_FINGERPRINT_KEY=bench

for i in $(seq "$pairs"); do
  cat <<TOML
[[instance]]
name = "instance-$(printf %04d "$i")"
[[instance.staging.openedx]]
lms = "$STAGING"
client_id_env = "LMS_CLIENT_ID"
client_secret_env = "LMS_CLIENT_SECRET"
[[instance.production.openedx]]
lms = "$PRODUCTION"
client_id_env = "LMS_CLIENT_ID"
client_secret_env = "LMS_CLIENT_SECRET"

TOML
done >"$work/fleet.toml"

now() { date +%s%N; }
start=$(now)
"$bin" fleet "$work/fleet.toml" --jobs "$jobs" --quiet --format json >"$work/fleet.json" || true
fleet_ms=$(( ($(now) - start) / 1000000 ))
judged=$(grep -c '"name": "instance-' "$work/fleet.json" || true)

start=$(now)
for _ in $(seq "$sample"); do
  "$bin" check --staging "$STAGING" --production "$PRODUCTION" --quiet --format json >/dev/null || true
done
seq_ms=$(( ($(now) - start) / 1000000 * pairs / sample ))

waves=$(( (pairs + jobs - 1) / jobs ))
floor=$(( waves * 3 * delay ))
echo "pairs: $pairs (judged: $judged), delay per response: ${delay} ms, --jobs $jobs"
echo "floor (ceil(pairs/jobs) waves x 3 dependent requests x delay): ${floor} ms"
echo "envparity fleet wall time:               ${fleet_ms} ms ($(( fleet_ms * 100 / floor ))% of the floor)"
echo "$pairs sequential checks (scaled from $sample): ${seq_ms} ms (fleet is 1/$(( seq_ms / (fleet_ms > 0 ? fleet_ms : 1) )) of it)"
