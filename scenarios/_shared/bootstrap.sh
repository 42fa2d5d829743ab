#!/bin/sh
# Bootstrap handover: what Infra does before it hands a cluster over to productive-k3s-core.
# Usage: bootstrap.sh <scenario-dir> <level>
#
# It exports the telemetry context it received (the TELEMETRY_* variables pk3s-run-scenario
# propagated), the scenario's metadata for the level (PK3S_SCENARIO, PK3S_TEST_LEVEL,
# PK3S_ENVIRONMENT, PK3S_TOPOLOGY, PK3S_NODE_COUNT_EXPECTED, PK3S_BOOTSTRAP_MODES) and
# GENERATED_DIR, then runs ${PRODUCTIVE_K3S_CORE_BOOTSTRAP:-<this dir>/core-standin.sh}.
# The bearer token only ever travels in the environment, and not at all while telemetry is off.
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: bootstrap.sh <scenario-dir> <level>" >&2
  exit 64
fi
scenario_dir=$1
level=$2
case $0 in
  */*) shared_dir=$(CDPATH='' cd -- "${0%/*}" && pwd) ;;
  *) shared_dir=$(pwd) ;;
esac

# The scenario's metadata for this level, as shell-quoted export lines, from the runner that
# started us (PK3S_RUN_SCENARIO, its own shell-quoted command line) or, in a source tree, Bun.
if [ -n "${PK3S_RUN_SCENARIO:-}" ]; then
  metadata=$(eval "$PK3S_RUN_SCENARIO"' __scenario-env "$scenario_dir" "$level"')
else
  metadata=$("${BUN:-bun}" "$shared_dir/../../scripts/run-scenario.ts" __scenario-env "$scenario_dir" "$level")
fi
eval "$metadata"

for name in TELEMETRY_ENABLED TELEMETRY_ENDPOINT TELEMETRY_MARKER TELEMETRY_BEARER_TOKEN \
  TELEMETRY_MAX_RETRIES TELEMETRY_CONNECT_TIMEOUT_SECONDS TELEMETRY_REQUEST_TIMEOUT_SECONDS \
  TELEMETRY_OUTBOX_DIR TELEMETRY_USER_AGENT TELEMETRY_SESSION_ID TELEMETRY_RUN_ID \
  TELEMETRY_PARENT_RUN_ID TELEMETRY_COMPONENT; do
  eval "received=\${$name+set}"
  if [ -n "$received" ]; then
    export "$name"
  fi
done

# A token is forwarded only while telemetry is enabled (it stays set-but-blank otherwise).
if [ "${TELEMETRY_ENABLED:-}" != true ] && [ -n "${TELEMETRY_BEARER_TOKEN+set}" ]; then
  TELEMETRY_BEARER_TOKEN=''
fi

GENERATED_DIR=${GENERATED_DIR:-$scenario_dir/generated}
export GENERATED_DIR
mkdir -p "$GENERATED_DIR"

core=${PRODUCTIVE_K3S_CORE_BOOTSTRAP:-$shared_dir/core-standin.sh}
exec "$core"
