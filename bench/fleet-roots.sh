#!/usr/bin/env bash
# Fleet cost on Tutor roots on disk: N instance pairs (default 1000, each one of the four
# pairs of examples/fleet in turn) judged by one `envparity fleet --jobs J`, next to one
# `envparity check` of a pair (the median of S runs): CPU time per pair and peak RSS.
# Run for several N to see how memory grows with the fleet.
#
# Usage: bench/fleet-roots.sh [PAIRS...]   (default: 100 300 1000)
# JOBS (default 8) and SAMPLE (default 20) override; BIN the binary (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100 300 1000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
jobs=${JOBS:-8}
sample=${SAMPLE:-20}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin envparity
fi
bin=${BIN:-target/release/envparity}
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
export ENVPARITY_FINGERPRINT_KEY=bench

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
instances=(northwind contoso initech umbrella)
root=$(pwd)/examples/fleet/instances

# measure CMD...: "wall_s user_s sys_s maxrss_kib"
# (GNU time writes "Command exited with non-zero status N" first when the gate fails.)
measure() { /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>&1 || true; tail -n 1 "$work/time"; }

# One check of each of the four pairs, SAMPLE times: CPU seconds per check (median).
for i in $(seq "$sample"); do
  inst=${instances[$(( i % 4 ))]}
  measure "$bin" check --staging "$root/$inst/staging" --production "$root/$inst/production" \
    --quiet --format json
done | awk '{print $2 + $3, $4}' | sort -n >"$work/single"
single_cpu=$(awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' "$work/single")
single_rss=$(awk '{if ($2 > m) m = $2} END {print m}' "$work/single")
printf 'single check: %.1f ms CPU (median of %d), peak RSS %d KiB\n' \
  "$(echo "$single_cpu * 1000" | bc -l)" "$sample" "$single_rss"

for n in "${sizes[@]}"; do
  for i in $(seq "$n"); do
    inst=${instances[$(( i % 4 ))]}
    printf '[[instance]]\nname = "instance-%05d"\n[instance.staging]\nsources = ["%s"]\n[instance.production]\nsources = ["%s"]\n\n' \
      "$i" "$root/$inst/staging" "$root/$inst/production"
  done >"$work/fleet.toml"
  read -r wall user sys rss < <(measure "$bin" fleet "$work/fleet.toml" --jobs "$jobs" --quiet \
    --format json -o "$work/fleet.json")
  per=$(echo "($user + $sys) / $n" | bc -l)
  printf 'fleet of %5d pairs, --jobs %d: wall %6.2f s, CPU per pair %.1f ms (%.2fx a single check), peak RSS %d KiB\n' \
    "$n" "$jobs" "$wall" "$(echo "$per * 1000" | bc -l)" "$(echo "$per / $single_cpu" | bc -l)" "$rss"
done
