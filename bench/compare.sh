#!/usr/bin/env bash
# Runs the same `midge bench` scenarios against Mosquitto 2 and `midge broker`
# side by side on loopback and prints a table with the ratio.
#
# Usage: bench/compare.sh [seconds per run, default 10]
# Installs Mosquitto from Debian when missing and builds midge in release
# mode (bench/brokers.sh). Not part of CI: it takes a few minutes and
# wants an otherwise idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${1:-10}
MOSQ_PORT=${MOSQ_PORT:-18883}
MIDGE_PORT=${MIDGE_PORT:-18884}

# shellcheck source=bench/brokers.sh
source bench/brokers.sh

# name | target ratio (or "le" for "no worse", "kb" for a memory bound) | metric | bench arguments
SCENARIOS=(
    # First, while both brokers are fresh: the RSS delta is then all connections.
    "RSS per idle connection (5,000), bytes|kb|rss|conn -c 5000"
    "fan-in 16->1, QoS 0|3|delivery_rate|fanin -c 16 -q 0 -w 5000"
    "fan-in 16->1, QoS 1|4|delivery_rate|fanin -c 16 -q 1 -w 5000"
    "fan-out 1->64, QoS 0|8|delivery_rate|fanout -c 64 -q 0 -w 5000"
    "fan-out 1->64, QoS 1|15|delivery_rate|fanout -c 64 -q 1 -w 5000"
    "32 pairs, QoS 1|12|delivery_rate|pairs -c 32 -q 1 -w 5000"
    "p99 ms, fan-in 10k msg/s, QoS 0|le|p99|fanin -c 16 -q 0 -r 10000"
    "p99 ms, fan-in 10k msg/s, QoS 1|le|p99|fanin -c 16 -q 1 -r 10000"
)

run_bench() { # port pid args...
    local port=$1 pid=$2
    shift 2
    # shellcheck disable=SC2068
    "$MIDGE" bench $@ -p "$port" -V 311 -d "$DURATION" --broker-pid "$pid" --json
}

printf '\n%-42s %14s %14s %8s %8s  %s\n' "scenario" "mosquitto" "midge" "ratio" "target" "ok"
RESULTS="$WORK/results.jsonl"
for line in "${SCENARIOS[@]}"; do
    IFS='|' read -r name target metric args <<<"$line"
    m=$(run_bench "$MOSQ_PORT" "$MOSQ_PID" $args)
    sleep 1
    d=$(run_bench "$MIDGE_PORT" "$MIDGE_PID" $args)
    sleep 1
    printf '{"name":"%s","target":"%s","metric":"%s","mosquitto":%s,"midge":%s}\n' \
        "$name" "$target" "$metric" "$m" "$d" >>"$RESULTS"
    python3 - "$name" "$target" "$metric" "$m" "$d" <<'PY'
import json, sys
name, target, metric, m, d = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5])
def value(r):
    if metric == "p99":
        return r["latency"]["p99_ms"]
    if metric == "rss":
        return r.get("broker_bytes_per_connection") or float("nan")
    return r[metric]
mv, dv = value(m), value(d)
if metric == "p99":
    ratio = mv / dv if dv else float("inf")
    ok = dv <= mv
    tgt = "<= mosq"
elif metric == "rss":
    ratio = dv / mv if mv else float("nan")
    ok = dv <= 2048
    tgt = "<= 2 KB"
else:
    ratio = dv / mv if mv else float("inf")
    ok = ratio >= float(target)
    tgt = f">= {target}x"
lossy = [r for r in (m, d) if r.get("lost", 0) or r.get("duplicates", 0)]
note = ""
if d.get("lost") or d.get("duplicates"):
    note += f" midge lost {d.get('lost')} dup {d.get('duplicates')}"
if m.get("lost") or m.get("duplicates"):
    note += f" mosquitto lost {m.get('lost')} dup {m.get('duplicates')}"
cpu = f" cpu bench {d['bench_cpu_percent']:.0f}%/{m['bench_cpu_percent']:.0f}% broker {d.get('broker_cpu_percent') or 0:.0f}%/{m.get('broker_cpu_percent') or 0:.0f}%"
print(f"{name:<42} {mv:>14,.1f} {dv:>14,.1f} {ratio:>7.2f}x {tgt:>8}  {'yes' if ok else 'NO'}{note}{cpu}")
PY
done
cp "$RESULTS" target/bench-compare.jsonl
echo
echo "full reports (JSON lines): target/bench-compare.jsonl"
