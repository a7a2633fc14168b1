#!/usr/bin/env bash
# sip-proxy.sh start|stop|restart PORT — run the release sip-proxy on
# 127.0.0.1:PORT (UDP and TCP) for the ../shared/tools/peers harness, with
# its pid in /tmp/sip-proxy-PORT.pid (what compare.py's pidfile= wants).
# Extra sip-proxy flags: SIP_PROXY_ARGS. Stops only the pid it wrote.
exec "$(dirname "$0")/program.sh" sip-proxy "$@"
