#!/usr/bin/env bash
# sip-proxy.sh start|stop|restart PORT — run the release sip-proxy on
# 127.0.0.1:PORT (UDP and TCP) for the ../shared/tools/peers harness, with
# its pid in /tmp/sip-proxy-PORT.pid (what compare.py's pidfile= wants).
# Extra sip-proxy flags: SIP_PROXY_ARGS. Stops only the pid it wrote.
set -euo pipefail
cmd="${1:-}"; port="${2:-}"
[[ "$cmd" =~ ^(start|stop|restart)$ && "$port" =~ ^[0-9]+$ ]] || { sed -n '2,5p' "$0" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/target/release/sip-proxy"
pidfile="/tmp/sip-proxy-$port.pid"

stop() {
    [[ -f "$pidfile" ]] || return 0
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q sip-proxy; then
        kill -INT "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
}

start() {
    [[ -x "$bin" ]] || (cd "$root" && cargo build --release -p sip-examples --bin sip-proxy)
    # shellcheck disable=SC2086
    nohup "$bin" --listen "127.0.0.1:$port" --pidfile "$pidfile" --log warn ${SIP_PROXY_ARGS:-} \
        > "/tmp/sip-proxy-$port.log" 2>&1 < /dev/null &
    for _ in $(seq 1 100); do [[ -f "$pidfile" ]] && return 0; sleep 0.05; done
    echo "sip-proxy did not start, see /tmp/sip-proxy-$port.log" >&2
    exit 1
}

case "$cmd" in
start) start ;;
stop) stop ;;
restart) stop; start ;;
esac
