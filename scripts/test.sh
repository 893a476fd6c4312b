#!/usr/bin/env bash
# The whole test suite, on a fresh machine: provisions PostgreSQL (scripts/postgres.sh), installs
# the npm MCP servers the tests run, builds and runs every .NET test project, and ends with one
# line 'N passed, N failed' totalling every suite.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== PostgreSQL"
OMNI2_TEST_POSTGRES="$(scripts/postgres.sh start)" || { echo "PostgreSQL could not be started"; echo "0 passed, 1 failed"; exit 1; }
export OMNI2_TEST_POSTGRES
echo "$OMNI2_TEST_POSTGRES"

echo "== npm MCP servers"
(cd tests/mcp-servers && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== .NET"
log="$(mktemp)"
dotnet test Omni2.Orleans.sln --configuration Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test project: "Passed!  - Failed: 0, Passed: 26, Skipped: 0, ..."
read -r passed failed < <(grep -E '^(Passed|Failed)!' "$log" \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\2 \1/' \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
rm -f "$log"
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1 # the build or a test host failed before reporting
fi

# Counted as one test: it fails on a broken benchmark (error responses, wrong bytes), never on its numbers.
echo "== benchmark (bench/run.sh --quick)"
if bash bench/run.sh --quick; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
