#!/usr/bin/env bash
# The test command: every package, with the race detector on the packages
# whose concurrency it checks (it needs cgo, so only where a C compiler is).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"

race_pkgs="./runtime/ ./sqlite/ ./notify/ ./fsblob/"
if command -v gcc >/dev/null 2>&1; then
  CGO_ENABLED=1 go test -race -count=1 $race_pkgs
fi
CGO_ENABLED=0 go test -count=1 -timeout 20m ./...
