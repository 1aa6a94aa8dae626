#!/usr/bin/env bash
# Render real Tutor project roots (config.yml + env/) without Docker.
#
#   render.sh [OUT_DIR]
#       Render the example pair: OUT_DIR/staging and OUT_DIR/production
#       (OUT_DIR defaults to the directory holding this script).
#
#   render.sh --root DIR [--tutor VERSION] [--seed SEED] [--set KEY=VALUE]...
#             [--plugin NAME]... [--disable-plugin NAME]... [--pip REQ]...
#             [--plugin-file FILE]... [--config-only] [--no-prune]
#       Render ONE root into DIR (its config.yml and env/ are replaced).
#       --tutor        the Tutor version to render with (default 22.0.3). Tutor and
#                      plugin pins come from the data/releases.toml row whose `pin` is
#                      VERSION, or else from the row of the same major (another point
#                      release of a pinned major keeps that major's plugin pins)
#       --seed         seeds Tutor's secret generator (default: basename of DIR),
#                      so the same arguments always give the same secrets
#       --set          passed to `tutor config save --set` (YAML value)
#       --plugin       enabled with `tutor plugins enable` (mfe and indigo are
#                      Tutor's defaults and are already enabled)
#       --disable-plugin  disabled with `tutor plugins disable`
#       --pip          one more package==version installed beside the pins (a plugin
#                      that data/releases.toml does not pin, e.g. tutor-minio==22.0.0);
#                      the venv is then $TUTOR_VENVS/tutor-VERSION+<package>-<version>,
#                      so the per-version venvs are never changed
#       --plugin-file  a YAML plugin (Tutor's v1 format) put into the plugins root;
#                      enable it with --plugin and its name
#       --config-only  keep config.yml only (no env/)
#       --no-prune     keep the whole rendered env/ (fonts, images, MFE build)
#
# Environment:
#   TUTOR_VENV   virtualenv to use (created if missing; reused if it already
#                holds exactly the pinned versions). Default: with --root,
#                $TUTOR_VENVS/tutor-VERSION; for the example pair, a throwaway
#                mktemp dir.
#   TUTOR_VENVS  where --root keeps one venv per Tutor version (default:
#                <repo>/target/tutor-venvs, the venvs data/generate.sh uses).
#   PYTHON       interpreter used to create the venv and to read
#                data/releases.toml (default: python3, 3.11 or newer).
#
# Needs PyPI (pip) the first time a venv is created; needs no Docker.
set -euo pipefail

TUTOR_VERSION=22.0.3
# Pins of the example pair. tutor[full] pulls the official plugins; pinning them
# all keeps the render reproducible. (--root takes its pins from data/releases.toml.)
PINS=(
  "tutor[full]==${TUTOR_VERSION}"
  "tutor-contrib-pod-autoscaling==22.1.0"
  "tutor-mfe==22.1.0"
  "tutor-indigo==22.0.0"
  "tutor-forum==22.0.0"
  "tutor-notes==22.0.0"
  "tutor-android==22.0.0"
  "tutor-cairn==22.0.0"
  "tutor-credentials==22.0.0"
  "tutor-deck==22.0.0"
  "tutor-discovery==22.0.0"
  "tutor-jupyter==22.0.0"
  "tutor-livedeps==22.0.0"
  "tutor-minio==22.0.0"
  "tutor-xqueue==22.0.0"
)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)

CLEANUP=()
cleanup() { local d; for d in ${CLEANUP[@]+"${CLEANUP[@]}"}; do rm -rf "$d"; done; }
trap cleanup EXIT

die() { echo "render.sh: $*" >&2; exit 2; }

# ---------------------------------------------------------------- venv
# release_pins VERSION: PINS := tutor==VERSION and its plugins, from data/releases.toml.
release_pins() {
  local out
  out=$("${PYTHON:-python3}" "$REPO/data/pins.py" requirements "$1") \
    || die "no pins for Tutor $1 in data/releases.toml"
  mapfile -t PINS <<<"$out"
}

# setup_venv MODE: MODE is "root" (shared per-version venv) or "pair" (throwaway).
setup_venv() {
  if [[ -n "${TUTOR_VENV:-}" ]]; then
    VENV=$TUTOR_VENV
  elif [[ "$1" == root ]]; then
    VENV=${TUTOR_VENVS:-$REPO/target/tutor-venvs}/tutor-$TUTOR_VERSION
    local extra
    for extra in ${EXTRA_PIP[@]+"${EXTRA_PIP[@]}"}; do VENV+="+${extra/==/-}"; done
    mkdir -p "$(dirname "$VENV")"
  else
    VENV=$(mktemp -d "${TMPDIR:-/tmp}/envparity-tutor-venv.XXXXXX")
    CLEANUP+=("$VENV")
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$VENV"
  fi
  # Reused only when it holds exactly the pinned versions.
  if ! "$VENV/bin/python" "$REPO/data/pins.py" installed "${PINS[@]}"; then
    echo "render.sh: installing ${PINS[*]} into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
  fi
  # Tutor's command line, with its secret generator (secrets.choice, and
  # random.choice for Tutor < 20; uuid4; RSA.generate) seeded from ENVPARITY_SEED
  # so renders are reproducible. Everything else is stock Tutor.
  cat >"$VENV/tutor_seeded.py" <<'EOF'
import hashlib
import os
import random
import sys
import uuid

seed = os.environ.get("ENVPARITY_SEED")
if seed:
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    import secrets
    secrets.choice = rng.choice
    random.choice = rng.choice  # Tutor < 20 draws random_string from random.choice
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
    from Crypto.PublicKey import RSA
    _generate = RSA.generate
    def _seeded_generate(bits, randfunc=None, e=65537):
        return _generate(bits, randfunc=rng.randbytes, e=e)
    RSA.generate = _seeded_generate

from tutor.commands.cli import main
sys.exit(main())
EOF
  PLUGINS_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/envparity-tutor-plugins.XXXXXX")
  CLEANUP+=("$PLUGINS_ROOT")
  local file
  for file in ${PLUGIN_FILES[@]+"${PLUGIN_FILES[@]}"}; do cp "$file" "$PLUGINS_ROOT/"; done
}

tutor_run() {
  # $1 = tutor root, rest = tutor arguments
  local root=$1; shift
  TUTOR_ROOT=$root TUTOR_PLUGINS_ROOT=$PLUGINS_ROOT ENVPARITY_SEED=$SEED \
    "$VENV/bin/python" "$VENV/tutor_seeded.py" "$@" 2> >(grep -v 'running Tutor as root' >&2) >/dev/null
}

# ---------------------------------------------------------------- prune
# Keep only what matters for parity (all small text):
#   config.yml, env/version, env/kustomization.yml, env/apps/** (but development.py),
#   env/k8s/*.yml, env/local/docker-compose*.yml,
#   env/build/openedx/{Dockerfile,revisions.yml,requirements/**},
#   env/plugins/*/k8s/**, env/plugins/*/apps/**
prune() {
  local root=$1
  (
    cd "$root"
    find env -type f | while IFS= read -r f; do
      case "$f" in
        env/version|env/kustomization.yml) ;;
        env/apps/openedx/settings/*/development.py) rm -f "$f" ;;  # a dev-only copy of production.py
        env/apps/*) ;;
        env/k8s/*.yml) ;;
        env/local/docker-compose*.yml) ;;
        env/build/openedx/Dockerfile|env/build/openedx/revisions.yml) ;;
        env/plugins/mfe/build/mfe/Dockerfile) ;;  # each MFE with its repository and ref
        env/build/openedx/requirements/*) ;;
        env/plugins/*/k8s/*|env/plugins/*/apps/*) ;;
        *) rm -f "$f" ;;
      esac
    done
    # No binaries or theme assets, whatever the keep list says.
    find env -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' -o -name '*.gif' \
      -o -name '*.svg' -o -name '*.ico' -o -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' \
      -o -name '*.eot' -o -name '*.otf' \) -delete
    find env -depth -type d -empty -delete
  )
}

# ---------------------------------------------------------------- render one root
# render_root DIR SEED CONFIG_ONLY NO_PRUNE; uses arrays SETS, PLUGINS, DISABLE
render_root() {
  local dir=$1 config_only=$3 no_prune=$4
  SEED=$2
  local tmp
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/envparity-tutor-root.XXXXXX")
  CLEANUP+=("$tmp")
  local set_args=()
  local kv
  for kv in ${SETS[@]+"${SETS[@]}"}; do set_args+=(--set "$kv"); done

  # First save creates config.yml with (seeded) secrets and the default plugins.
  tutor_run "$tmp" config save ${set_args[@]+"${set_args[@]}"}
  if ((${#DISABLE[@]})); then tutor_run "$tmp" plugins disable "${DISABLE[@]}"; fi
  if ((${#PLUGINS[@]})); then tutor_run "$tmp" plugins enable "${PLUGINS[@]}"; fi
  # Final save renders env/ with every plugin and setting in place.
  tutor_run "$tmp" config save ${set_args[@]+"${set_args[@]}"}

  if [[ "$config_only" == 1 ]]; then
    rm -rf "$tmp/env"
  elif [[ "$no_prune" != 1 ]]; then
    prune "$tmp"
  fi
  mkdir -p "$dir"
  rm -rf "$dir/env" "$dir/config.yml"
  cp -R "$tmp/." "$dir/"
  rm -rf "$tmp"
  echo "rendered $dir ($(du -sh "$dir" | cut -f1))" >&2
}

# ---------------------------------------------------------------- example pair
# Staging and production of the same Open edX release (Tutor 22.0.3, Verawood),
# where staging is a reduced copy of production (no drag-and-drop XBlock either, files on
# the local disk where production keeps them in MinIO), shares
# its SMTP relay (same host, same credentials) and writes into production's search
# cluster with the same index prefix.
SHARED_SMTP=(
  RUN_SMTP=false
  SMTP_HOST=smtp.example.org
  SMTP_PORT=587
  SMTP_USE_TLS=true
  SMTP_USERNAME=openedx-mailer
  SMTP_PASSWORD=example-smtp-password-shared-by-both
)

render_pair() {
  local out=$1
  PLUGINS=(forum pod-autoscaling minio)
  DISABLE=()
  SETS=(
    LMS_HOST=lms.example.org
    CMS_HOST=studio.example.org
    PLATFORM_NAME="Example University"
    ENABLE_HTTPS=true
    RUN_MONGODB=false
    MONGODB_HOST=mongo-0.db.example.org,mongo-1.db.example.org,mongo-2.db.example.org
    MONGODB_REPLICA_SET=rs0
    MONGODB_USE_SSL=true
    MONGODB_USERNAME=openedx
    MONGODB_PASSWORD=example-production-mongodb-password
    RUN_MYSQL=false
    MYSQL_HOST=mysql.db.example.org
    OPENEDX_LMS_UWSGI_WORKERS=4
    'OPENEDX_EXTRA_PIP_REQUIREMENTS=["xblock-drag-and-drop-v2==5.0.3"]'
    RUN_MEILISEARCH=false
    MEILISEARCH_URL=https://search.example.org
    'POD_AUTOSCALING_EXTRA_SERVICES={"lms": {"enable_hpa": true, "memory_request": "800Mi", "cpu_request": 0.5, "memory_limit": "3200Mi", "cpu_limit": 1, "min_replicas": 3, "max_replicas": 8, "avg_cpu": 100, "avg_memory": "", "enable_vpa": false, "behavior": {}}}'
    "${SHARED_SMTP[@]}"
  )
  render_root "$out/production" production 0 0

  PLUGINS=()
  DISABLE=()
  SETS=(
    LMS_HOST=lms.staging.example.org
    CMS_HOST=studio.staging.example.org
    PLATFORM_NAME="Example University"
    ENABLE_HTTPS=false
    RUN_MYSQL=false
    MYSQL_HOST=mysql.staging.db.example.org
    OPENEDX_LMS_UWSGI_WORKERS=2
    RUN_MEILISEARCH=false
    MEILISEARCH_URL=https://search.example.org
    "${SHARED_SMTP[@]}"
  )
  render_root "$out/staging" staging 0 0
}

# ---------------------------------------------------------------- main
SETS=()
PLUGINS=()
DISABLE=()
EXTRA_PIP=()
PLUGIN_FILES=()
if [[ "${1:-}" == --root ]]; then
  ROOT= ; SEED_ARG= ; CONFIG_ONLY=0 ; NO_PRUNE=0
  while (($#)); do
    case "$1" in
      --root|--tutor|--seed|--set|--plugin|--disable-plugin|--pip|--plugin-file)
        (($# >= 2)) || die "$1 needs a value" ;;
    esac
    case "$1" in
      --root) ROOT=$2; shift 2 ;;
      --tutor) TUTOR_VERSION=$2; shift 2 ;;
      --seed) SEED_ARG=$2; shift 2 ;;
      --set) SETS+=("$2"); shift 2 ;;
      --plugin) PLUGINS+=("$2"); shift 2 ;;
      --disable-plugin) DISABLE+=("$2"); shift 2 ;;
      --pip) [[ "$2" =~ ^[A-Za-z0-9._-]+==[A-Za-z0-9.]+$ ]] || die "--pip expects package==version, got: $2"
        EXTRA_PIP+=("$2"); shift 2 ;;
      --plugin-file) [[ -f "$2" ]] || die "--plugin-file: no such file: $2"
        PLUGIN_FILES+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
      --config-only) CONFIG_ONLY=1; shift ;;
      --no-prune) NO_PRUNE=1; shift ;;
      -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  [[ -n "$ROOT" ]] || die "--root needs a directory"
  [[ "$TUTOR_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--tutor expects a version like 22.0.3, got: $TUTOR_VERSION"
  for kv in ${SETS[@]+"${SETS[@]}"}; do
    [[ "$kv" == *=* ]] || die "--set expects KEY=VALUE, got: $kv"
  done
  release_pins "$TUTOR_VERSION"
  PINS+=(${EXTRA_PIP[@]+"${EXTRA_PIP[@]}"})
  setup_venv root
  render_root "$ROOT" "${SEED_ARG:-$(basename "$ROOT")}" "$CONFIG_ONLY" "$NO_PRUNE"
else
  case "${1:-}" in
    -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
    -*) die "unknown argument: $1" ;;
  esac
  (($# <= 1)) || die "usage: render.sh [OUT_DIR] | render.sh --root DIR [options]"
  OUT=${1:-$SCRIPT_DIR}
  setup_venv pair
  render_pair "$OUT"
fi
