#!/usr/bin/env bash
# The whole test suite, on a fresh machine: provisions PostgreSQL (scripts/postgres.sh) and Debian's
# Chromium, installs the npm MCP servers the tests run, builds the dashboard and runs its Vitest
# tests, builds and runs every .NET test project (the browser tests among them), validates the
# deployment files offline (deploy/validate), runs the official MCP Inspector and conformance suite
# against /mcp, and ends with one line 'N passed, N failed' totalling every suite.
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

echo "== Chromium (browser tests)"
if [[ ! -x /usr/bin/chromium ]]; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed: the browser tests will fail"
fi
/usr/bin/chromium --version 2>/dev/null || true

passed=0 failed=0 status=0
# The names of what failed, repeated just above the closing line so that the end of the output says it.
failures=()

echo "== Dashboard (src/Omni2.Host/Dashboard/web): build into wwwroot, Vitest"
web=src/Omni2.Host/Dashboard/web
vitest_json="$(mktemp)"
# The host's own MSBuild target (npm ci and the Vite build, each only when stale), as every dotnet build runs it.
if dotnet msbuild src/Omni2.Host/Omni2.Host.csproj -t:BuildDashboard -nologo -v:m; then
  (cd "$web" && npx vitest run --reporter=default --reporter=json --outputFile.json="$vitest_json") || status=1
  # Vitest's JSON report counts the tests; no report means it failed before counting.
  read -r vp vf < <(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.numPassedTests, r.numFailedTests)' "$vitest_json" 2>/dev/null || echo "0 1")
  passed=$((passed + vp)); failed=$((failed + vf))
  [[ $vf -ne 0 ]] && failures+=("Vitest: $vf failed (see above)")
else
  echo "the dashboard did not build"
  status=1; failed=$((failed + 1)); failures+=("the dashboard build")
fi
rm -f "$vitest_json"

echo "== .NET"
log="$(mktemp)"
# Build in parallel, then test one project at a time: the integration tests time real silos and
# the browser tests drive Chromium, and on two cores each would skew the other's timings.
{ dotnet build Omni2.Orleans.sln --configuration Release && dotnet test Omni2.Orleans.sln --configuration Release --no-build -m:1; } 2>&1 | tee "$log"
dotnet_status=${PIPESTATUS[0]}

# dotnet test prints one summary per test project: "Passed!  - Failed: 0, Passed: 26, Skipped: 0, ..."
read -r dp df < <(grep -E '^(Passed|Failed)!' "$log" \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\2 \1/' \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
# The console logger names each failed test on a line "  Failed Namespace.Class.Method(...) [duration]".
while IFS= read -r line; do failures+=(".NET: $line"); done < <(grep -E '^\s+Failed [A-Za-z]' "$log" | sed -E 's/^\s+Failed //')
# and the first lines of each one's error message, repeated at the end too.
dotnet_failures="$(grep -A8 -E '^\s+Failed [A-Za-z]' "$log" | cut -c1-400)"
rm -f "$log"
if [[ $dotnet_status -ne 0 && $df -eq 0 ]]; then
  df=1 # the build or a test host failed before reporting
fi
passed=$((passed + dp)); failed=$((failed + df))
[[ $dotnet_status -ne 0 ]] && status=$dotnet_status

# Adds a suite to the totals: its closing 'N passed, N failed' line (in the log file $1) and its exit status ($2).
add_suite() {
  local p f
  read -r p f < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/')
  p=${p:-0} f=${f:-0}
  if [[ $2 -ne 0 && $f -eq 0 ]]; then f=1; fi # failed before reporting
  [[ $f -ne 0 ]] && failures+=("$3: $f failed (see above)")
  passed=$((passed + p)) failed=$((failed + f))
  if [[ $2 -ne 0 && $status -eq 0 ]]; then status=$2; fi
}

echo "== Deployment files (offline: k8s/, docker-compose.yml, Dockerfiles)"
deploy_log="$(mktemp)"
{ (cd deploy/validate && npm ci --no-audit --no-fund --loglevel=error) && node deploy/validate/validate.mjs; } 2>&1 | tee "$deploy_log"
add_suite "$deploy_log" "${PIPESTATUS[0]}" "deployment validation"
rm -f "$deploy_log"

echo "== MCP Inspector and conformance suite against /mcp"
conformance_log="$(mktemp)"
bash tests/mcp-conformance/run.sh 2>&1 | tee "$conformance_log"
add_suite "$conformance_log" "${PIPESTATUS[0]}" "Inspector and conformance"
rm -f "$conformance_log"

# Each benchmark counts as one test: it fails when broken (error responses, wrong bytes, a missed
# state), never on its numbers.
for mode in api calls detect push scale storm failover mcp-memory dashboard reload scale-out catalog; do
  echo "== benchmark $mode (bench/run.sh --quick $mode)"
  if bash bench/run.sh --quick "$mode"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    status=1
    failures+=("benchmark $mode")
  fi
done

if [[ ${#failures[@]} -gt 0 ]]; then
  [[ -n $dotnet_failures ]] && { echo "== .NET failures, first lines"; echo "$dotnet_failures"; }
  echo "== failed"
  printf '  %s\n' "${failures[@]}"
fi

[[ $failed -gt 0 && $status -eq 0 ]] && status=1
echo "$passed passed, $failed failed"
exit "$status"
