#!/usr/bin/env bash
# Interop suite: Eclipse Mosquitto's command-line clients (mosquitto_pub and
# mosquitto_sub, libmosquitto 2.x) against a running midge broker.
#
# Usage: MIDGE_PORT=1883 tests/interop/mosquitto.sh
# Prints one line per check: "ok - <name>" or "FAIL - <name>: <why>".
# Exits non-zero if any check failed.
set -uo pipefail

PORT=${MIDGE_PORT:?set MIDGE_PORT to the port of a running midge broker}
HOST=127.0.0.1
T=6 # seconds: upper bound for any single client call
WORK=$(mktemp -d "${TMPDIR:-/tmp}/midge-mosq.XXXXXX")
RUN=$$ # makes topics and client ids unique to this run
PASS=0
FAILED=0
BG_PIDS=()

cleanup() {
    local p
    # TERM: `timeout` passes it on to the client it runs (KILL would orphan it)
    for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.2
    for p in "${BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

ok() {
    echo "ok - $1"
    PASS=$((PASS + 1))
}
fail() {
    echo "FAIL - $1: $2"
    FAILED=$((FAILED + 1))
}

pub() { timeout "$T" mosquitto_pub -h "$HOST" -p "$PORT" "$@"; }

# start_sub ARGS...: starts mosquitto_sub -d in the background, its output
# (line-buffered) to a new file SUB_OUT, and returns once the broker has
# acknowledged the subscription (so a publish made afterwards must reach it).
# Sets SUB_PID and SUB_OUT.
SUB_N=0
start_sub() {
    SUB_N=$((SUB_N + 1))
    SUB_OUT="$WORK/sub.$SUB_N"
    local out=$SUB_OUT
    timeout "$T" stdbuf -oL mosquitto_sub -d -h "$HOST" -p "$PORT" "$@" >"$out" 2>"$out.err" &
    SUB_PID=$!
    BG_PIDS+=("$SUB_PID")
    local i
    for i in $(seq 1 50); do
        grep -q 'received SUBACK' "$out" 2>/dev/null && return 0
        kill -0 "$SUB_PID" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

# run_sub ARGS...: runs mosquitto_sub -d in the foreground (for a reconnect,
# whose queued messages may arrive before the SUBACK). Sets SUB_OUT; returns
# mosquitto_sub's exit status.
run_sub() {
    SUB_N=$((SUB_N + 1))
    SUB_OUT="$WORK/sub.$SUB_N"
    timeout "$T" stdbuf -oL mosquitto_sub -d -h "$HOST" -p "$PORT" "$@" >"$SUB_OUT" 2>"$SUB_OUT.err"
}

# wait_sub: waits for the subscriber started last; returns its exit status
# (124 when it was killed by its timeout).
wait_sub() { wait "$SUB_PID"; }

# msgs OUT: the message lines of a mosquitto_sub -d output (debug lines removed).
msgs() { grep -v -E '^(Client |Subscribed \(mid)' "$1" | sed -e 's/Client .* sending DISCONNECT$//' | sed -e '/^$/d'; }

# expect NAME OUT EXPECTED_LINES [SUB_STATUS]: compares message lines.
expect() {
    local name=$1 out=$2 want=$3 status=${4:-0}
    local got
    got=$(msgs "$out")
    if [[ "$got" == "$want" && "$status" == 0 ]]; then
        ok "$name"
    else
        fail "$name" "expected [$(echo "$want" | paste -sd'|')] got [$(echo "$got" | paste -sd'|')] (mosquitto_sub exit $status)"
    fi
}

# expect_nothing NAME OUT SUB_STATUS: a subscriber run with -W must have
# received no message.
expect_nothing() {
    local name=$1 out=$2 status=$3
    local got
    got=$(msgs "$out")
    if [[ -z "$got" ]]; then
        ok "$name"
    else
        fail "$name" "expected no message, got [$(echo "$got" | paste -sd'|')] (mosquitto_sub exit $status)"
    fi
}

suite_version() {
    local V=$1      # mosquitto's -V value
    local v=${V#mqtt} # v311 / v5 for names
    local P="interop/mosq/$RUN/$v"
    local st

    # --- QoS 0, 1, 2 round trips (subscription at QoS 2: delivered QoS is the publish QoS)
    local q
    for q in 0 1 2; do
        if start_sub -V "$V" -q 2 -t "$P/qos$q" -C 2 -v; then
            pub -V "$V" -q "$q" -t "$P/qos$q" -m "first q$q" || fail "$v qos$q round trip" "mosquitto_pub exit $?"
            pub -V "$V" -q "$q" -t "$P/qos$q" -m "second q$q"
            wait_sub
            st=$?
            expect "$v qos$q round trip" "$SUB_OUT" "$P/qos$q first q$q
$P/qos$q second q$q" "$st"
        else
            fail "$v qos$q round trip" "subscriber not acknowledged: $(tr '\n' '|' <"$SUB_OUT")"
        fi
    done

    # --- delivered QoS is min(publish QoS, subscription QoS)
    if start_sub -V "$V" -q 1 -t "$P/down/+" -C 3 -F '%t %q %p'; then
        pub -V "$V" -q 2 -t "$P/down/a" -m x
        pub -V "$V" -q 1 -t "$P/down/b" -m y
        pub -V "$V" -q 0 -t "$P/down/c" -m z
        wait_sub
        st=$?
        expect "$v delivered qos = min(pub, sub)" "$SUB_OUT" "$P/down/a 1 x
$P/down/b 1 y
$P/down/c 0 z" "$st"
    else
        fail "$v delivered qos = min(pub, sub)" "subscriber not acknowledged"
    fi

    # --- wildcards
    if start_sub -V "$V" -q 1 -t "$P/wc/+/temp" -t "$P/wc/house/#" -C 4 -v; then
        pub -V "$V" -q 1 -t "$P/wc/kitchen/temp" -m 1     # matches +/temp
        pub -V "$V" -q 1 -t "$P/wc/kitchen/x/temp" -m 2   # + is one level: no match
        pub -V "$V" -q 1 -t "$P/wc/house" -m 3            # house/# matches house itself
        pub -V "$V" -q 1 -t "$P/wc/garden/hum" -m 4       # no match
        pub -V "$V" -q 1 -t "$P/wc/house/a/b/c" -m 5      # # is many levels
        pub -V "$V" -q 1 -t "$P/wcx/house/a" -m 6         # no match
        pub -V "$V" -q 1 -t "$P/wc//temp" -m 7            # + matches an empty level
        wait_sub
        st=$?
        expect "$v wildcards + and #" "$SUB_OUT" "$P/wc/kitchen/temp 1
$P/wc/house 3
$P/wc/house/a/b/c 5
$P/wc//temp 7" "$st"
    else
        fail "$v wildcards + and #" "subscriber not acknowledged"
    fi

    # --- retained messages
    pub -V "$V" -q 1 -r -t "$P/ret/a" -m "kept1"
    if start_sub -V "$V" -q 1 -t "$P/ret/#" -C 2 -F '%r %t %p'; then
        # A live publish with RETAIN reaches an established subscription with
        # RETAIN 0 [MQTT-3.3.1-9] (5.0: Retain As Published not set [MQTT-3.3.1-12]).
        pub -V "$V" -q 1 -r -t "$P/ret/a" -m "kept2"
        wait_sub
        st=$?
        expect "$v retained message to a new subscriber (retain flag 1, then 0 live)" "$SUB_OUT" "1 $P/ret/a kept1
0 $P/ret/a kept2" "$st"
    else
        fail "$v retained message to a new subscriber (retain flag 1, then 0 live)" "subscriber not acknowledged"
    fi
    if start_sub -V "$V" -q 1 -t "$P/ret/a" -C 1 -F '%r %t %p'; then
        wait_sub
        st=$?
        expect "$v retained message replaced by a later retained publish" "$SUB_OUT" "1 $P/ret/a kept2" "$st"
    else
        fail "$v retained message replaced by a later retained publish" "subscriber not acknowledged"
    fi
    pub -V "$V" -q 1 -r -n -t "$P/ret/a"
    if start_sub -V "$V" -q 1 -t "$P/ret/#" -W 1 -F '%r %t %p'; then
        wait_sub
        st=$?
        expect_nothing "$v empty retained payload deletes the retained message" "$SUB_OUT" "$st"
    else
        fail "$v empty retained payload deletes the retained message" "subscriber not acknowledged"
    fi

    # --- persistent session: QoS 1 queued while offline
    local id="interop-mosq-$RUN-$v-persist"
    local sx=()
    [[ $V == mqttv5 ]] && sx=(-x 300)
    if start_sub -V "$V" -c "${sx[@]}" -i "$id" -q 1 -t "$P/persist" -E; then
        wait_sub
        pub -V "$V" -q 1 -t "$P/persist" -m "while offline 1"
        pub -V "$V" -q 1 -t "$P/persist" -m "while offline 2"
        run_sub -V "$V" -c "${sx[@]}" -i "$id" -q 1 -t "$P/persist" -C 2 -v
        st=$?
        expect "$v persistent session gets QoS 1 messages sent while offline" "$SUB_OUT" "$P/persist while offline 1
$P/persist while offline 2" "$st"
    else
        fail "$v persistent session gets QoS 1 messages sent while offline" "first connection not acknowledged"
    fi
    # clean up the session
    pub -V "$V" -i "$id" -t "$P/none" -n >/dev/null 2>&1

    # --- will message: published when the client dies, not on a clean disconnect
    local wout="$WORK/$v.will" wpid
    if start_sub -V "$V" -q 1 -t "$P/will/#" -C 1 -v; then
        local subpid=$SUB_PID subout=$SUB_OUT
        # A clean DISCONNECT discards the will [MQTT-3.1.2-10] / [MQTT-3.14.4-3].
        pub -V "$V" -t "$P/other" -m x --will-topic "$P/will/clean" --will-payload "not expected" --will-qos 1
        # A client that is killed (no DISCONNECT): its will must be published.
        # (started without the `timeout` wrapper so that SIGKILL hits the client)
        stdbuf -oL mosquitto_sub -d -h "$HOST" -p "$PORT" -V "$V" -i "interop-mosq-$RUN-$v-willer" -t "$P/will-holder" \
            --will-topic "$P/will/killed" --will-payload "gone" --will-qos 1 >"$wout" 2>&1 &
        wpid=$!
        BG_PIDS+=("$wpid")
        local i
        for i in $(seq 1 50); do
            grep -q 'received SUBACK' "$wout" 2>/dev/null && break
            sleep 0.1
        done
        grep -q 'received SUBACK' "$wout" || fail "$v will client connects" "$(tr '\n' '|' <"$wout")"
        kill -9 "$wpid" 2>/dev/null
        wait "$wpid" 2>/dev/null
        SUB_PID=$subpid SUB_OUT=$subout
        wait_sub
        st=$?
        expect "$v will published when the client is killed (not on clean disconnect)" "$SUB_OUT" "$P/will/killed gone" "$st"
    else
        fail "$v will published when the client is killed (not on clean disconnect)" "subscriber not acknowledged"
    fi
}

suite_v5_only() {
    local V=mqttv5
    local P="interop/mosq/$RUN/v5x"
    local st

    # --- user properties, in order, with a duplicate key
    if start_sub -V mqttv5 -q 1 -t "$P/props" -C 1 -F '%P|%p'; then
        pub -V mqttv5 -q 1 -t "$P/props" -m body \
            -D publish user-property k v -D publish user-property a 1 -D publish user-property k v2
        wait_sub
        st=$?
        expect "v5 user properties forwarded in order" "$SUB_OUT" "k:v a:1 k:v2|body" "$st"
    else
        fail "v5 user properties forwarded in order" "subscriber not acknowledged"
    fi

    # --- other publish properties
    if start_sub -V mqttv5 -q 1 -t "$P/props2" -C 1 -F '%C|%R|%D|%F|%p'; then
        pub -V mqttv5 -q 1 -t "$P/props2" -m '{"a":1}' \
            -D publish content-type application/json -D publish response-topic "$P/reply" \
            -D publish correlation-data c0ffee -D publish payload-format-indicator 1
        wait_sub
        st=$?
        expect "v5 content type, response topic, correlation data, payload format forwarded" "$SUB_OUT" \
            "application/json|$P/reply|c0ffee|1|{\"a\":1}" "$st"
    else
        fail "v5 content type, response topic, correlation data, payload format forwarded" "subscriber not acknowledged"
    fi

    # --- message expiry: a retained message with an expiry interval
    pub -V mqttv5 -q 1 -r -t "$P/exp/short" -m short -D publish message-expiry-interval 1
    pub -V mqttv5 -q 1 -r -t "$P/exp/long" -m long -D publish message-expiry-interval 20
    sleep 2.2
    if start_sub -V mqttv5 -q 1 -t "$P/exp/#" -W 2 -F '%t %E %p'; then
        wait_sub
        st=$?
        local got e
        got=$(msgs "$SUB_OUT")
        e=$(echo "$got" | awk '{print $2}')
        # The expired one must not be delivered; the other is forwarded with
        # its interval lowered by the time it waited [MQTT-3.3.2-6].
        if [[ $(echo "$got" | wc -l) == 1 && "$got" == "$P/exp/long "*" long" && "$e" =~ ^[0-9]+$ && $e -lt 20 && $e -ge 15 ]]; then
            ok "v5 message expiry: expired retained message dropped, remaining interval lowered"
        else
            fail "v5 message expiry: expired retained message dropped, remaining interval lowered" \
                "expected one line '$P/exp/long <15..19> long', got [$(echo "$got" | paste -sd'|')] (exit $st)"
        fi
    else
        fail "v5 message expiry: expired retained message dropped, remaining interval lowered" "subscriber not acknowledged"
    fi
    pub -V mqttv5 -q 1 -r -n -t "$P/exp/long"

    # --- message expiry while queued for an offline persistent session
    local id="interop-mosq-$RUN-v5-expiry"
    if start_sub -V mqttv5 -c -x 300 -i "$id" -q 1 -t "$P/expq" -E; then
        wait_sub
        pub -V mqttv5 -q 1 -t "$P/expq" -m stale -D publish message-expiry-interval 1
        pub -V mqttv5 -q 1 -t "$P/expq" -m fresh
        sleep 2.2
        run_sub -V mqttv5 -c -x 0 -i "$id" -q 1 -t "$P/expq" -C 1 -W 2 -v
        st=$?
        expect "v5 message expiry: expired message not delivered from offline queue" "$SUB_OUT" "$P/expq fresh" "$st"
    else
        fail "v5 message expiry: expired message not delivered from offline queue" "first connection not acknowledged"
    fi
}

suite_v31() {
    # MQTT 3.1 (protocol name MQIsdp): one QoS 1 round trip.
    local P="interop/mosq/$RUN/v31" st
    if start_sub -V mqttv31 -q 1 -t "$P/#" -C 1 -v; then
        pub -V mqttv31 -q 1 -t "$P/x" -m hello31
        wait_sub
        st=$?
        expect "v31 qos1 round trip" "$SUB_OUT" "$P/x hello31" "$st"
    else
        fail "v31 qos1 round trip" "subscriber not acknowledged: $(tr '\n' '|' <"$SUB_OUT")"
    fi
}

for tool in mosquitto_pub mosquitto_sub; do
    if ! command -v "$tool" >/dev/null; then
        fail "mosquitto clients installed" "$tool not found"
        exit 1
    fi
done

suite_version mqttv311
suite_version mqttv5
suite_v5_only
suite_v31

echo "mosquitto: $PASS passed, $FAILED failed"
[[ $FAILED == 0 ]]
