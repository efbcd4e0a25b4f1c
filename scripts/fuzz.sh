#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target of the repository, one at a time (go test
# accepts one -fuzz target per package per run), each for FUZZTIME.
#
#   scripts/fuzz.sh            # 10,000 inputs per target, as `make test` runs it
#   scripts/fuzz.sh 2m         # longer, as `make fuzz FUZZTIME=2m` runs it
#
# FUZZTIME is a -fuzztime value: a duration, or a count of inputs such as
# 10000x. make test uses a count because Go before 1.27 can fail a run whose
# duration ends while a worker is busy, with a bare "context deadline
# exceeded" and no failing input (go.dev/issue/75804); a count has no
# deadline to race, on however loaded a machine.
#
# Targets are found with `go test -list` in the packages below, so a new
# FuzzXxx in one of them is picked up without editing this file. A failing
# input is written to the package's testdata/fuzz/FuzzXxx/ directory; commit
# it with the fix so that plain `go test` replays it from then on.
set -euo pipefail

FUZZTIME="${1:-${FUZZTIME:-10000x}}"
GO="${GO:-go}"
PACKAGES=(. ./api ./gateway ./loader ./reliability)

cd "$(dirname "$0")/.."
ran=0
for pkg in "${PACKAGES[@]}"; do
	[ -d "$pkg" ] || continue
	targets=$("$GO" test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in $targets; do
		echo "fuzz: $pkg $target for $FUZZTIME"
		if ! "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"; then
			echo "fuzz: $pkg $target FAILED; the failing input is in $pkg/testdata/fuzz/$target/" >&2
			exit 1
		fi
		ran=$((ran + 1))
	done
done
echo "fuzz: $ran targets passed, $FUZZTIME each"
