#!/usr/bin/env bash
# register-memory.sh SECONDS — resident memory per 100,000 registrations
# for sip-proxy and Kamailio, each freshly started, each flooded with
# REGISTERs (a new AoR each) by ../shared/tools/peers/bench-registrar.sh
# for SECONDS. Prints one line per server:
#   NAME registrations=N rss_before_kb=A rss_after_kb=B kb_per_100k=C cpu_s_per_100k=D
# sip-proxy: growth of the VmRSS of its one process. Kamailio: growth of
# its shared-memory pool's real_used (kamcmd core.shmmem), where usrloc
# keeps the bindings; its per-process private memory does not grow with
# them. CPU: user+system time of the server's processes over the run.
set -euo pipefail
secs="${1:-10}"
here="$(cd "$(dirname "$0")" && pwd)"
peers="$(cd "$here/../../../shared/tools/peers" && pwd)"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { local s; s="$(cat "/proc/$1/stat")"; s="${s##*) }"; set -- $s; echo $(( ${12} + ${13} )); }
tree_ticks() { local t=0 p; for p in $(pgrep -P "$1") "$1"; do t=$(( t + $(cpu_ticks "$p") )); done; echo "$t"; }
hz="$(getconf CLK_TCK)"

# sip-proxy
"$here/sip-proxy.sh" restart 5070
pid="$(cat /tmp/sip-proxy-5070.pid)"
b="$(rss_kb "$pid")"; t0="$(tree_ticks "$pid")"
out="$(SUT_PID="$pid" "$peers/bench-registrar.sh" 127.0.0.1 5070 "$secs" | tail -1)"
a="$(rss_kb "$pid")"; t1="$(tree_ticks "$pid")"
ok="$(echo "$out" | tr ' ' '\n' | sed -n 's/^ok=//p')"
awk -v n="$ok" -v b="$b" -v a="$a" -v c="$((t1 - t0))" -v hz="$hz" 'BEGIN {
    printf "sip-proxy registrations=%d rss_before_kb=%d rss_after_kb=%d kb_per_100k=%.0f cpu_s_per_100k=%.2f\n",
        n, b, a, (a - b) * 100000 / n, c / hz * 100000 / n }'
"$here/sip-proxy.sh" stop 5070

# Kamailio
"$peers/kamailio.sh" stop 5060 > /dev/null 2>&1 || true
KAM_SHM=1024 "$peers/kamailio.sh" start 5060 > /dev/null
sleep 1
kpid="$(cat /tmp/kamailio-5060.pid)"
shm() { kamcmd -s unix:/tmp/kamailio-5060.ctl core.shmmem | awk '/real_used/ {print int($2 / 1024)}'; }
b="$(shm)"; t0="$(tree_ticks "$kpid")"
out="$(SUT_PID="$kpid" "$peers/bench-registrar.sh" 127.0.0.1 5060 "$secs" | tail -1)"
a="$(shm)"; t1="$(tree_ticks "$kpid")"
ok="$(echo "$out" | tr ' ' '\n' | sed -n 's/^ok=//p')"
awk -v n="$ok" -v b="$b" -v a="$a" -v c="$((t1 - t0))" -v hz="$hz" 'BEGIN {
    printf "kamailio registrations=%d shm_used_before_kb=%d shm_used_after_kb=%d kb_per_100k=%.0f cpu_s_per_100k=%.2f\n",
        n, b, a, (a - b) * 100000 / n, c / hz * 100000 / n }'
"$peers/kamailio.sh" stop 5060 > /dev/null
