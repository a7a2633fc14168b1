#!/usr/bin/env bash
# sip-responder.sh start|stop|restart PORT — run the release sip-responder
# example (200 to every request through the transaction layer) on UDP
# 127.0.0.1:PORT for the ../shared/tools/peers harness, with its pid in
# /tmp/sip-responder-PORT.pid. Extra flags: SIP_RESPONDER_ARGS.
exec "$(dirname "$0")/program.sh" sip-responder "$@"
