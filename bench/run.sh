#!/usr/bin/env bash
# The benchmarks (see BENCHMARKS.md); each prints markdown rows on stdout.
#   api    GET /api/v1/mcp/tools/capabilities over 1,000 servers × 10 tools against a static endpoint
#          serving the same bytes from the same Kestrel, loaded by wrk with 64 connections.
#          Then /mcp tools/list and resources/list (stateless 2026-07-28 POSTs) over the same catalog.
#   push   a transition published by a grain until a SignalR client on the other silo of a
#          two-silo cluster on PostgreSQL receives it.
#   calls  an echo tool on a fleet server called directly with the MCP SDK against the same call
#          through Omni2's REST API and its /mcp endpoint, sequential and at 32 concurrent.
#   detect a fleet server breaks (a tool call through Omni2 fails) or is killed (its stream resets):
#          time until the status changes at a SignalR client and in the REST API.
#   scale  one silo process on PostgreSQL with 0, 1,000 and 10,000 fleet servers checked every 30 s:
#          CPU, memory, checks/s and check lag over three intervals each; then RSS, GC heap and GC committed
#          after a full collection, per server (--servers 3000,10000: other sizes, one after another).
#   storm  1,000 fleet servers killed at once (--servers N --fail K: K of N; --interval S: their check interval):
#          API latency, SignalR messages per client per second, time until everything shows the new state,
#          whether every client ends with it, critical alerts, commits and connections, recovery.
#   catalog the catalog and the hub's snapshot with 100,000 synthetic servers in one host: the cost of a status
#          event, a batch of checks and a resync, a read after a swap, a SignalR client's paged snapshot.
#   failover one of two silo processes on PostgreSQL is killed (SIGKILL) or hangs (SIGSTOP): time until
#          the survivor shows each of its servers checked again there, the survivor's own failures
#          shown meanwhile, and no false 'disconnected' in the health log.
#   mcp-memory one silo process with 10 fleet servers (100 tools): 1,000,000 stateless 2026-07-28
#          tools/list requests from one user to /mcp, then 10,000 whole sessions (initialize ... DELETE):
#          the silo's RSS before, after and at its peak, its GC heap, and the session records left.
#   dashboard the dashboard in headless Chromium with 1,000 and 10,000 stateful fleet servers: sign-in until
#          the summary counts them all, each search keystroke until it is on screen, the longest gap
#          between animation frames while every server fails at once and while they recover.
#   reload two silo processes on PostgreSQL: a plain SQL insert, update and disable of a row of omni2.mcp_servers
#          until the REST API of both shows what the grain applied (p50/p99/max of 50 each), then one UPDATE
#          disabling 10,000 healthy servers (a NOTIFY storm): how long, and how many registry calls it cost.
#   scale-out 1, 2 and 3 silo processes on one PostgreSQL (a fresh cluster each) with 1,000 and then 10,000
#          stateless fleet servers checked every 30 s: per silo and in total CPU, RSS, checks/s against the
#          schedule, check lag, PostgreSQL writes/s, the time to register them all through the API, and how
#          many servers each silo owns (--servers 1000,10000 --silos 1,2,3 by default).
#   bash bench/run.sh           everything, full size (about 65 minutes)
#   bash bench/run.sh --quick   small and short: proves every benchmark still works (CI); numbers are rough
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq wrk >&2
fi

flags=() modes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --servers|--silos|--interval|--fail) flags+=("$1" "$2"); shift 2 ;;
    --*) flags+=("$1"); shift ;;
    *) modes+=("$1"); shift ;;
  esac
done
[[ ${#modes[@]} -eq 0 ]] && modes=(api calls detect push scale storm failover mcp-memory dashboard reload scale-out catalog)

dotnet build --configuration Release bench/Omni2.Benchmarks >&2
# push, scale, storm, failover, mcp-memory, dashboard, reload and scale-out need PostgreSQL: the test command's, or one started here.
export OMNI2_TEST_POSTGRES="${OMNI2_TEST_POSTGRES:-$(scripts/postgres.sh start)}"
for mode in "${modes[@]}"; do
  dotnet run --no-build --configuration Release --project bench/Omni2.Benchmarks -- "$mode" "${flags[@]}"
done
