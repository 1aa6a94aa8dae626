#!/usr/bin/env bash
# Prints how many of the functions link/symbol-order.txt orders for PROFILE the binary has:
#
#   bash bench/link-coverage.sh target/release/envparity release
#
# Far fewer than all means the order has gone stale (another toolchain or dependencies):
# the binary is then laid out as if there were no order, which costs a run about 3 MiB
# of memory and never changes a result (bench/README.md, "Eighth round").
# bash bench/link-order.sh writes the order again.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
profile=${2:-release}
ordered=$(awk -v want="$profile:" '/^# profile /{p = ($3 == want)} p && !/^#/' link/symbol-order.txt | sort -u)
present=$(comm -12 <(nm --defined-only "$bin" | awk '{print $3}' | sort -u) <(printf '%s\n' "$ordered") | grep -c . || true)
echo "Code layout: $present of the $(printf '%s\n' "$ordered" | grep -c . || true) functions link/symbol-order.txt orders for the $profile profile are in the binary"
