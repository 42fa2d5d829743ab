#!/bin/sh
# Recording stand-in for productive-k3s-core's bootstrap (the contract level runs it in place of
# the real core). It records the TELEMETRY_* context it received into
# $GENERATED_DIR/core-record.env (shell-quoted; the bearer token only as present/absent), and
# writes $GENERATED_DIR/cluster.json with nothing but the allowed metadata:
#   productive_k3s { source, version, release_repo, engine }   from PRODUCTIVE_K3S_* or defaults
#   installation { topology, node_count_expected }            from PK3S_TOPOLOGY/PK3S_NODE_COUNT_EXPECTED
set -eu

: "${GENERATED_DIR:?is not set (bootstrap.sh sets it)}"

# POSIX single-quoting with builtins only: the value never reaches another process.
quote() {
  rest=$1
  out=''
  while :; do
    case $rest in
      *\'*)
        out="$out${rest%%\'*}'\\''"
        rest=${rest#*\'}
        ;;
      *) break ;;
    esac
  done
  printf "'%s%s'" "$out" "$rest"
}

record=$GENERATED_DIR/core-record.env
{
  echo "# TELEMETRY_* as received by the productive-k3s-core stand-in (unset variables are absent)."
  for name in TELEMETRY_ENABLED TELEMETRY_ENDPOINT TELEMETRY_MARKER \
    TELEMETRY_MAX_RETRIES TELEMETRY_CONNECT_TIMEOUT_SECONDS TELEMETRY_REQUEST_TIMEOUT_SECONDS \
    TELEMETRY_OUTBOX_DIR TELEMETRY_USER_AGENT TELEMETRY_SESSION_ID TELEMETRY_RUN_ID \
    TELEMETRY_PARENT_RUN_ID TELEMETRY_COMPONENT; do
    eval "received=\${$name+set}"
    if [ -n "$received" ]; then
      eval "value=\$$name"
      printf '%s=%s\n' "$name" "$(quote "$value")"
    fi
  done
  if [ -n "${TELEMETRY_BEARER_TOKEN:-}" ]; then
    echo "TELEMETRY_BEARER_TOKEN_PRESENT=true"
  else
    echo "TELEMETRY_BEARER_TOKEN_PRESENT=false"
  fi
} >"$record.tmp"
mv -f "$record.tmp" "$record"

# Metadata values are short identifiers, so they need no JSON escaping.
meta() {
  case $2 in
    '' | *[!A-Za-z0-9._+:@/-]*)
      echo "core-standin: $1 must be 1 or more of A-Z a-z 0-9 . _ + : @ / -" >&2
      exit 1
      ;;
  esac
  printf '%s' "$2"
}
source=$(meta PRODUCTIVE_K3S_SOURCE "${PRODUCTIVE_K3S_SOURCE:-release}")
version=$(meta PRODUCTIVE_K3S_VERSION "${PRODUCTIVE_K3S_VERSION:-v0.0.0-standin}")
release_repo=$(meta PRODUCTIVE_K3S_RELEASE_REPO "${PRODUCTIVE_K3S_RELEASE_REPO:-productive-k3s-core}")
engine=$(meta PRODUCTIVE_K3S_ENGINE "${PRODUCTIVE_K3S_ENGINE:-k3s}")
topology=$(meta PK3S_TOPOLOGY "${PK3S_TOPOLOGY:-unknown}")
count=$(meta PK3S_NODE_COUNT_EXPECTED "${PK3S_NODE_COUNT_EXPECTED:-unknown}")
case $count in
  *[!0-9]*) count="\"$count\"" ;;
esac

cluster=$GENERATED_DIR/cluster.json
cat >"$cluster.tmp" <<JSON
{
  "productive_k3s": {
    "source": "$source",
    "version": "$version",
    "release_repo": "$release_repo",
    "engine": "$engine"
  },
  "installation": {
    "topology": "$topology",
    "node_count_expected": $count
  }
}
JSON
mv -f "$cluster.tmp" "$cluster"
