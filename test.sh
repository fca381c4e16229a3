#!/usr/bin/env bash
# The test command: every package, with the race detector on the packages
# whose concurrency it checks (it needs cgo, so only where a C compiler is).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"

race_pkgs="./runtime/ ./sqlite/ ./notify/ ./fsblob/"
if command -v gcc >/dev/null 2>&1; then
  CGO_ENABLED=1 go test -race -count=1 $race_pkgs
elif [ "${CI:-}" = true ]; then
  echo "test.sh: the race detector needs gcc (apt-get install gcc); under CI it must run" >&2
  exit 1
else
  echo "test.sh: gcc not found, race detector skipped (apt-get install gcc to run it)" >&2
fi
CGO_ENABLED=0 go test -count=1 -timeout 20m ./...
