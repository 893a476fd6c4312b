#!/usr/bin/env bash
# The HTTP API benchmark (see BENCHMARKS.md): GET /api/v1/mcp/tools/capabilities over 1,000 servers
# × 10 tools against a static endpoint serving the same bytes from the same Kestrel, loaded by wrk
# with 64 connections. Prints a markdown table on stdout, progress on stderr.
#   bash bench/run.sh           3 × 10 s per endpoint after a 5 s warm-up (about 3 minutes)
#   bash bench/run.sh --quick   one short run each: proves the benchmark still works (CI); numbers are rough
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

exec dotnet run --configuration Release --project bench/Omni2.Benchmarks -- api "$@"
