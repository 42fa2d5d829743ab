#!/bin/sh
# Live-level gate: runs the real bootstrap (bootstrap.sh with PRODUCTIVE_K3S_CORE_BOOTSTRAP) only
# when the scenario's real prerequisites exist here; otherwise prints exactly one
# "[SKIP] <reason>" line and exits 3. Reasons never name hosts, paths or users.
# Usage: live.sh <scenario-dir> <multipass|onprem-ssh|onprem-ssh-arm64|aws|none>
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: live.sh <scenario-dir> <live-prerequisite>" >&2
  exit 64
fi
scenario_dir=$1
prereq=$2
scenario=${scenario_dir%/}
scenario=${scenario##*/}
case $0 in
  */*) shared_dir=$(CDPATH='' cd -- "${0%/*}" && pwd) ;;
  *) shared_dir=$(pwd) ;;
esac

skip() {
  printf '[SKIP] %s\n' "$1"
  exit 3
}
has() {
  command -v "$1" >/dev/null 2>&1
}

case $prereq in
  multipass)
    has multipass || skip "multipass not installed"
    ;;
  onprem-ssh)
    [ -n "${ONPREM_SSH_TARGET:-}" ] || skip "no SSH target configured (set ONPREM_SSH_TARGET)"
    has ssh || skip "ssh client not installed"
    ;;
  onprem-ssh-arm64)
    [ -n "${ONPREM_SSH_TARGET:-}" ] || skip "no SSH target configured (set ONPREM_SSH_TARGET to an arm64 host)"
    has ssh || skip "ssh client not installed"
    ;;
  aws)
    has tofu || skip "OpenTofu not installed (tofu)"
    [ -n "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] ||
      skip "missing cloud credentials for $scenario"
    ;;
  none) ;;
  *)
    echo "live.sh: unknown LIVE_PREREQ for $scenario (use multipass, onprem-ssh, onprem-ssh-arm64, aws or none)" >&2
    exit 2
    ;;
esac

[ -n "${PRODUCTIVE_K3S_CORE_BOOTSTRAP:-}" ] ||
  skip "productive-k3s-core bootstrap not configured (set PRODUCTIVE_K3S_CORE_BOOTSTRAP)"

if [ "$prereq" = onprem-ssh-arm64 ]; then
  if ! arch=$(ssh -o BatchMode=yes -o ConnectTimeout=15 -- "$ONPREM_SSH_TARGET" uname -m); then
    echo "live: the SSH target did not answer (check ONPREM_SSH_TARGET and its key)" >&2
    exit 1
  fi
  case $arch in
    aarch64 | arm64) ;;
    *) skip "SSH target is not arm64 ($scenario needs an arm64 host)" ;;
  esac
fi

exec "$shared_dir/bootstrap.sh" "$scenario_dir" live
