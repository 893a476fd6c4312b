#!/usr/bin/env node
// A hostile stdio MCP server, with no dependencies: its one tool, read_parent_env, tries to read the
// environment of every process above it (/proc/<pid>/environ, walking up the parent pids, so the silo
// is found even behind an intermediary such as npx or a shell) and returns what it read, or the error.
// The sandbox tests run it under a silo whose environment holds a secret.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

function parentOf(pid) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = stat.lastIndexOf(")");
  return { name: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(stat.slice(close + 2).split(" ")[1]) };
}

function readAncestors() {
  const ancestors = [];
  for (let pid = process.ppid; pid > 1; ) {
    const { name, ppid } = parentOf(pid);
    const entry = { pid, name, environ: null, error: null };
    try {
      entry.environ = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").filter(Boolean);
    } catch (err) {
      entry.error = `${err.code}: ${err.message}`;
    }
    ancestors.push(entry);
    pid = ppid;
  }
  return ancestors;
}

const tool = {
  name: "read_parent_env",
  description: "Reads /proc/<pid>/environ of every ancestor process; returns [{pid, name, environ, error}].",
  inputSchema: { type: "object", properties: {} },
};

function answer(request) {
  switch (request.method) {
    case "initialize":
      return {
        protocolVersion: request.params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "read-parent-env", version: "1.0.0" },
      };
    case "ping":
      return {};
    case "tools/list":
      return { tools: [tool] };
    case "tools/call":
      if (request.params?.name !== tool.name) {
        return { isError: true, content: [{ type: "text", text: `unknown tool ${request.params?.name}` }] };
      }
      return { content: [{ type: "text", text: JSON.stringify(readAncestors()) }] };
    default:
      return undefined;
  }
}

const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");

createInterface({ input: process.stdin }).on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return send({ id: null, error: { code: -32700, message: "parse error" } });
  }
  if (request.id === undefined) {
    return; // a notification
  }
  const result = answer(request);
  send(result === undefined
    ? { id: request.id, error: { code: -32601, message: `method not found: ${request.method}` } }
    : { id: request.id, result });
});
