#!/usr/bin/env bash
# Regenerates Rail's sound cues with sox. The WAVs are committed; run this only to
# change them. Every cue is 44.1 kHz, 16-bit mono.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tone() { sox -D -n -r 44100 -b 16 -c 1 "$@"; }

tone "$tmp/a.wav" synth 0.22 sine 880 fade q 0.005 0.22 0.08 vol 0.7
tone "$tmp/b.wav" synth 0.45 sine 1318.5 fade q 0.005 0.45 0.3 vol 0.7
sox -D "$tmp/a.wav" "$tmp/b.wav" new-ticket.wav

tone "$tmp/beep.wav" synth 0.09 sine 1760 fade q 0.005 0.09 0.02 vol 0.7
tone "$tmp/gap.wav" trim 0 0.05
sox -D "$tmp/beep.wav" "$tmp/gap.wav" "$tmp/beep.wav" "$tmp/gap.wav" "$tmp/beep.wav" rush.wav

tone "$tmp/m1.wav" synth 0.15 sine 1318.5 fade q 0.005 0.15 0.04 vol 0.7
tone "$tmp/m2.wav" synth 0.25 sine 987.8 fade q 0.005 0.25 0.12 vol 0.7
sox -D "$tmp/m1.wav" "$tmp/m2.wav" modified.wav

tone "$tmp/v1.wav" synth 0.25 square 440 fade q 0.005 0.25 0.05 vol 0.35
tone "$tmp/v2.wav" synth 0.4 square 330 fade q 0.005 0.4 0.2 vol 0.35
sox -D "$tmp/v1.wav" "$tmp/v2.wav" voided.wav

tone "$tmp/r1.wav" synth 0.14 sine 1046.5 fade q 0.005 0.14 0.03 vol 0.6
tone "$tmp/r2.wav" synth 0.14 sine 1318.5 fade q 0.005 0.14 0.03 vol 0.6
tone "$tmp/r3.wav" synth 0.5 sine 1568 fade q 0.005 0.5 0.35 vol 0.6
sox -D "$tmp/r1.wav" "$tmp/r2.wav" "$tmp/r3.wav" order-ready.wav

tone link-lost.wav synth 0.7 sine 440:220 fade q 0.01 0.7 0.3 vol 0.6
tone link-restored.wav synth 0.35 sine 660:990 fade q 0.01 0.35 0.1 vol 0.6

# Undelivered (expo): a two-tone alarm, three times — a station's screens do not have a
# ticket.
tone "$tmp/u1.wav" synth 0.16 square 988 fade q 0.005 0.16 0.02 vol 0.3
tone "$tmp/u2.wav" synth 0.16 square 740 fade q 0.005 0.16 0.02 vol 0.3
sox -D "$tmp/u1.wav" "$tmp/u2.wav" "$tmp/u1.wav" "$tmp/u2.wav" "$tmp/u1.wav" "$tmp/u2.wav" undelivered.wav
