#!/usr/bin/env bash
# Builds the envparity wheel with maturin, installs it with the pinned Tutor into a
# throwaway venv, enables the `parity` Tutor plugin in a copy of the example staging root
# and runs `tutor parity check --production examples/production`: it must judge the pair
# exactly as the CLI does (exit 1, the same verdict line; the README's counts are checked
# by tests/docs.rs).
#
# Environment: ENVPARITY_CACHE (default ~/.cache/envparity) keeps maturin's venv;
# CARGO_TARGET_DIR is honoured (the release build is reused on a warm run).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache="${ENVPARITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/envparity}"
# The pinned Tutor 22 and its plugins (data/releases.toml), as the examples were rendered:
# enabling the plugin re-renders the root, which must come out as committed.
tutor_pin=$(python3 -c 'import tomllib; print(next(r["pin"] for r in tomllib.load(open("data/releases.toml","rb"))["release"] if r["tutor"] == 22))')
mapfile -t requirements < <(python3 data/pins.py requirements "$tutor_pin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envparity-wheel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

builder="$cache/maturin-venv"
if [ ! -x "$builder/bin/maturin" ]; then
  python3 -m venv "$builder"
  "$builder/bin/python" -m pip install -q --disable-pip-version-check "maturin==1.16.0"
fi
"$builder/bin/maturin" build --release --locked --quiet -o "$tmp/dist" >/dev/null
wheel=$(ls "$tmp"/dist/envparity-*.whl)
echo "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"

python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check "${requirements[@]}" "$wheel"

cp -R examples/staging "$tmp/staging"
TUTOR_ROOT="$tmp/staging" "$tmp/venv/bin/tutor" plugins enable parity >/dev/null 2>&1
set +e
TUTOR_ROOT="$tmp/staging" ENVPARITY_FINGERPRINT_KEY=wheel-test \
  "$tmp/venv/bin/tutor" parity check --production "$root/examples/production" --color never \
  >"$tmp/out.txt" 2>"$tmp/err.txt"
code=$?
set -e
# The CLI from the same wheel, on the committed roots (COLUMNS unset: one verdict line).
set +e
ENVPARITY_FINGERPRINT_KEY=wheel-test "$tmp/venv/bin/envparity" check --color never \
  --staging examples/staging --production examples/production >"$tmp/cli.txt" 2>/dev/null
set -e
want=$(grep '^FAIL: ' "$tmp/cli.txt" || true)
if [ -z "$want" ] || [ "$code" -ne 1 ] || ! grep -qxF "$want" "$tmp/out.txt"; then
  echo "tutor parity check: exit $code, expected 1 and: $want" >&2
  tail -n 15 "$tmp/out.txt" "$tmp/err.txt" >&2
  exit 1
fi
# python -m envparity runs the same binary.
"$tmp/venv/bin/python" -m envparity --version
echo "tutor parity check: exit 1, as the CLI: $want"
