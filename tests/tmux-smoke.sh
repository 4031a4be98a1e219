#!/usr/bin/env bash
# The TUI as a user sees it: start `kvet --demo` in a 160x45 tmux pane, type, and read the screen;
# with KVET_LIVE_KUBECONFIG, also apply a fix and undo it on the live control plane.
# Skipped, with a message, where tmux is missing. Usage: bash tests/tmux-smoke.sh [path/to/kvet]
set -euo pipefail
cd "$(dirname "$0")/.."
KVET=${1:-target/debug/kvet}
if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIPPED tmux smoke test: tmux is not installed"
  exit 0
fi
[ -x "$KVET" ] || cargo build --quiet
S="kvet-smoke-$$"
SOCK=$(mktemp -u /tmp/kvet-tmux-XXXXXX)
T=(tmux -S "$SOCK")
cleanup() { "${T[@]}" kill-server >/dev/null 2>&1 || true; rm -f "$SOCK"; }
trap cleanup EXIT
"${T[@]}" new-session -d -s "$S" -x 160 -y 45 "KVET_CONFIG_DIR=$(mktemp -d) $KVET --demo; echo KVET-EXITED-\$?; sleep 5"
pane() { "${T[@]}" capture-pane -t "$S" -p; }
wait_for() { # $1: text, $2: tenths of a second to wait (default 50)
  for _ in $(seq 1 "${2:-50}"); do
    if pane | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "FAILED: the screen never showed: $1"; pane; exit 1
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; sleep 0.2; }
fail=0
# The expected counts come from the headless audit of the same demo: the screen must agree.
summary=$("$KVET" --demo audit -o json --fail-on never | tr -d ' \n' | grep -o '"summary":{[^}]*}')
count() { echo "$summary" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
critical=$(count critical); warning=$(count warning); info=$(count info)
total=$((critical + warning + info))
wait_for "● $critical critical  ▲ $warning warning  ■ $info info"
wait_for "cluster: demo"
keys ":" "deploy storefront" Enter
keys Right
wait_for "none: a drain can evict every replica"
keys Tab Tab Enter
wait_for "Explain: pdb-missing"
keys Escape
keys "2"
wait_for "Findings $total/$total"
keys "q"
wait_for "KVET-EXITED-0"
# The terminal was restored: no alternate screen left behind.
if [ "$("${T[@]}" display -p -t "$S" '#{alternate_on}')" != "0" ]; then
  echo "FAILED: the alternate screen is still on after quitting"; fail=1
fi
passed=0
[ $fail -eq 0 ] && passed=$((passed + 1))

# SIGTERM, SIGHUP and a panic while drawing must all leave the terminal restored.
restored_after() { # $1: label, $2: env prefix, $3: signal or "" to just wait for the panic
  local s="kvet-smoke-$1-$$" pidf
  pidf=$(mktemp)
  "${T[@]}" new-session -d -s "$s" -x 120 -y 30 "sh -c 'echo \$\$ > $pidf; exec env RUST_BACKTRACE=0 $2 KVET_CONFIG_DIR=$(mktemp -d) $KVET --demo'; echo KVET-EXITED; sleep 60"
  for _ in $(seq 1 50); do "${T[@]}" capture-pane -t "$s" -p | grep -q "cluster: demo\|panicked\|KVET-EXITED" && break; sleep 0.1; done
  if [ -n "$3" ]; then kill "-$3" "$(cat "$pidf")" || true; fi
  for _ in $(seq 1 50); do "${T[@]}" capture-pane -t "$s" -p | grep -q KVET-EXITED && break; sleep 0.1; done
  if "${T[@]}" capture-pane -t "$s" -p | grep -q KVET-EXITED && [ "$("${T[@]}" display -p -t "$s" '#{alternate_on}')" = "0" ]; then
    passed=$((passed + 1))
  else
    echo "FAILED: terminal not restored after $1"; "${T[@]}" capture-pane -t "$s" -p; fail=$((fail + 1))
  fi
}
restored_after sigterm "" TERM
restored_after sighup "" HUP
restored_after panic "KVET_TEST_PANIC_IN_DRAW=1" ""
# Live, with the control plane of tests/run.sh: a one-key fix applied from the TUI and undone from
# the Journal view, each checked on the server, as a user does it.
if [ -n "${KVET_LIVE_KUBECONFIG:-}" ] && command -v kubectl >/dev/null 2>&1; then
  KC=$KVET_LIVE_KUBECONFIG
  NS="tui-fix-$$"
  DATA=$(mktemp -d)
  kubectl --kubeconfig "$KC" create namespace "$NS" >/dev/null
  kubectl --kubeconfig "$KC" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: $NS}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: web, image: registry.example.com/shop:1.4.2}]
EOF
  S="kvet-smoke-live-$$"
  "${T[@]}" new-session -d -s "$S" -x 160 -y 45 "KVET_CONFIG_DIR=$(mktemp -d) KVET_DATA_DIR=$DATA $KVET --kubeconfig $KC -n $NS; echo KVET-EXITED-\$?; sleep 5"
  wait_for "pdb-missing shop" 150
  keys ":" "deploy $NS" Enter
  keys Right
  keys Tab Tab
  keys f
  wait_for "The server accepted this change as a dry run" 100
  keys Tab Enter
  wait_for "applied to PodDisruptionBudget/$NS/shop-pdb" 100
  live_ok=1
  kubectl --kubeconfig "$KC" get pdb shop-pdb -n "$NS" >/dev/null 2>&1 || { echo "FAILED: the fix did not create the PDB"; live_ok=0; }
  grep -q '"pdb-missing"' "$DATA/journal.jsonl" || { echo "FAILED: no journal entry"; live_ok=0; }
  keys "5"
  wait_for "applied" 50
  keys u
  wait_for "which kvet created" 100
  keys Tab Enter
  wait_for "undid " 100
  if kubectl --kubeconfig "$KC" get pdb shop-pdb -n "$NS" >/dev/null 2>&1; then
    echo "FAILED: the undo left the PDB"; live_ok=0
  fi
  keys "q"
  wait_for "KVET-EXITED-0"
  if [ $live_ok -eq 1 ]; then passed=$((passed + 1)); else pane; fail=$((fail + 1)); fi
else
  echo "SKIPPED the live part of the tmux smoke test: no KVET_LIVE_KUBECONFIG (bash tests/run.sh sets it)"
fi
echo "tmux smoke test: $passed passed, $fail failed"
[ $fail -eq 0 ]
