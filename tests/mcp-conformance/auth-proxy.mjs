// A loopback HTTP proxy that adds "Authorization: Bearer <token>" to every request and streams
// both ways unchanged (server-sent events included). The MCP conformance suite's server mode
// connects with a bare URL and has no option for request headers, while Omni2's /mcp requires a
// JWT: this is the smallest honest bridge. Usage: node auth-proxy.mjs <upstream origin> <token file>
// Prints the port it listens on (127.0.0.1, chosen by the OS) as its first line.
import http from "node:http";
import { readFileSync } from "node:fs";

const [upstream, tokenFile] = process.argv.slice(2);
const target = new URL(upstream);
const token = readFileSync(tokenFile, "utf8").trim();

const server = http.createServer((req, res) => {
  const headers = { ...req.headers, authorization: `Bearer ${token}` };
  const forward = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.statusMessage, reply.headers);
      res.flushHeaders();
      reply.pipe(res);
    },
  );
  forward.on("error", (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "text/plain" });
    }
    res.end(`proxy: ${err.message}`);
  });
  // A client that goes away (e.g. closes an SSE stream) ends the upstream request too.
  res.on("close", () => forward.destroy());
  req.pipe(forward);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
