#!/usr/bin/env bash
# Lint both Go modules, the root and the CDK app in infra/, with the pinned
# golangci-lint and the one .golangci.yml at the repository root.
#
#   GOLANGCI_LINT  the golangci-lint binary. make lint installs the pinned one
#                  as .cache/bin/golangci-lint-VERSION and sets this; unset,
#                  the newest such file is used.
#   LINT_INFRA=0   skip infra/ (its type-check loads the whole CDK: slow cold)
#
# Extra arguments go to both runs, e.g. scripts/lint.sh --fix.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${GOLANGCI_LINT:-} ]]; then
	GOLANGCI_LINT=$(ls -1 "$root"/.cache/bin/golangci-lint-v* 2>/dev/null | sort -V | tail -n 1 || true)
fi
lint=${GOLANGCI_LINT:-$root/.cache/bin/golangci-lint-VERSION}
case $lint in
/*) ;;
*/*) lint=$root/$lint ;;
*) lint=$(command -v "$lint" || echo "$lint") ;; # a name on PATH
esac
if [[ ! -x $lint ]]; then
	echo "lint: $lint not found: run make lint, which installs the pinned golangci-lint" >&2
	exit 2
fi

# Both modules are linted even when the first has findings; the exit status
# is non-zero when either has.
status=0
cd "$root"
echo "golangci-lint: module github.com/movieskit/movies" >&2
"$lint" run "$@" ./... || status=1

if [[ ${LINT_INFRA:-1} != 0 ]]; then
	echo "golangci-lint: module github.com/movieskit/movies/infra" >&2
	(cd infra && "$lint" run --config "$root/.golangci.yml" "$@" ./...) || status=1
fi
exit $status
