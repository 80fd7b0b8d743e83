#!/usr/bin/env bash
# Installs the third-party MQTT clients the interop suites use, when missing:
# mosquitto-clients (Debian), paho-mqtt 2.x (PyPI, in tests/interop/.venv) and
# MQTT.js 5.x (npm, in tests/interop/node). A client that cannot be installed
# fails the run: CI must not skip silently. Idempotent and quick when present.
# Usage: tests/interop/install.sh   (scripts/test.sh runs it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

INTEROP=tests/interop

interop_die() {
    echo "error: interop install: $*" >&2
    exit 1
}

# Runs a command as root: directly when root, else through sudo.
as_root() {
    if [[ $(id -u) == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "error: need root or sudo to run: $*" >&2
        return 1
    fi
}

# apt_install PKG...: apt-get install; apt-get update only if the first try fails.
apt_install() {
    echo "    installing Debian packages: $*"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@")
    as_root "${apt[@]}" && return 0
    echo "    apt-get install failed: running apt-get update and retrying"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q && as_root "${apt[@]}"
}

# Mosquitto command-line clients (Debian package).
if command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null; then
    echo "    mosquitto-clients: present ($(mosquitto_sub --help 2>/dev/null | sed -n 2p))"
else
    apt_install mosquitto-clients || interop_die "cannot install the Debian package mosquitto-clients"
fi
command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null ||
    interop_die "mosquitto_pub/mosquitto_sub still not found after installing mosquitto-clients"

# The Mosquitto broker (Debian), for Midge's client tools against another broker.
if command -v mosquitto >/dev/null || [[ -x /usr/sbin/mosquitto ]]; then
    echo "    mosquitto (broker): present"
else
    apt_install mosquitto || interop_die "cannot install the Debian package mosquitto"
fi

# Python: paho-mqtt 2.x in tests/interop/.venv (the user site if venv is unavailable).
PAHO_SPEC='paho-mqtt>=2,<3'
paho_ok() {
    "$1" -c 'import sys, paho.mqtt; sys.exit(0 if paho.mqtt.__version__.startswith("2.") else 1)' 2>/dev/null
}
if ! command -v python3 >/dev/null; then
    apt_install python3 || interop_die "cannot install python3"
fi
if paho_ok "$INTEROP/.venv/bin/python"; then
    echo "    paho-mqtt: present in $INTEROP/.venv"
else
    if [[ ! -x "$INTEROP/.venv/bin/python" ]] || ! "$INTEROP/.venv/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$INTEROP/.venv"
        echo "    creating virtualenv $INTEROP/.venv (python3 -m venv)"
        python3 -m venv "$INTEROP/.venv" || rm -rf "$INTEROP/.venv"
    fi
    if [[ -x "$INTEROP/.venv/bin/python" ]]; then
        echo "    installing $PAHO_SPEC into $INTEROP/.venv"
        "$INTEROP/.venv/bin/python" -m pip install -q --disable-pip-version-check "$PAHO_SPEC" ||
            interop_die "pip could not install $PAHO_SPEC into $INTEROP/.venv"
    elif paho_ok python3; then
        echo "    paho-mqtt: python3 -m venv unavailable; using the one in python3's user site"
    else
        echo "    python3 -m venv unavailable: installing $PAHO_SPEC with pip install --user"
        if ! python3 -m pip --version >/dev/null 2>&1; then
            apt_install python3-pip || interop_die "cannot install python3-pip"
        fi
        python3 -m pip install -q --disable-pip-version-check --user "$PAHO_SPEC" ||
            python3 -m pip install -q --disable-pip-version-check --user --break-system-packages "$PAHO_SPEC" ||
            interop_die "pip install --user $PAHO_SPEC failed"
    fi
fi
paho_ok "$INTEROP/.venv/bin/python" || paho_ok python3 ||
    interop_die "paho-mqtt 2.x is not importable after installing it"

# Node.js: MQTT.js 5.x from tests/interop/node/package-lock.json.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm || interop_die "cannot install the Debian packages nodejs and npm"
fi
mqttjs_ok() {
    (cd "$INTEROP/node" && node -e 'process.exit(require("./node_modules/mqtt/package.json").version.startsWith("5.") ? 0 : 1)') 2>/dev/null
}
# Up to date when npm's record of node_modules is not older than the lock file.
if mqttjs_ok && [[ -f "$INTEROP/node/node_modules/.package-lock.json" &&
    ! "$INTEROP/node/package-lock.json" -nt "$INTEROP/node/node_modules/.package-lock.json" ]]; then
    echo "    MQTT.js: present in $INTEROP/node/node_modules (node $(node --version))"
else
    echo "    installing MQTT.js (mqtt ^5) in $INTEROP/node with npm ci (node $(node --version), npm $(npm --version 2>/dev/null))"
    (cd "$INTEROP/node" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }) ||
        interop_die "npm could not install $INTEROP/node"
fi
mqttjs_ok || interop_die "MQTT.js 5.x is not installed in $INTEROP/node/node_modules after npm ci"

