// Self-checks: the validator must reject broken deployment files. Each one copies the deployment files
// into a temporary folder, breaks one thing, and expects the named check to report a problem; a first
// self-check makes sure the unbroken copy passes, so a rejection is the breakage's doing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCheck, schemaChecks, staticChecks } from "./checks.mjs";

const COPIED = ["README.md", "Dockerfile", ".dockerignore", "docker-compose.yml", ".env.example", "k8s", "sql", "deploy/compose", "tests/Omni2.Testing.McpServer/Dockerfile"];

function copyRepo(root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "omni2-validate-"));
  for (const rel of COPIED) {
    const from = path.join(root, rel);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, rel), { recursive: true });
  }
  // Project files only: the restore check follows ProjectReferences.
  for (const base of ["src", "tests"]) {
    if (!fs.existsSync(path.join(root, base))) continue;
    for (const project of fs.readdirSync(path.join(root, base))) {
      const folder = path.join(root, base, project);
      if (!fs.statSync(folder).isDirectory()) continue;
      for (const f of fs.readdirSync(folder).filter((f) => f.endsWith(".csproj"))) {
        fs.mkdirSync(path.join(dir, base, project), { recursive: true });
        fs.copyFileSync(path.join(folder, f), path.join(dir, base, project, f));
      }
    }
  }
  return dir;
}

/** Replaces `from` (a string: first occurrence; a RegExp) in a copied file, failing loudly if absent. */
function edit(dir, rel, from, to) {
  const file = path.join(dir, rel);
  const text = fs.readFileSync(file, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`self-check setup: '${from}' not found in ${rel}`);
  fs.writeFileSync(file, next);
}

const CASES = [
  ["a Deployment whose replicas is a string", "k8s schema", (d) => edit(d, "k8s/silo.yaml", "replicas: 2", 'replicas: "two"')],
  ["a misspelt container field (imagePullPolcy)", "k8s schema", (d) => edit(d, "k8s/silo.yaml", "imagePullPolicy:", "imagePullPolcy:")],
  ["an object of an unknown kind", "k8s schema", (d) => fs.appendFileSync(path.join(d, "k8s/config.yaml"), "---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")],
  ["an IngressRoute route with a misspelt field (midlewares)", "k8s schema", (d) => edit(d, "k8s/ingress.yaml", "middlewares:", "midlewares:")],
  ["a kustomization resource that does not exist", "k8s: kustomization.yaml resolves", (d) => edit(d, "k8s/kustomization.yaml", "  - rbac.yaml", "  - rbac.yaml\n  - missing.yaml")],
  ["a configMapGenerator file that does not exist", "k8s: kustomization.yaml resolves", (d) => edit(d, "sql/kustomization.yaml", "      - apply.sh", "      - apply.sh\n      - 999_missing.sql")],
  ["a configMapGenerator file outside its kustomization (../sql/...)", "k8s: kustomization.yaml resolves", (d) => fs.appendFileSync(path.join(d, "k8s/kustomization.yaml"), "configMapGenerator:\n  - name: direct-sql\n    files:\n      - ../sql/apply.sh\n")],
  ["a new sql/ script left out of sql/kustomization.yaml", "k8s: sql/kustomization.yaml", (d) => fs.writeFileSync(path.join(d, "sql/020_new.sql"), "SELECT 1;\n")],
  ["a secretKeyRef to a key the Secret lacks", "k8s: references resolve", (d) => edit(d, "k8s/silo.yaml", "key: signing-key", "key: signing-keys")],
  ["a ForwardAuth Middleware addressing an undefined Service", "k8s: references resolve", (d) => edit(d, "k8s/ingress.yaml", "omni2.omni2.svc", "omni2-auth.omni2.svc")],
  ["a silo pod without the orleans/clusterId label", "k8s: silo Deployment", (d) => edit(d, "k8s/silo.yaml", "        orleans/clusterId: omni2\n", "")],
  ["a Role that may not delete pods", "k8s: silo Deployment", (d) => edit(d, "k8s/rbac.yaml", '"list", "delete"', '"list"')],
  ["an IngressRoute /api route without ForwardAuth", "k8s: Traefik IngressRoute", (d) => edit(d, "k8s/ingress.yaml", /(PathPrefix\(`\/api`\)\n\s+priority: 200\n)\s+middlewares:\n\s+- name: omni2-forward-auth\n/, "$1")],
  ["a ${VAR} missing from .env.example", "compose: every ${VAR}", (d) => edit(d, "docker-compose.yml", "POSTGRES_DB: omni2", "POSTGRES_DB: ${OMNI2_UNDEFINED_DB}")],
  ["depends_on naming a service that does not exist", "compose: depends_on", (d) => edit(d, "docker-compose.yml", "    depends_on:\n      omni2-silo-1:", "    depends_on:\n      omni2-silo-9:")],
  ["two services publishing the same host port", "compose: published host ports", (d) => edit(d, "docker-compose.yml", "  mcp-csharp:\n", '  mcp-csharp:\n    ports: ["8080:8080"]\n')],
  ["a service without a healthcheck", "compose: every service has a healthcheck", (d) => edit(d, "docker-compose.yml", /(  mcp-csharp:[\s\S]*?)    healthcheck:\n(      .*\n)+/, "$1")],
  ["an unpinned public image (node:latest)", "compose: images", (d) => edit(d, "docker-compose.yml", "image: node:22.19.0-bookworm-slim", "image: node:latest")],
  ["an image that is neither built nor well known", "compose: images", (d) => edit(d, "docker-compose.yml", "image: traefik:v3.5.3", "image: someone/traefik-fork:1.0.0")],
  ["sql/ mounted as the postgres initdb folder", "compose: postgres applies sql/", (d) => edit(d, "docker-compose.yml", "./deploy/compose/initdb:/docker-entrypoint-initdb.d:ro", "./sql:/docker-entrypoint-initdb.d:ro")],
  ["a ForwardAuth address naming an undefined host", "compose: Traefik routes", (d) => edit(d, "deploy/compose/traefik/dynamic.yml", "http://omni2-api:8080", "http://omni2-auth:8080")],
  ["a ForwardAuth address with another path", "compose: Traefik routes", (d) => edit(d, "deploy/compose/traefik/dynamic.yml", "8080/api/v1/auth/verify", "8080/api/v1/verify")],
  ["the /ws router without ForwardAuth", "compose: Traefik routes", (d) => edit(d, "deploy/compose/traefik/dynamic.yml", /(rule: "PathPrefix\(`\/ws`\)"\n\s+priority: 200\n)\s+middlewares: \[omni2-forward-auth\]\n/, "$1")],
  // Hardening.
  ["silo pods without anti-affinity", "k8s: silo pods on distinct nodes", (d) => edit(d, "k8s/silo.yaml", /      affinity:\n(        .*\n)+/, "")],
  ["an anti-affinity that only prefers distinct nodes", "k8s: silo pods on distinct nodes", (d) => edit(d, "k8s/silo.yaml", "requiredDuringSchedulingIgnoredDuringExecution:\n            - topologyKey", "preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 100\n              podAffinityTerm:\n                topologyKey")],
  ["an anti-affinity per zone instead of per node", "k8s: silo pods on distinct nodes", (d) => edit(d, "k8s/silo.yaml", "topologyKey: kubernetes.io/hostname", "topologyKey: topology.kubernetes.io/zone")],
  ["a silo container with a writable root filesystem", "k8s: read-only root filesystems", (d) => edit(d, "k8s/silo.yaml", /readOnlyRootFilesystem: true(\n\s+capabilities:\n\s+drop: \["ALL"\]\n      volumes:)/, "readOnlyRootFilesystem: false$1")],
  ["a PostgreSQL container with a writable root filesystem", "k8s: read-only root filesystems", (d) => edit(d, "k8s/postgres.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")],
  ["a read-only silo without HOME mounted (npx's cache)", "k8s: read-only root filesystems", (d) => edit(d, "k8s/silo.yaml", "            - name: home\n              mountPath: /home/app\n", "")],
  ["a read-only silo whose /tmp mount is read-only", "k8s: read-only root filesystems", (d) => edit(d, "k8s/silo.yaml", "              mountPath: /tmp\n            - name: home", "              mountPath: /tmp\n              readOnly: true\n            - name: home")],
  ["an IngressRoute also on the plain-HTTP entry point", "k8s: IngressRoutes on Traefik's TLS entry point", (d) => edit(d, "k8s/ingress.yaml", "    - websecure\n", "    - web\n    - websecure\n")],
  ["an IngressRoute without a TLS certificate", "k8s: IngressRoutes on Traefik's TLS entry point", (d) => edit(d, "k8s/ingress.yaml", "  tls:\n    secretName: omni2-tls\n", "")],
  ["a TLS Secret k8s/README.md never creates", "k8s: IngressRoutes on Traefik's TLS entry point", (d) => edit(d, "k8s/README.md", /create secret tls omni2-tls/g, "create secret tls omni2-other")],
  ["a TLS Secret shipped in the kustomization", "k8s: IngressRoutes on Traefik's TLS entry point", (d) => fs.appendFileSync(path.join(d, "k8s/secret.yaml"), "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: omni2-tls\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: x\n  tls.key: x\n")],
  ["a k8s image on a floating major (postgres:17)", "k8s: container images", (d) => edit(d, "k8s/postgres.yaml", "image: postgres:17.6", "image: postgres:17")],
  ["a compose image on a floating minor (traefik:v3.5)", "compose: images", (d) => edit(d, "docker-compose.yml", "image: traefik:v3.5.3", "image: traefik:v3.5")],
  ["a Dockerfile base image on a floating minor (aspnet:10.0)", "Dockerfile: base images", (d) => edit(d, "Dockerfile", "dotnet/aspnet:10.0.12", "dotnet/aspnet:10.0")],
  ["a Dockerfile base image on a floating major (node:22-bookworm-slim)", "Dockerfile: base images", (d) => edit(d, "Dockerfile", "node:22.19.0-bookworm-slim", "node:22-bookworm-slim")],
  // Closed doors.
  ["a Dockerfile exposing the gateway port 30000", "no Orleans gateway port", (d) => edit(d, "Dockerfile", "EXPOSE 8080 11111", "EXPOSE 8080 11111 30000")],
  ["compose silos setting Orleans__GatewayPort", "no Orleans gateway port", (d) => edit(d, "docker-compose.yml", '  Orleans__SiloPort: "11111"\n', '  Orleans__SiloPort: "11111"\n  Orleans__GatewayPort: "30000"\n')],
  ["a k8s silo container with a gateway port", "no Orleans gateway port", (d) => edit(d, "k8s/silo.yaml", "              containerPort: 11111\n", "              containerPort: 11111\n            - name: gateway\n              containerPort: 30000\n")],
  ["an upstream MCP container on the cluster network", "compose: silo-to-silo traffic", (d) => edit(d, "docker-compose.yml", "    networks: [upstreams]\n", "    networks: [upstreams, cluster]\n")],
  ["a cluster network that is not internal", "compose: silo-to-silo traffic", (d) => edit(d, "docker-compose.yml", "    internal: true\n", "")],
  ["silos listening on every interface", "compose: silo-to-silo traffic", (d) => edit(d, "docker-compose.yml", 'Orleans__ListenOnAnyHostAddress: "false"', 'Orleans__ListenOnAnyHostAddress: "true"')],
  ["a silo advertising its container name (it resolves on every network)", "compose: silo-to-silo traffic", (d) => edit(d, "docker-compose.yml", "Orleans__AdvertisedIPAddress: omni2-silo-2.cluster", "Orleans__AdvertisedIPAddress: omni2-silo-2")],
  ["compose silos without AllowedHosts", "compose: two silos", (d) => edit(d, "docker-compose.yml", '  AllowedHosts: "*"\n', "")],
  ["a compose catch-all route that lets /health through", "compose: no Traefik route", (d) => edit(d, "deploy/compose/traefik/dynamic.yml", /!PathRegexp\(`[^`]*`\)/, "!PathPrefix(`/metrics`)")],
  ["a compose catch-all route that excludes /metrics but not /METRICS", "compose: no Traefik route", (d) => edit(d, "deploy/compose/traefik/dynamic.yml", /!PathRegexp\(`[^`]*`\)/, "!PathPrefix(`/metrics`) && !PathPrefix(`/health`)")],
  ["an access log that keeps RequestPath", "compose: Traefik's access log", (d) => edit(d, "deploy/compose/traefik/traefik.yml", "      RequestPath: drop\n", "")],
  ["an access log that keeps headers", "compose: Traefik's access log", (d) => edit(d, "deploy/compose/traefik/traefik.yml", "    headers:\n      defaultMode: drop", "    headers:\n      defaultMode: keep")],
  ["an access log that keeps the Authorization header", "compose: Traefik's access log", (d) => edit(d, "deploy/compose/traefik/traefik.yml", "        Authorization: drop", "        Authorization: keep")],
  ["an access log in the common format", "compose: Traefik's access log", (d) => edit(d, "deploy/compose/traefik/traefik.yml", "  format: json\n", "")],
  ["a k8s/README.md without the cluster Traefik's access log flags", "compose: Traefik's access log", (d) => edit(d, "k8s/README.md", "--accesslog.fields.names.RequestPath=drop", "--accesslog.fields.names.RequestPath=keep")],
  ["an IngressRoute catch-all that excludes /metrics but not /METRICS", "k8s: no IngressRoute route", (d) => edit(d, "k8s/ingress.yaml", /!PathRegexp\(`[^`]*`\)/, "!PathPrefix(`/metrics`) && !PathPrefix(`/health`)")],
  ["no default-deny NetworkPolicy", "k8s: NetworkPolicy", (d) => edit(d, "k8s/network-policy.yaml", /^[\s\S]*?---\n/, "")],
  ["the silo port open to every pod of the namespace", "k8s: NetworkPolicy", (d) => edit(d, "k8s/network-policy.yaml", /(  ingress:\n    - from:\n        - podSelector:)\n            matchLabels:\n              app.kubernetes.io\/name: omni2\n              app.kubernetes.io\/component: silo\n/, "$1 {}\n")],
  ["HTTP open to anyone (a rule without from)", "k8s: NetworkPolicy", (d) => edit(d, "k8s/network-policy.yaml", "  ingress:\n", "  ingress:\n    - ports:\n        - protocol: TCP\n          port: 8080\n")],
  ["PostgreSQL open to a namespace", "k8s: NetworkPolicy", (d) => edit(d, "k8s/network-policy.yaml", /(port: 8080\n---[\s\S]*?    - from:\n)/, "$1        - namespaceSelector: {}\n")],
  ["a k8s silo without AllowedHosts", "k8s: silo Deployment", (d) => edit(d, "k8s/silo.yaml", "            - name: AllowedHosts\n              value: \"*\"\n", "")],
  [".env.example shipping a signing key", "no signing key ships", (d) => edit(d, ".env.example", "OMNI2_SIGNING_KEY=\n", "OMNI2_SIGNING_KEY=local-only-signing-key-change-me-0123456789abcdef\n")],
  ["a signing key written in docker-compose.yml", "no signing key ships", (d) => edit(d, "docker-compose.yml", /Auth__SigningKey: "[^"]*"/, 'Auth__SigningKey: "local-only-signing-key-change-me-0123456789abcdef"')],
  ["a k8s signing key in the kustomization's Secret", "no signing key ships", (d) => {
    edit(d, "k8s/silo.yaml", "name: omni2-signing-key, key: signing-key", "name: omni2-secrets, key: signing-key");
    edit(d, "k8s/secret.yaml", "  db-password: omni2-local-only\n", "  db-password: omni2-local-only\n  signing-key: local-only-signing-key-change-me-0123456789abcdef\n");
  }],
  ["a k8s/README.md that never creates the signing key's Secret", "no signing key ships", (d) => edit(d, "k8s/README.md", /create secret generic omni2-signing-key/g, "create secret generic omni2-other")],
  ["a Dockerfile ENTRYPOINT running another assembly", "Dockerfile: ENTRYPOINT", (d) => edit(d, "Dockerfile", '"Omni2.Host.dll"]', '"Other.dll"]')],
  ["a Dockerfile ENTRYPOINT in shell form", "Dockerfile: ENTRYPOINT", (d) => edit(d, "Dockerfile", 'ENTRYPOINT ["dotnet", "Omni2.Host.dll"]', "ENTRYPOINT dotnet Omni2.Host.dll")],
  ["a runtime stage running as root", "Dockerfile: the runtime stage runs as a non-root user", (d) => edit(d, "Dockerfile", "USER $APP_UID", "USER root")],
  ["an image without a HEALTHCHECK", "Dockerfile: a HEALTHCHECK on /health/live", (d) => edit(d, "Dockerfile", "HEALTHCHECK --interval", "# HEALTHCHECK --interval")],
  ["a HEALTHCHECK on another path", "Dockerfile: a HEALTHCHECK on /health/live", (d) => edit(d, "Dockerfile", "8080/health/live", "8080/")],
  ["a .dockerignore that lets obj/ into the context", "Dockerfile: .dockerignore", (d) => edit(d, ".dockerignore", "**/obj/\n", "")],
  ["a project left out of the restore layer", "Dockerfile: the restore layer", (d) => edit(d, "Dockerfile", "COPY src/Omni2.Grains/Omni2.Grains.csproj src/Omni2.Grains/\n", "")],
];

async function problemsOf(dir, prefix) {
  if (prefix === "k8s schema") return (await schemaChecks(dir)).flatMap((c) => c.problems);
  const checks = staticChecks.filter((c) => c.name.startsWith(prefix));
  if (checks.length !== 1) throw new Error(`self-check setup: ${checks.length} checks start with '${prefix}'`);
  return runCheck(checks[0], dir);
}

/** [{ name, problems }]: a self-check passes when the broken copy is rejected. */
export async function selfChecks(root) {
  const results = [];
  const baseline = copyRepo(root);
  try {
    const failing = [];
    for (const check of staticChecks) if (runCheck(check, baseline).length > 0) failing.push(check.name);
    for (const check of await schemaChecks(baseline)) if (check.problems.length > 0) failing.push(check.name);
    results.push({ name: "self-check: an unbroken copy of the files passes every check", problems: failing.map((f) => `fails: ${f}`) });
  } finally {
    fs.rmSync(baseline, { recursive: true, force: true });
  }
  for (const [what, prefix, breakIt] of CASES) {
    const dir = copyRepo(root);
    let problems;
    try {
      breakIt(dir);
      problems = (await problemsOf(dir, prefix)).length > 0 ? [] : [`'${prefix}' accepted it`];
    } catch (error) {
      problems = [error.message];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    results.push({ name: `self-check: rejects ${what}`, problems });
  }
  return results;
}
