#!/usr/bin/env bash
# Runs every check Midge's CI runs: formatting, lints, all tests, then the
# interoperability tests with real MQTT clients (installed here when missing).
# Usage: ./scripts/test.sh   (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --exclude midge --no-deps --locked --quiet

echo "==> cargo test"
cargo test --workspace --locked

echo "==> interop: install clients (mosquitto-clients, paho-mqtt 2.x, MQTT.js 5.x)"
tests/interop/install.sh

echo "==> cargo build -p midge"
cargo build --locked -p midge

echo "==> interop: tests/interop/run.sh target/debug/midge"
tests/interop/run.sh target/debug/midge
