#!/usr/bin/env bash
# The whole test suite, on a fresh machine: provisions PostgreSQL (scripts/postgres.sh), installs
# the npm MCP servers the tests run, builds and runs every .NET test project, validates the deployment
# files offline (deploy/validate), and ends with one line 'N passed, N failed' totalling every suite.
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

# Adds a suite to the totals: its closing 'N passed, N failed' line (in the log file $1) and its exit status ($2).
add_suite() {
  local p f
  read -r p f < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/')
  p=${p:-0} f=${f:-0}
  if [[ $2 -ne 0 && $f -eq 0 ]]; then f=1; fi # failed before reporting
  passed=$((passed + p)) failed=$((failed + f))
  if [[ $2 -ne 0 && $status -eq 0 ]]; then status=$2; fi
}

echo "== Deployment files (offline: k8s/, docker-compose.yml, Dockerfiles)"
deploy_log="$(mktemp)"
{ (cd deploy/validate && npm ci --no-audit --no-fund --loglevel=error) && node deploy/validate/validate.mjs; } 2>&1 | tee "$deploy_log"
add_suite "$deploy_log" "${PIPESTATUS[0]}"
rm -f "$deploy_log"

echo "== MCP Inspector and conformance suite against /mcp"
conformance_log="$(mktemp)"
bash tests/mcp-conformance/run.sh 2>&1 | tee "$conformance_log"
add_suite "$conformance_log" "${PIPESTATUS[0]}"
rm -f "$conformance_log"

echo "$passed passed, $failed failed"
exit "$status"
