#!/usr/bin/env bash
# Seeds the fuzz corpora from the shared conformance corpus. Nothing here is
# committed: fuzz/corpus/ is ignored by git.
#
#   fuzz/seed.sh                 # corpus from ../../shared/corpus
#   SIP_CORPUS=/path fuzz/seed.sh
#
# corpus/message/ and corpus/stream/: every RFC 4475 and RFC 5118 torture
# message and every misc/*.sip message, byte for byte. The RFC 5118 files are
# archived with bare LF; a CRLF copy of each (`*.crlf`, the wire form the
# corpus README describes) is added so the fuzzer starts past the first line.
# corpus/uri/: every distinct URI found in those messages (Request-URIs and
# anything between < and > that starts with a scheme), one per file.
# corpus/transaction_inputs/: op sequences in the layout the target's doc
# comment gives: RFC 3261 flows (UAC and UAS, INVITE and non-INVITE, CANCEL,
# ACK, RFC 2543 matching, TCP, IPv6, rport, overload, transport errors)
# under a few layer configurations, and every misc/*.sip message and a few
# RFC 4475 messages delivered as one datagram and then answered.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src="${SIP_CORPUS:-$here/../../shared/corpus}"
if [ ! -d "$src" ]; then
  src=/work/shared/corpus
fi
if [ ! -f "$src/MANIFEST.tsv" ]; then
  echo "error: no corpus at $src (set SIP_CORPUS)" >&2
  exit 1
fi

msg="$here/corpus/message"
uri="$here/corpus/uri"
stream="$here/corpus/stream"
mkdir -p "$msg" "$uri" "$stream"

n=0
for f in "$src"/rfc4475/*.dat "$src"/rfc5118/*.dat "$src"/misc/*.sip; do
  [ -f "$f" ] || continue
  name="$(basename "$(dirname "$f")")-$(basename "$f")"
  cp "$f" "$msg/$name"
  cp "$f" "$stream/$name"
  n=$((n + 1))
done
for f in "$src"/rfc5118/*.dat; do
  [ -f "$f" ] || continue
  name="rfc5118-$(basename "$f").crlf"
  # As the corpus README says: every LF becomes CRLF, then CRLF is added if
  # the result does not end in CRLF CRLF.
  awk '{ sub(/\r$/, ""); printf "%s\r\n", $0 }' "$f" > "$msg/$name"
  if [ "$(tail -c 4 "$msg/$name" | od -An -tx1 | tr -d ' \n')" != "0d0a0d0a" ]; then
    printf '\r\n' >> "$msg/$name"
  fi
  cp "$msg/$name" "$stream/$name"
  n=$((n + 1))
done

# URIs: the second field of a Request-Line, and every <...>.
{
  for f in "$msg"/*; do
    head -n 1 "$f" | tr -d '\r' | awk '$1 !~ /^SIP\// && NF >= 2 { print $2 }'
    grep -aoE '<[^<>[:cntrl:]]+>' "$f" | sed 's/^<//; s/>$//' || true
  done
} | { grep -aE '^[A-Za-z][A-Za-z0-9+.-]*:' || true; } | LC_ALL=C sort -u | while IFS= read -r u; do
  [ -n "$u" ] || continue
  h="$(printf '%s' "$u" | sha1sum | cut -c1-40)"
  printf '%s' "$u" > "$uri/$h"
done

echo "seeded $n messages into $msg and $stream, $(ls "$uri" | wc -l) URIs into $uri"

# transaction_inputs: each seed is `config op*`, written from hex bytes.
# op = dt kind args; dt 00 = 0 ms, 81 = 100 ms, 83 = 300 ms, c1 = 1 s,
# e0 = 32 s. Kinds: 00 raw (src len:u16le bytes), 01 template (src t0-t6),
# 02 send_request, 03 send_cancel, 04 send_response (i status tag),
# 05 send_stateless, 06 handle_timeout, 07 transport error,
# 08 send_stateless_response, 09 jump to poll_timeout.
txn="$here/corpus/transaction_inputs"
mkdir -p "$txn"
seed() { # name hex...
  local name="$1"
  shift
  # shellcheck disable=SC2059 # the format is the bytes
  printf "$(printf '\\x%s' "$@")" > "$txn/$name"
}
jumps="00 09 00 09 00 09 00 09 00 09 00 09 00 09 00 09"
# Template ops (`01 src t0..t6`): t0 0-4 INVITE ACK CANCEL BYE OPTIONS,
# 8 answer a sent request (t1 which, t6 status index: 01 180, 04 200,
# 0e 486, 0f 487), 9/10 the peer's ACK/CANCEL for a server INVITE,
# 11 replay. src 00 UDP 127.0.0.1:5060, 01 TCP, 04 a NATed port, 06 IPv6.
declare -A flows=(
  # UAC: OPTIONS answered 200; OPTIONS unanswered (Timer E, F).
  [uac-options-200]="00 02 00 81 01 00 08 00 00 01 00 00 04 $jumps"
  [uac-options-timeout]="00 02 00 $jumps $jumps"
  # UAC INVITE: 180, 200, ACK sent statelessly; 100 then 486 twice
  # (the ACK is repeated); 180, CANCEL, 200 to CANCEL, 487.
  [uac-invite-200]="00 02 01 81 01 00 08 00 00 01 00 00 01 81 01 00 08 00 00 01 00 00 04 00 05 00 00 $jumps"
  [uac-invite-486]="00 02 01 81 01 00 08 00 00 01 00 00 00 81 01 00 08 00 00 01 00 00 0e 81 01 00 08 00 00 01 00 00 0e $jumps"
  [uac-invite-cancel]="00 02 01 81 01 00 08 00 00 01 00 00 01 c1 03 00 81 01 00 08 01 00 01 00 00 04 81 01 00 08 00 00 01 00 00 0f $jumps"
  [uac-invite-ringing-forever]="00 02 01 81 01 00 08 00 00 01 00 00 01 $jumps"
  [uac-invite-tcp]="00 02 03 81 01 01 08 00 00 01 00 00 01 81 01 01 08 00 00 01 00 00 04 $jumps"
  [uac-invite-large-to-tcp]="00 02 21 81 01 01 08 00 00 01 00 00 04 $jumps"
  [uac-invite-timeout]="00 02 01 $jumps $jumps"
  [uac-transport-error]="00 02 01 81 07 01 $jumps"
  # Stray and mismatched responses: an unknown branch; our branch with
  # another CSeq method.
  [uac-stray]="00 02 00 81 01 00 06 00 01 00 06 00 00 $jumps"
  [uac-wrong-cseq]="00 02 00 81 01 00 06 02 70 00 06 00 00 $jumps"
  # UAS INVITE: Timer 100 Trying, 180, 486, peer ACK; 200 then the ACK
  # goes up; CANCEL then 200/487 and ACK.
  [uas-invite-486-ack]="00 01 00 00 08 01 00 00 00 00 83 06 00 04 00 01 01 00 04 00 0e 01 81 01 00 09 00 00 00 00 00 00 $jumps"
  [uas-invite-200-ack]="00 01 00 00 08 01 00 00 00 00 00 04 00 04 01 81 01 00 09 00 00 00 00 00 00 $jumps"
  [uas-invite-cancel]="00 01 00 00 08 01 00 00 00 00 00 04 00 01 01 81 01 00 0a 00 00 00 00 00 00 00 04 01 04 01 00 04 00 0f 01 81 01 00 09 00 00 00 00 00 00 $jumps"
  [uas-invite-retransmit]="00 01 00 00 08 01 00 00 00 00 83 06 00 01 00 0b 00 00 00 00 00 00 00 04 00 0e 01 81 01 00 0b 00 00 00 00 00 00 $jumps"
  [uas-invite-no-ack]="00 01 00 00 08 01 00 00 00 00 00 04 00 0e 01 $jumps $jumps"
  [uas-invite-tcp]="00 01 01 00 08 01 00 00 00 00 00 04 00 0e 01 81 01 01 09 00 00 00 00 00 00 $jumps"
  [uas-invite-ipv6]="00 01 06 00 08 01 00 05 00 00 00 04 00 04 01 $jumps"
  [uas-invite-rport-nat]="00 01 04 00 08 01 00 08 00 00 00 04 00 0e 01 $jumps"
  # RFC 2543 (no magic cookie): INVITE, 486, ACK matched by To tag.
  [uas-invite-rfc2543]="00 01 00 00 09 01 00 00 00 00 00 04 00 0e 01 81 01 00 09 00 00 00 00 00 00 $jumps"
  # UAS non-INVITE: OPTIONS, retransmission, 200, retransmission,
  # stateless re-send of the 200.
  [uas-options]="00 01 00 04 08 01 00 00 00 00 81 01 00 0b 00 00 00 00 00 00 00 04 00 04 01 81 01 00 0b 00 00 00 00 00 00 00 08 00 $jumps"
  [uas-bye-tcp]="00 01 01 03 08 01 01 00 00 00 00 04 00 04 01 $jumps"
  # Malformed: a Request-URI with ?headers (400), no branch, garbage.
  [uas-bad-uri]="00 01 00 00 08 01 00 00 c0 00 $jumps"
  [uas-no-branch]="00 01 00 04 03 01 00 00 00 00 $jumps"
  [raw-garbage]="00 00 00 08 00 49 4e 56 49 54 45 20 20 $jumps"
  # Four INVITEs (overload config 12 answers the fourth 503).
  [uas-many]="00 01 00 00 08 01 00 00 00 00 00 01 00 00 10 01 00 00 00 00 00 01 00 00 18 01 00 00 00 00 00 01 00 00 20 01 00 00 00 00 $jumps"
)
for name in "${!flows[@]}"; do
  for cfg in 00 12 2d; do
    # shellcheck disable=SC2086 # word splitting makes the bytes
    seed "$name-cfg$cfg" "$cfg" ${flows[$name]}
  done
done
# Real messages as one datagram each, then answered and timed out.
for f in "$src"/misc/*.sip "$src"/rfc4475/{wsinv,inv2543,dblreq,mcl01,unreason,noreason}.dat; do
  [ -f "$f" ] || continue
  len=$(wc -c < "$f")
  name="raw-$(basename "$(dirname "$f")")-$(basename "$f")"
  {
    printf '\x00\x00\x00\x00'
    # shellcheck disable=SC2059
    printf "$(printf '\\x%02x\\x%02x' $((len & 255)) $((len >> 8)))"
    cat "$f"
    # shellcheck disable=SC2059,SC2086
    printf "$(printf '\\x%s' 81 04 00 04 01 $jumps)"
  } > "$txn/$name"
done
echo "seeded $(ls "$txn" | wc -l) op sequences into $txn"
