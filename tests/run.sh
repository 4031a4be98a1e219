#!/usr/bin/env bash
# The full test suite: what the README calls "run every test", and what CI runs.
#
#   bash tests/run.sh
#
# 1. The live tier's real control plane (kube-apiserver, controller-manager, scheduler v1.20.2 and
#    etcd): built once from Debian's sources and cached (tests/live/build-control-plane.sh, about
#    7 minutes the first time), then started on loopback for this run and stopped at the end.
#    It needs root and apt-get; elsewhere the live tier is skipped, and says so.
# 2. `cargo test`: unit tests and the one integration binary (checks, corpus, peers, CLI, TUI,
#    and the live tier against the control plane of step 1).
# 3. The TUI in a real terminal (tmux), skipped with a message where tmux is missing; with the
#    control plane, a fix applied from the TUI and undone from its Journal view, checked on the
#    server.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${KVET_SKIP_LIVE:-}" = "1" ]; then
  echo "SKIPPED live tier: KVET_SKIP_LIVE=1"
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  bash tests/live/build-control-plane.sh
  BIN=${KVET_K8S_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/kvet/k8s-1.20.2/bin}
  STATE=$(mktemp -d /tmp/kvet-control-plane-XXXXXX)
  STATE2=$(mktemp -d /tmp/kvet-control-plane-2-XXXXXX)
  stop_control_plane() { kill $(cat "$STATE"/*.pid "$STATE2"/*.pid 2>/dev/null) 2>/dev/null || true; }
  trap stop_control_plane EXIT
  bash tests/live/start-control-plane.sh "$BIN" "$STATE"
  export KVET_LIVE_KUBECONFIG="$STATE/kubeconfig"
  # A second cluster on other ports (etcd and kube-apiserver only), for the fleet tests.
  if KVET_API_PORT=17443 KVET_ETCD_PORT=13379 KVET_APISERVER_ONLY=1 \
      bash tests/live/start-control-plane.sh "$BIN" "$STATE2"; then
    export KVET_LIVE_KUBECONFIG2="$STATE2/kubeconfig"
  else
    echo "the second control plane did not start: the two-cluster fleet test will be skipped"
  fi
else
  echo "SKIPPED live tier: building the control plane needs root and apt-get"
fi

cargo test --lib --bins --tests "$@"
bash tests/tmux-smoke.sh
