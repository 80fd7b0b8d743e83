# Shared by the scripts in bench/: sourced, not run. Installs Mosquitto (and
# its clients) from Debian when missing, builds midge in release mode, and
# starts both brokers side by side on loopback at their defaults.
#
# In: MOSQ_PORT, MIDGE_PORT. Out: WORK (a temporary directory, removed on
# exit), MOSQ_PID, MIDGE_PID, MIDGE (the midge binary). Both brokers are
# stopped on exit.

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! command -v mosquitto_pub >/dev/null || { ! command -v mosquitto >/dev/null && [[ ! -x /usr/sbin/mosquitto ]]; }; then
    echo "==> installing mosquitto and mosquitto-clients (Debian packages)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto mosquitto-clients ||
        { as_root apt-get update -q &&
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto mosquitto-clients; }
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

echo "==> cargo build --release -p midge"
cargo build --release --locked -q -p midge
MIDGE=target/release/midge

WORK=$(mktemp -d)
cleanup() {
    [[ -n ${MOSQ_PID:-} ]] && kill "$MOSQ_PID" 2>/dev/null || true
    [[ -n ${MIDGE_PID:-} ]] && kill "$MIDGE_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/mosquitto.conf" <<CONF
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
persistence false
log_type error
CONF
# Each run needs its file descriptors (5,000 connections in the conn scenario).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$MOSQUITTO" -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
MOSQ_PID=$!
"$MIDGE" broker -p "$MIDGE_PORT" --data-dir "$WORK/midge-data" --log-level warn > "$WORK/midge.log" 2>&1 &
MIDGE_PID=$!
for port in "$MOSQ_PORT" "$MIDGE_PORT"; do
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
done
