#!/usr/bin/env bash
# The test command: every package, with the race detector on the packages
# whose concurrency it checks (it needs cgo, so only where a C compiler is).
# The output is plain go test's (tools/testsummary reads go test -json),
# then the count of passed, failed and skipped tests, and each skip's reason.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"

summary=$(mktemp -d)/testsummary
trap 'rm -rf "$(dirname "$summary")"' EXIT
CGO_ENABLED=0 go build -o "$summary" ./tools/testsummary

race_pkgs="./runtime/ ./sqlite/ ./notify/ ./fsblob/ ./httpapi/ ./nats/ ./relay/ ./postgres/"
if command -v gcc >/dev/null 2>&1; then
  echo "== race detector: $race_pkgs"
  CGO_ENABLED=1 go test -race -count=1 -json $race_pkgs | "$summary"
elif [ "${CI:-}" = true ]; then
  echo "test.sh: the race detector needs gcc (apt-get install gcc); under CI it must run" >&2
  exit 1
else
  echo "test.sh: gcc not found, race detector skipped (apt-get install gcc to run it)" >&2
fi
echo "== every package"
CGO_ENABLED=0 go test -count=1 -timeout 20m -json ./... | "$summary"
