#!/usr/bin/env bash
# Real MCP clients that Omni2 did not write, against its /mcp gateway: the official MCP Inspector
# CLI and the official conformance suite (server mode), both from npm and both on Node 22 from npm
# (the package node-linux-<arch>), so nothing but npm and NuGet is needed on a fresh machine.
#
# Installs its packages (npm ci here and in tests/mcp-servers), builds the host, starts it in the
# embedded default (no PostgreSQL) on a free port with a throwaway signing key and the official
# server-everything as its one server, waits for that server to be healthy, runs checks.mjs, stops
# the host. One line per check; the last line is 'N passed, N failed'; exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work="$(mktemp -d)"
host_pid="" proxy_pid=""

stop() {
  for pid in $proxy_pid $host_pid; do
    kill "$pid" 2>/dev/null
  done
  for pid in $proxy_pid $host_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  done
  host_pid="" proxy_pid=""
}
trap 'stop; rm -rf "$work"' EXIT

# A setup step that failed: show why, count it as the one failure, stop.
abort() {
  echo "FAIL $1"
  [[ -n "${2:-}" && -f "$2" ]] && tail -n 20 "$2" | cut -c1-240 | sed 's/^/     | /'
  echo "0 passed, 1 failed"
  exit 1
}

npm_ci() { (cd "$1" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >>"$work/npm.log" 2>&1; }
npm_ci "$here" || abort "setup: npm ci in tests/mcp-conformance" "$work/npm.log"
npm_ci "$root/tests/mcp-servers" || abort "setup: npm ci in tests/mcp-servers" "$work/npm.log"
node22="$here/node_modules/.bin/node"
[[ "$("$node22" --version 2>/dev/null)" == v22.* ]] || abort "setup: Node 22 from npm (node-linux-$(uname -m)) is not runnable" "$work/npm.log"
everything="$root/tests/mcp-servers/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
[[ -f "$everything" ]] || abort "setup: server-everything is not installed"

dotnet build "$root/src/Omni2.Host" -c Release -nologo -v q >"$work/build.log" 2>&1 || abort "setup: dotnet build src/Omni2.Host" "$work/build.log"
dll="$root/src/Omni2.Host/bin/Release/net10.0/Omni2.Host.dll"

# The embedded default, configured only by the environment: the content root is the scratch folder,
# so appsettings.json's npx server does not come along. A cluster id of its own keeps this silo apart
# from any other embedded Omni2 on the machine (they share the localhost clustering ports).
port="$("$node22" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export Urls="http://127.0.0.1:$port"
export Auth__SigningKey="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export Orleans__ClusterId="omni2-conformance-$$" Orleans__ServiceId="omni2-conformance-$$"
export Logging__LogLevel__Default=Warning
export Omni2__Servers__0__Name=everything Omni2__Servers__0__Transport=stdio Omni2__Servers__0__Command="$node22"
export Omni2__Servers__0__Args__0="$everything" Omni2__Servers__0__Args__1=stdio
# Configured servers pass the API's validator: this Node 22 binary, named by its path, goes on the allow list.
export Omni2__Stdio__AllowedCommands__3="$node22"

token() { (cd "$work" && dotnet "$dll" token --role "$1" --user "conformance-$1") 2>>"$work/token.log"; }
OPERATOR_TOKEN="$(token operator)" && VIEWER_TOKEN="$(token viewer)" && [[ -n "$OPERATOR_TOKEN" && -n "$VIEWER_TOKEN" ]] \
  || abort "setup: Omni2.Host token" "$work/token.log"
export OPERATOR_TOKEN VIEWER_TOKEN
printf '%s' "$OPERATOR_TOKEN" >"$work/operator.token"

(cd "$work" && exec dotnet "$dll") >"$work/host.log" 2>&1 &
host_pid=$!

# Ready, and the everything server healthy (its tools are then in the catalog).
"$node22" - "$Urls" "$OPERATOR_TOKEN" >"$work/wait.log" 2>&1 <<'EOF' || { cp "$work/host.log" "$work/host-before-stop.log"; stop; cat "$work/wait.log" >>"$work/host-before-stop.log"; abort "setup: host ready with 'everything' healthy within 90 s" "$work/host-before-stop.log"; }
const [url, token] = process.argv.slice(2);
const deadline = Date.now() + 90_000;
let last = "";
while (Date.now() < deadline) {
  try {
    const ready = await fetch(`${url}/health/ready`);
    if (ready.ok) {
      const servers = await (await fetch(`${url}/api/v1/mcp/tools/servers`, { headers: { authorization: `Bearer ${token}` } })).json();
      const everything = servers.servers.find((s) => s.name === "everything");
      last = JSON.stringify(everything);
      if (everything?.health_status === "healthy" && everything.tool_count > 0) process.exit(0);
    }
  } catch (e) {
    last = e.message;
  }
  await new Promise((r) => setTimeout(r, 500));
}
console.error(`not ready: ${last}`);
process.exit(1);
EOF

# The conformance suite takes a bare URL, with no way to add headers: a loopback proxy adds the token.
"$node22" "$here/auth-proxy.mjs" "$Urls" "$work/operator.token" >"$work/proxy.port" 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do [[ -s "$work/proxy.port" ]] && break; sleep 0.1; done
[[ -s "$work/proxy.port" ]] || { stop; abort "setup: auth proxy" "$work/proxy.log"; }

OMNI2_URL="$Urls" PROXY_URL="http://127.0.0.1:$(head -n 1 "$work/proxy.port")" WORK="$work" \
  "$node22" "$here/checks.mjs" 2>"$work/checks.log" | tee "$work/out.txt"
checks_status=${PIPESTATUS[0]}
cp "$work/host.log" "$work/host-before-stop.log" # what it said while checked, not its shutdown
stop

passed=$(grep -c '^PASS' "$work/out.txt")
failed=$(grep -c '^FAIL' "$work/out.txt")
if [[ $checks_status -ne 0 ]]; then
  echo "FAIL checks.mjs exited $checks_status"
  tail -n 20 "$work/checks.log" | sed 's/^/     | /'
  failed=$((failed + 1))
fi
if [[ $failed -gt 0 ]]; then
  echo "     host log before it was stopped (last lines):"
  tail -n 20 "$work/host-before-stop.log" | cut -c1-240 | sed 's/^/     | /'
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
