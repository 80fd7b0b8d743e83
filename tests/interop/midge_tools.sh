#!/usr/bin/env bash
# Interop suite: Midge's own client tools (`midge pub`, `midge sub`, `midge rr`,
# built on the `midge-client` library) against the Eclipse Mosquitto 2 broker.
#
# Usage: MIDGE_BIN=target/debug/midge MOSQ_PORT=18883 tests/interop/midge_tools.sh
# Prints one line per check: "ok - <name>" or "FAIL - <name>: <why>".
set -uo pipefail

M=${MIDGE_BIN:?set MIDGE_BIN to the midge binary}
PORT=${MOSQ_PORT:?set MOSQ_PORT to the port of a running mosquitto broker}
T=15
RUN=$$
PASS=0
FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/midge-tools.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
fail() { echo "FAIL - $1: $2"; FAILED=$((FAILED + 1)); }

for v in 5 311; do
    topic="tools/$RUN/$v/lines"
    # QoS 2, 300 messages, every one delivered once and in order.
    timeout "$T" "$M" sub -p "$PORT" -V "$v" -t "$topic" -q 2 -C 300 >"$WORK/sub$v" 2>&1 &
    sub=$!
    sleep 0.5
    if ! seq 1 300 | timeout "$T" "$M" pub -p "$PORT" -V "$v" -t "$topic" -q 2 -l; then
        fail "v$v pub -l QoS 2 to mosquitto" "midge pub exited non-zero"
    fi
    if wait "$sub" && [[ "$(cat "$WORK/sub$v")" == "$(seq 1 300)" ]]; then
        ok "v$v: 300 QoS 2 messages midge pub -> mosquitto -> midge sub, once each, in order"
    else
        fail "v$v QoS 2 round trip through mosquitto" "got $(wc -l <"$WORK/sub$v") lines, missing: $(comm -13 <(sort "$WORK/sub$v") <(seq 1 300 | sort) | sort -n | tr "\n" " ")"
    fi

    # Retained message, then a new subscriber gets it with the retain flag.
    rtopic="tools/$RUN/$v/retained"
    timeout "$T" "$M" pub -p "$PORT" -V "$v" -t "$rtopic" -m kept -q 1 -r
    got=$(timeout "$T" "$M" sub -p "$PORT" -V "$v" -t "$rtopic" -q 1 -C 1 -F '%r %q %t %p' 2>&1)
    if [[ "$got" == "1 1 $rtopic kept" ]]; then
        ok "v$v: retained message from mosquitto shows retain 1"
    else
        fail "v$v retained via mosquitto" "got '$got'"
    fi
    timeout "$T" "$M" pub -p "$PORT" -V "$v" -t "$rtopic" -n -r
done

# MQTT 5 properties through mosquitto.
ptopic="tools/$RUN/props"
timeout "$T" "$M" sub -p "$PORT" -V 5 -t "$ptopic" -C 1 -F '%P|%C|%p' >"$WORK/props" 2>&1 &
sub=$!
sleep 0.5
timeout "$T" "$M" pub -p "$PORT" -V 5 -t "$ptopic" -m body -D publish user-property k v -D publish content-type text/plain
if wait "$sub" && [[ "$(cat "$WORK/props")" == "k:v|text/plain|body" ]]; then
    ok "v5: user property and content type survive mosquitto"
else
    fail "v5 properties via mosquitto" "got '$(cat "$WORK/props")'"
fi

# Request/response through mosquitto: a responder made of midge sub + midge pub.
req="tools/$RUN/req"
resp="tools/$RUN/resp"
(timeout "$T" "$M" sub -p "$PORT" -V 5 -t "$req" -C 1 >/dev/null 2>&1 &&
    timeout "$T" "$M" pub -p "$PORT" -V 5 -t "$resp" -m pong) &
responder=$!
sleep 0.5
got=$(timeout "$T" "$M" rr -p "$PORT" -V 5 -t "$req" -e "$resp" -m ping -W 10 2>&1)
wait "$responder"
if [[ "$got" == "pong" ]]; then
    ok "v5: midge rr gets its response through mosquitto"
else
    fail "midge rr via mosquitto" "got '$got'"
fi

[[ $FAILED == 0 ]]
