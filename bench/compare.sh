#!/usr/bin/env bash
# Benchmarks `envparity diff` end to end against the parse floor and the peers a user
# would otherwise reach for (json_patch::diff, Python deepdiff, jq -S + diff) on
# generated snapshot pairs, and prints the table that bench/README.md holds.
#
#   bash bench/compare.sh              # everything (about 15 minutes on 2 cores)
#   bash bench/compare.sh realistic    # only the named pairs
#
# Environment: RUNS (runs per command, default 3), PEER_TIMEOUT (seconds, default 300).
# It installs what it needs when it can (apt packages as root, a Python venv under
# target/bench/venv) and otherwise says what is missing. Exit 1 when a correctness
# check fails (the keyed pairs must give exactly one finding), 2 when a tool is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/target/bench"
mkdir -p "$work/data"

say() { printf 'compare.sh: %s\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------------------
missing_apt=()
command -v jq >/dev/null || missing_apt+=(jq)
[ -x /usr/bin/time ] || missing_apt+=(time)
command -v python3 >/dev/null || missing_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing_apt+=(python3-venv)
command -v diff >/dev/null || missing_apt+=(diffutils)
command -v nm >/dev/null || missing_apt+=(binutils)
command -v timeout >/dev/null || missing_apt+=(coreutils)
if [ ${#missing_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing ${missing_apt[*]} with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}" >/dev/null
    else
        say "missing: ${missing_apt[*]} (install them with your package manager, e.g. sudo apt-get install ${missing_apt[*]})"
        exit 2
    fi
fi
if ! command -v cargo >/dev/null; then
    say "missing: cargo (a Rust toolchain, https://rustup.rs)"
    exit 2
fi

venv="$work/venv"
if ! "$venv/bin/python" -c 'import deepdiff' 2>/dev/null; then
    say "creating $venv with deepdiff"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'deepdiff==9.1.0'
fi

# --- build ------------------------------------------------------------------------------
say "building envparity and the peer programs (release)"
# Two builds: examples bring the dev-dependencies' features in, which would build the binary
# from other instances of its dependencies than `cargo build --release` and `cargo install`
# do, with other symbol names than link/symbol-order.txt lays out.
cargo build --release --quiet --bin envparity
cargo build --release --quiet --example parse_floor --example scan_floor --example json_patch_diff

# --- data -------------------------------------------------------------------------------
# shellcheck source=bench/pairs.sh
. bench/pairs.sh
# What the process takes whatever the input (code, the profile, the runtime).
gen empty empty
gen realistic realistic
gen realistic-10m realistic --scale 2.6
gen keyed-10k keyed --entries 10000
gen keyed-100k keyed --entries 100000
gen keyed-1m keyed --entries 1000000
gen leaves-1m leaves --leaves 1000000

# --- machine ----------------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
echo "Machine: $(nproc) CPUs ($cpu), $mem RAM; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "Versions: $("$root/target/release/envparity" --version), json-patch $(grep -A1 '^name = "json-patch"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p'), deepdiff $("$venv/bin/python" -c 'import deepdiff; print(deepdiff.__version__)') on $("$venv/bin/python" --version), $(jq --version), $(diff --version | head -1)"
# The code layout (build.rs): how much of link/symbol-order.txt the measured binary has.
bash bench/link-coverage.sh "$root/target/release/envparity" release
echo

# --- measure ----------------------------------------------------------------------------
python3 bench/measure.py "$@"
