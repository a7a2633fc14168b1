#!/usr/bin/env bash
# program.sh NAME start|stop|restart PORT — run one of this repository's
# release programs on 127.0.0.1:PORT for the ../shared/tools/peers harness,
# with its pid in /tmp/NAME-PORT.pid (what compare.py's pidfile= wants):
#
#   sip-proxy      the registrar and proxy (UDP and TCP); extra flags: SIP_PROXY_ARGS
#   sip-responder  the transaction-layer responder (UDP); extra flags: SIP_RESPONDER_ARGS
#
# It builds the program if it is missing and stops only the pid it wrote.
set -euo pipefail
name="${1:-}"; cmd="${2:-}"; port="${3:-}"
[[ "$name" =~ ^(sip-proxy|sip-responder)$ && "$cmd" =~ ^(start|stop|restart)$ && "$port" =~ ^[0-9]+$ ]] \
    || { sed -n '2,9p' "$0" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
pidfile="/tmp/$name-$port.pid"
case "$name" in
sip-proxy)
    bin="$root/target/release/sip-proxy"; build=(--bin sip-proxy)
    # shellcheck disable=SC2206
    args=(--listen "127.0.0.1:$port" --log warn ${SIP_PROXY_ARGS:-}) ;;
sip-responder)
    bin="$root/target/release/examples/sip-responder"; build=(--example sip-responder)
    # shellcheck disable=SC2206
    args=(--udp "127.0.0.1:$port" ${SIP_RESPONDER_ARGS:-}) ;;
esac

stop() {
    [[ -f "$pidfile" ]] || return 0
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$name"; then
        kill -INT "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
}

start() {
    [[ -x "$bin" ]] || (cd "$root" && cargo build --release -p sip-examples "${build[@]}")
    nohup "$bin" "${args[@]}" --pidfile "$pidfile" > "/tmp/$name-$port.log" 2>&1 < /dev/null &
    for _ in $(seq 1 100); do [[ -f "$pidfile" ]] && return 0; sleep 0.05; done
    echo "$name did not start, see /tmp/$name-$port.log" >&2
    exit 1
}

case "$cmd" in
start) start ;;
stop) stop ;;
restart) stop; start ;;
esac
