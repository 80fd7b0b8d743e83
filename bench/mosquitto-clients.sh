#!/usr/bin/env bash
# A second opinion on bench/compare.sh: the load comes from Mosquitto's own
# clients, not from `midge bench`. Publishers (`mosquitto_pub -l`, one message
# per input line, as fast as the client goes) flood one `mosquitto_sub`
# subscriber on Mosquitto 2 and on `midge broker`, side by side on loopback;
# the table shows messages received of sent and the time until the last one
# (a subscriber still missing messages after 30 s gives up: they were dropped).
# Both brokers run at their defaults: Mosquitto queues at most 1,000 QoS 1/2
# messages per client (max_queued_messages) and drops the rest; midge holds
# fast publishers back instead (see "Flow control" in the README).
#
# Usage: bench/mosquitto-clients.sh [messages, default 200000]
# QoS 1 and 2 runs send a tenth as many: mosquitto_pub slows down on long
# inputs at QoS > 0 whichever the broker, which would measure the client.
# Installs mosquitto and mosquitto-clients (Debian) when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-200000}
MOSQ_PORT=${MOSQ_PORT:-18885}
MIDGE_PORT=${MIDGE_PORT:-18886}
WATCHDOG=30

# shellcheck source=bench/brokers.sh
source bench/brokers.sh

# 63-byte messages (64 with the newline mosquitto_pub -l strips).
LINE=$(printf '%063d' 0)

# run NAME PORT QOS PUBLISHERS MESSAGES: prints one table row.
run() {
    local name=$1 port=$2 qos=$3 pubs=$4 n=$5
    local per=$((n / pubs)) total
    total=$((per * pubs))
    awk -v n="$per" -v l="$LINE" 'BEGIN { for (i = 0; i < n; i++) print l }' > "$WORK/part"
    mosquitto_sub -p "$port" -t 'independent/#' -q "$qos" -C "$total" -W "$WATCHDOG" > "$WORK/out" 2>/dev/null &
    local sub=$!
    sleep 0.3
    local t0 t1 pids=()
    t0=$(date +%s.%N)
    for i in $(seq "$pubs"); do
        mosquitto_pub -p "$port" -t "independent/$i" -q "$qos" -l < "$WORK/part" &
        pids+=($!)
    done
    wait "$sub" 2>/dev/null || true
    t1=$(date +%s.%N)
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    local got
    got=$(wc -l < "$WORK/out")
    awk -v n="$name" -v q="$qos" -v p="$pubs" -v g="$got" -v t="$total" -v t0="$t0" -v t1="$t1" \
        'BEGIN {
            s = t1 - t0
            printf "%-10s QoS %s  %2s -> 1   %8d / %-8d %7.2f s ", n, q, p, g, t, s
            if (g < t) printf "%10s  %d never arrived\n", "-", t - g
            else printf "%10.0f msg/s\n", g / s
        }'
}

printf '\n%-10s %-6s %-8s %19s %9s %14s\n' broker qos pubs "received / sent" time rate
for qos in 0 1 2; do
    n=$N
    [[ $qos != 0 ]] && n=$((N / 10))
    for pubs in 1 16; do
        run mosquitto "$MOSQ_PORT" "$qos" "$pubs" "$n"
        run midge "$MIDGE_PORT" "$qos" "$pubs" "$n"
    done
done
