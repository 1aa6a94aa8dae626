#!/usr/bin/env bash
# Re-render the example fleet: real Tutor 22.0.3 project roots (config.yml and a pruned
# env/) made by examples/render.sh --root, one staging and one production per instance,
# each root with its own seed (so its own secrets); the same seed always gives the same
# bytes. Venvs are shared per Tutor version under $TUTOR_VENVS (see examples/render.sh).
#
#   bash examples/fleet/render.sh
#
#   northwind  faithful: staging is a twin of production (own hosts, own secrets)
#   contoso    reduced: staging lacks the forum plugin and runs without HTTPS
#   initech    faithful within itself, but its production database host ...
#   umbrella   ... is umbrella's production database host too (shared across instances)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RENDER=$HERE/../render.sh

# Every root: external MySQL on its own host, HTTPS (the forum plugin is named per root).
COMMON=(--set RUN_MYSQL=false --set ENABLE_HTTPS=true)

# render INSTANCE ENV LMS_HOST MYSQL_HOST [ARGS...]
render() {
  local instance=$1 env=$2 lms=$3 mysql=$4
  shift 4
  bash "$RENDER" --root "$HERE/instances/$instance/$env" --seed "fleet-$instance-$env" \
    "${COMMON[@]}" --set "LMS_HOST=$lms" --set "CMS_HOST=studio.$lms" \
    --set "MYSQL_HOST=$mysql" "$@"
}
FORUM=(--plugin forum)

render northwind production lms.northwind.example    mysql.northwind.example "${FORUM[@]}"
render northwind staging    staging.northwind.example mysql.staging.northwind.example "${FORUM[@]}"
render contoso   production lms.contoso.example      mysql.contoso.example "${FORUM[@]}"
render contoso   staging    staging.contoso.example  mysql.staging.contoso.example \
  --set ENABLE_HTTPS=false
# One database server for two customers' production: each instance alone looks fine.
render initech   production lms.initech.example      mysql.shared-hosting.example "${FORUM[@]}"
render initech   staging    staging.initech.example  mysql.staging.initech.example "${FORUM[@]}"
render umbrella  production lms.umbrella.example     mysql.shared-hosting.example "${FORUM[@]}"
render umbrella  staging    staging.umbrella.example mysql.staging.umbrella.example "${FORUM[@]}"
