#!/usr/bin/env bash
# Generate data/tutor-knowledge.yml: what envparity knows of each supported Tutor release
# (core defaults, plugin defaults, the LMS/CMS env templates, feature flags, Deployments,
# compose services), read from the pinned Tutor packages themselves, never typed by hand.
#
#   bash data/generate.sh            regenerate data/tutor-knowledge.yml
#   bash data/generate.sh --check    regenerate into a temporary file and fail (exit 1)
#                                    when data/tutor-knowledge.yml differs from it
#
# For each row of data/releases.toml that has a `pin`, it makes (or reuses) a venv at
# $TUTOR_VENVS/tutor-<pin> holding tutor==<pin> and the row's pinned plugins (reused as is
# when it already holds exactly those versions; pip's cache is reused), runs
# data/generate.py in it (Tutor's Python API, no Docker), then combines the releases and
# edx-platform's FEATURES names into the one YAML file. The output is sorted and
# byte-stable: running it twice gives the same file.
#
# Adding a release: one row with `pin` and `plugins` in data/releases.toml, then run this.
#
# Environment:
#   TUTOR_VENVS           where the venvs live (default: <repo>/target/tutor-venvs; shared
#                         with examples/render.sh --tutor VERSION)
#   PYTHON                interpreter that creates the venvs (default: python3, 3.11)
#   EDX_PLATFORM_TARBALL  edx-platform source, a zstd tarball (default:
#                         <repo>/../shared/lms/edx-platform.tar.zst)
#
# Needs PyPI (pip) when a venv is created or its pins changed; needs tar with zstd.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENVS=${TUTOR_VENVS:-$REPO/target/tutor-venvs}
PY=${PYTHON:-python3}
TARBALL=${EDX_PLATFORM_TARBALL:-$REPO/../shared/lms/edx-platform.tar.zst}
OUT=$REPO/data/tutor-knowledge.yml

CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
  *) echo "generate.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac
[[ -f "$TARBALL" ]] || { echo "generate.sh: no edx-platform tarball at $TARBALL (set EDX_PLATFORM_TARBALL)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/envparity-generate.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ensure_venv VERSION: prints the venv's interpreter once it holds exactly the pins.
ensure_venv() {
  local version=$1 venv=$VENVS/tutor-$1 reqs
  mapfile -t reqs < <("$PY" "$REPO/data/pins.py" requirements "$version")
  if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$VENVS"
    "$PY" -m venv "$venv" >&2
  fi
  if ! "$venv/bin/python" "$REPO/data/pins.py" installed "${reqs[@]}"; then
    echo "generate.sh: installing ${reqs[*]} into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}" >&2
    "$venv/bin/python" "$REPO/data/pins.py" installed "${reqs[@]}" \
      || { echo "generate.sh: $venv does not hold ${reqs[*]} after pip install" >&2; exit 1; }
  fi
  echo "$venv/bin/python"
}

mapfile -t VERSIONS < <("$PY" "$REPO/data/pins.py" versions)
((${#VERSIONS[@]})) || { echo "generate.sh: no row of data/releases.toml has a pin" >&2; exit 2; }

JSONS=()
for version in "${VERSIONS[@]}"; do
  python=$(ensure_venv "$version")
  mapfile -t plugins < <("$PY" "$REPO/data/pins.py" plugins "$version" | tr ' ' '=')
  echo "generate.sh: reading Tutor $version" >&2
  "$python" "$REPO/data/generate.py" release "$version" "$WORK/$version.json" ${plugins[@]+"${plugins[@]}"}
  JSONS+=("$WORK/$version.json")
done

# Combined by the newest release's interpreter (any venv has PyYAML, as Tutor needs it).
target=$OUT
((CHECK)) && target=$WORK/tutor-knowledge.yml
"$python" "$REPO/data/generate.py" combine "$target" "$TARBALL" "${JSONS[@]}"

if ((CHECK)); then
  if ! cmp -s "$target" "$OUT"; then
    diff -u "$OUT" "$target" | head -40 >&2 || true
    echo "generate.sh: data/tutor-knowledge.yml is not what data/generate.sh makes; run bash data/generate.sh" >&2
    exit 1
  fi
  echo "generate.sh: data/tutor-knowledge.yml is up to date" >&2
else
  echo "generate.sh: wrote data/tutor-knowledge.yml ($(wc -c <"$OUT") bytes)" >&2
  # The program embeds the same data as JSON, written from the YAML by a unit test.
  (cd "$REPO" && ENVPARITY_WRITE_KNOWLEDGE=1 cargo test --quiet --lib the_embedded_json_is_the_generated_yaml >&2)
  echo "generate.sh: wrote data/tutor-knowledge.json ($(wc -c <"$REPO/data/tutor-knowledge.json") bytes)" >&2
fi
