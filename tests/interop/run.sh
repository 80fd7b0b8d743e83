#!/usr/bin/env bash
# Runs the interoperability suites (real third-party MQTT clients) against a
# real midge broker.
#
# Usage: tests/interop/run.sh PATH/TO/midge
#
# Builds nothing: pass the binary (scripts/test.sh builds target/debug/midge).
# The clients must be installed (scripts/test.sh does it): mosquitto_pub and
# mosquitto_sub (and the mosquitto broker, for midge_tools.sh) on PATH, paho-mqtt 2.x in tests/interop/.venv (or the user
# site of python3), MQTT.js in tests/interop/node/node_modules.
#
# Starts `midge broker` on a free loopback port with a fresh data directory,
# runs each suite with MIDGE_PORT set, stops the broker, prints a summary and
# exits non-zero if any check failed, a suite crashed or timed out, or the
# broker died.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ $# -ne 1 ]]; then
    echo "usage: $0 PATH/TO/midge" >&2
    exit 2
fi
MIDGE=$(realpath "$1" 2>/dev/null || echo "$1")
if [[ ! -x "$MIDGE" ]]; then
    echo "FAIL - interop setup: midge binary $1 not found or not executable" >&2
    exit 2
fi

START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/midge-interop.XXXXXX")
DATA="$WORK/data"
LOG="$WORK/broker.log"
BROKER_PID=""

stop_broker() {
    if [[ -n "$BROKER_PID" ]] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill -TERM "$BROKER_PID" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 "$BROKER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$BROKER_PID" 2>/dev/null
        wait "$BROKER_PID" 2>/dev/null
    fi
    BROKER_PID=""
}
cleanup() {
    stop_broker
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- pick the interpreters the install step set up
PYTHON=""
for py in "$HERE/.venv/bin/python" python3; do
    if command -v "$py" >/dev/null 2>&1 &&
        "$py" -c 'import paho.mqtt, sys; sys.exit(0 if paho.mqtt.__version__.startswith("2.") else 1)' 2>/dev/null; then
        PYTHON=$py
        break
    fi
done

# --- a free port (the kernel picks one; a small race with other programs is acceptable)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

mkdir -p "$DATA"
NO_COLOR=1 "$MIDGE" broker -p "$PORT" --data-dir "$DATA" >"$LOG" 2>&1 &
BROKER_PID=$!

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }
ready=0
for _ in $(seq 1 100); do
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then break; fi
    if port_open; then
        ready=1
        break
    fi
    sleep 0.1
done
if [[ $ready != 1 ]]; then
    echo "FAIL - interop setup: midge broker did not accept connections on 127.0.0.1:$PORT within 10 s"
    echo "---- broker log ----"
    cat "$LOG"
    exit 1
fi
echo "==> midge broker (pid $BROKER_PID) on 127.0.0.1:$PORT, data in $DATA"

TOTAL_PASS=0
TOTAL_FAIL=0
SUMMARY=()

# run_suite NAME TIMEOUT_SECS COMMAND...: runs one suite, counts its ok/FAIL lines.
run_suite() {
    local name=$1 limit=$2
    shift 2
    local out="$WORK/$name.out" t0 rc p f extra=""
    echo "==> interop suite: $name"
    t0=$(date +%s)
    MIDGE_PORT=$PORT timeout -k 5 "$limit" "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    p=$(grep -c '^ok - ' "$out")
    f=$(grep -c '^FAIL - ' "$out")
    if [[ $rc == 124 || $rc == 137 ]]; then
        echo "FAIL - $name suite: timed out after ${limit}s"
        f=$((f + 1))
        extra=" (timed out)"
    elif [[ $rc != 0 && $f == 0 ]]; then
        echo "FAIL - $name suite: exited with status $rc without a failed check"
        f=$((f + 1))
        extra=" (exit $rc)"
    elif [[ $rc == 0 && $p == 0 ]]; then
        echo "FAIL - $name suite: ran no check"
        f=$((f + 1))
    fi
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then
        echo "FAIL - broker still running after the $name suite: it exited"
        f=$((f + 1))
        extra="$extra (broker died)"
    fi
    TOTAL_PASS=$((TOTAL_PASS + p))
    TOTAL_FAIL=$((TOTAL_FAIL + f))
    SUMMARY+=("$(printf '%-10s %3d passed, %3d failed, %3ds%s' "$name" "$p" "$f" "$(($(date +%s) - t0))" "$extra")")
}

missing() {
    local name=$1 why=$2
    echo "==> interop suite: $name"
    echo "FAIL - $name suite: $why (run scripts/test.sh, which installs the clients)"
    TOTAL_FAIL=$((TOTAL_FAIL + 1))
    SUMMARY+=("$(printf '%-10s not run: %s' "$name" "$why")")
}

if command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null; then
    run_suite mosquitto 90 bash "$HERE/mosquitto.sh"
else
    missing mosquitto "mosquitto_pub/mosquitto_sub not installed"
fi

if [[ -n "$PYTHON" ]]; then
    run_suite paho 90 "$PYTHON" -u "$HERE/paho_test.py"
else
    missing paho "paho-mqtt 2.x not installed"
fi

if command -v node >/dev/null && [[ -f "$HERE/node/node_modules/mqtt/package.json" ]]; then
    run_suite node 45 bash -c 'cd "$1" && exec node test.mjs' _ "$HERE/node"
else
    missing node "node or MQTT.js (tests/interop/node/node_modules) not installed"
fi

# Midge's own client tools (midge-client) against the Mosquitto broker.
MOSQUITTO_BIN=$(command -v mosquitto || { [[ -x /usr/sbin/mosquitto ]] && echo /usr/sbin/mosquitto; } || true)
if [[ -n "$MOSQUITTO_BIN" ]]; then
    MPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$MPORT" >"$WORK/mosquitto.conf"
    "$MOSQUITTO_BIN" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
    MOSQ_PID=$!
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$MPORT") 2>/dev/null && break
        sleep 0.1
    done
    run_suite midge-tools 90 env MIDGE_BIN="$MIDGE" MOSQ_PORT="$MPORT" bash "$HERE/midge_tools.sh"
    kill "$MOSQ_PID" 2>/dev/null
    wait "$MOSQ_PID" 2>/dev/null
else
    missing midge-tools "the mosquitto broker is not installed"
fi

if ! kill -0 "$BROKER_PID" 2>/dev/null; then
    BROKER_DIED=1
else
    BROKER_DIED=0
fi
stop_broker

echo
echo "==> interop summary (midge on port $PORT, $(($(date +%s) - START))s)"
for line in "${SUMMARY[@]}"; do echo "    $line"; done
if [[ $TOTAL_FAIL != 0 || $BROKER_DIED == 1 ]]; then
    echo "---- broker log (last 40 lines) ----"
    tail -n 40 "$LOG"
    echo "----"
fi
echo "interop: $TOTAL_PASS passed, $TOTAL_FAIL failed"
[[ $TOTAL_FAIL == 0 ]]
