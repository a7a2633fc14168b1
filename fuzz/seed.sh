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
