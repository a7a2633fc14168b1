#!/usr/bin/env bash
# register-memory.sh SECONDS [TARGET ...] — memory and CPU per 100,000
# REGISTERs for each TARGET (default: sip-proxy kamailio), each freshly
# started and flooded with REGISTERs (a new AoR each) by
# ../shared/tools/peers/bench-registrar.sh, twice:
#
#   flood 1 (SECONDS), then a pause of 40 s so that every transaction of
#   flood 1 ends (Timer J is 32 s over UDP), then flood 2 (SECONDS).
#
# "peak" is the growth during flood 1 per 100k REGISTERs: with SECONDS
# under 32 every REGISTER's server transaction is still in Timer J at its
# end, so this is the memory of 100k transactions in flight (plus the
# bindings, for a registrar). "after" is the growth from the start to the
# end of the pause: what stays once the transactions have ended. "bindings"
# is the growth during flood 2 per 100k, when the memory of flood 1's
# ended transactions is reused: what a registration costs once its
# transaction is gone (zero for the responder, which stores nothing).
# CPU is user+system time of the server's processes during flood 1.
#
# Targets:
#   sip-proxy      registrar + proxy (benches/peers/sip-proxy.sh), VmRSS
#   sip-responder  200 to every request through the transaction layer, no
#                  binding kept (benches/peers/sip-responder.sh), VmRSS
#   kamailio       the harness's kamailio.cfg: its shared-memory pool's
#                  real_used (kamcmd core.shmmem), where usrloc keeps the
#                  bindings; it answers REGISTER statelessly (sl_send_reply),
#                  so it keeps no transaction.
set -euo pipefail
secs="${1:-10}"; shift || true
targets=("$@"); [[ ${#targets[@]} -gt 0 ]] || targets=(sip-proxy kamailio)
here="$(cd "$(dirname "$0")" && pwd)"
peers="$(cd "$here/../../../shared/tools/peers" && pwd)"
hz="$(getconf CLK_TCK)"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
ticks() { local s; s="$(cat "/proc/$1/stat")"; s="${s##*) }"; set -- $s; echo $(( ${12} + ${13} )); }
tree_ticks() { local t=0 p; for p in $(pgrep -P "$1") "$1"; do t=$(( t + $(ticks "$p") )); done; echo "$t"; }
flood() { # port pid -> number of successful REGISTERs
    SUT_PID="$2" "$peers/bench-registrar.sh" 127.0.0.1 "$1" "$secs" | tail -1 \
        | tr ' ' '\n' | sed -n 's/^ok=//p'
}
report() { # name n1 m0 m1 n2 m2 m3 cpu_ticks
    awk -v name="$1" -v n1="$2" -v m0="$3" -v m1="$4" -v n2="$5" -v m2="$6" -v m3="$7" -v c="$8" -v hz="$hz" 'BEGIN {
        printf "%s registrations=%d+%d peak_kb_per_100k=%.0f after_kb=%d bindings_kb_per_100k=%.0f cpu_s_per_100k=%.2f (memory kB: %d -> %d, %d -> %d)\n",
            name, n1, n2, (m1 - m0) * 100000 / n1, m2 - m0, (m3 - m2) * 100000 / n2, c / hz * 100000 / n1, m0, m1, m2, m3 }'
}
measure() { # name port pid memory-command
    local name="$1" port="$2" pid="$3" mem="$4" m0 m1 m2 m3 t0 t1 n1 n2
    m0="$($mem)"; t0="$(tree_ticks "$pid")"
    n1="$(flood "$port" "$pid")"
    m1="$($mem)"; t1="$(tree_ticks "$pid")"
    sleep 40
    m2="$($mem)"
    n2="$(flood "$port" "$pid")"
    m3="$($mem)"
    report "$name" "$n1" "$m0" "$m1" "$n2" "$m2" "$m3" "$((t1 - t0))"
}

for target in "${targets[@]}"; do
    case "$target" in
    sip-proxy|sip-responder)
        "$here/program.sh" "$target" restart 5070
        pid="$(cat "/tmp/$target-5070.pid")"
        rss() { rss_kb "$pid"; }
        measure "$target" 5070 "$pid" rss
        "$here/program.sh" "$target" stop 5070 ;;
    kamailio)
        "$peers/kamailio.sh" stop 5060 > /dev/null 2>&1 || true
        KAM_SHM=2048 "$peers/kamailio.sh" start 5060 > /dev/null
        sleep 1
        kpid="$(cat /tmp/kamailio-5060.pid)"
        shm() { kamcmd -s unix:/tmp/kamailio-5060.ctl core.shmmem | awk '/real_used/ {print int($2 / 1024)}'; }
        measure kamailio 5060 "$kpid" shm
        "$peers/kamailio.sh" stop 5060 > /dev/null ;;
    *) echo "unknown target $target (sip-proxy, sip-responder, kamailio)" >&2; exit 2 ;;
    esac
done
