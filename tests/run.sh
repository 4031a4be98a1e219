#!/usr/bin/env bash
# The full test suite: what the README calls "run every test", and what CI runs.
#
#   bash tests/run.sh
#
# 1. `cargo test`: unit tests, and the one integration binary tests/integration (checks,
#    corpus, peers, CLI, TUI rendering and the headless event loop).
# 2. The TUI in a real terminal (tmux), skipped with a message where tmux is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --lib --bins --tests "$@"
bash tests/tmux-smoke.sh
