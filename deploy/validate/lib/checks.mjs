// The checks, each { name, run(root) => problems[] }, run against a repository root (the real one, or a
// broken copy in the self-checks).
import path from "node:path";
import * as compose from "./compose.mjs";
import * as docker from "./dockerfile.mjs";
import * as doors from "./doors.mjs";
import * as hardening from "./hardening.mjs";
import * as k8s from "./k8s.mjs";

const HOST_PROJECT = "src/Omni2.Host/Omni2.Host.csproj";
const DEMO_DOCKERFILE = "tests/Omni2.Testing.McpServer/Dockerfile";

/** Loads once per root and check run; a load failure becomes that check's problem. */
function memo(load) {
  const cache = new Map();
  return (root) => {
    if (!cache.has(root)) {
      try {
        cache.set(root, { value: load(root) });
      } catch (error) {
        cache.set(root, { error: error.message });
      }
    }
    const entry = cache.get(root);
    if (entry.error) throw new Error(entry.error);
    return entry.value;
  };
}

const kustomization = memo((root) => k8s.loadKustomization(path.join(root, "k8s"), root));
const composeFile = memo((root) => compose.loadCompose(root));

/** Checks whose number does not depend on the files' contents. */
export const staticChecks = [
  // --- Kubernetes
  { name: "k8s: kustomization.yaml resolves (resources exist, generator files exist inside their folder)", run: (root) => kustomization(root).problems },
  { name: "k8s: sql/kustomization.yaml generates omni2-sql from apply.sh and every sql/NNN_*.sql", run: (root) => k8s.sqlGeneratorProblems(kustomization(root), root) },
  { name: "k8s: references resolve (ConfigMaps, Secrets and keys, ServiceAccounts, selectors, ports, Middlewares, ForwardAuth Service)", run: (root) => k8s.referenceProblems([...kustomization(root).objects, ...doors.readmeSecrets(root)], kustomization(root).namespace) },
  { name: "k8s: silo Deployment (Orleans Kubernetes hosting labels + downward API env, RBAC on pods, probes, graceful termination, Services, PDB)", run: (root) => k8s.siloProblems(kustomization(root).objects) },
  { name: "k8s: Traefik IngressRoute: ForwardAuth on /api and /ws, not on /api/v1/auth/; /mcp and / routed", run: (root) => k8s.routeAuthProblems(k8s.ingressRoutes(kustomization(root).objects), (name) => kustomization(root).objects.some((e) => e.object?.kind === "Middleware" && e.object.metadata?.name === name && e.object.spec?.forwardAuth)) },
  { name: "k8s: silo pods on distinct nodes (required podAntiAffinity on kubernetes.io/hostname)", run: (root) => hardening.antiAffinityProblems(kustomization(root).objects) },
  { name: "k8s: read-only root filesystems; /tmp and the silo's HOME mounted writable", run: (root) => hardening.readOnlyRootProblems(kustomization(root).objects) },
  { name: "k8s: IngressRoutes on Traefik's TLS entry point only, certificate from a TLS Secret k8s/README.md creates", run: (root) => hardening.tlsProblems(kustomization(root).objects, doors.readmeSecrets(root)) },
  { name: "k8s: container images are the built image (kustomize images:) or public images pinned by exact version or digest", run: (root) => k8s.imageProblems(kustomization(root).objects, kustomization(root).images) },
  { name: "k8s: no IngressRoute route reaches /metrics or the probes (/health/*), in any letter case", run: (root) => doors.privateRouteProblems(k8s.ingressRoutes(kustomization(root).objects)) },
  { name: "k8s: NetworkPolicy: ingress denied by default; silo port only from silo pods, HTTP only from silo and Traefik pods, PostgreSQL only from silo pods", run: (root) => doors.networkPolicyProblems(kustomization(root).objects) },
  // --- docker compose
  { name: "compose: docker-compose.yml parses; top-level and service keys are compose keys", run: (root) => compose.structureProblems(composeFile(root)) },
  { name: "compose: every ${VAR} is defined in .env.example", run: (root) => compose.variableProblems(composeFile(root)) },
  { name: "compose: images are built here or well-known public images pinned by exact version or digest", run: (root) => compose.imageProblems(composeFile(root)) },
  { name: "compose: depends_on targets exist (service_healthy targets have a healthcheck)", run: (root) => compose.dependsOnProblems(composeFile(root)) },
  { name: "compose: published host ports do not collide", run: (root) => compose.portProblems(composeFile(root)) },
  { name: "compose: every service has a healthcheck", run: (root) => compose.healthcheckProblems(composeFile(root)) },
  { name: "compose: bind mounts exist; volumes and networks are declared", run: (root) => compose.mountProblems(composeFile(root)) },
  { name: "compose: postgres applies sql/ exactly once, in order (apply.sh from a separate mount), healthy only after init", run: (root) => compose.postgresInitProblems(composeFile(root)) },
  { name: "compose: two silos from ./Dockerfile, distinct names, one cluster on the shared PostgreSQL", run: (root) => compose.siloProblems(composeFile(root)) },
  { name: "compose: Traefik routes; ForwardAuth at a defined silo's /api/v1/auth/verify on /api and /ws", run: (root) => compose.traefikProblems(composeFile(root)) },
  { name: "compose: silo-to-silo traffic and PostgreSQL on an internal network only they join (the silo port listens there only); no published ports", run: (root) => doors.clusterNetworkProblems(composeFile(root), compose.isSilo) },
  { name: "compose: no Traefik route reaches /metrics or the probes (/health/*), in any letter case", run: (root) => doors.privateRouteProblems(compose.traefikRouters(compose.traefikFiles(composeFile(root)).dynamic)) },
  { name: "compose: Traefik's access log records no request path (a hub token's query) and no Authorization header; k8s/README.md gives the cluster's Traefik the same flags", run: (root) => doors.accessLogProblems(compose.traefikFiles(composeFile(root)).staticConfig, root) },
  // --- everywhere
  { name: "no Orleans gateway port anywhere (Dockerfile ENV and EXPOSE, compose, k8s container and Service ports, env)", run: (root) => doors.gatewayPortProblems(root, composeFile(root), kustomization(root).objects) },
  { name: "no signing key ships: compose requires one that .env.example leaves empty; k8s reads it from a Secret k8s/README.md creates, outside the kustomization", run: (root) => doors.signingKeyProblems(composeFile(root), compose.isSilo, kustomization(root).objects, root) },
  // --- Dockerfiles and README
  { name: "Dockerfile: ENTRYPOINT runs Omni2.Host (dotnet Omni2.Host.dll, the published src/Omni2.Host)", run: (root) => docker.entrypointProblems(path.join(root, "Dockerfile"), "Omni2.Host", "src/Omni2.Host") },
  { name: "Dockerfile: the runtime stage runs as a non-root user", run: (root) => docker.userProblems(path.join(root, "Dockerfile")) },
  { name: "Dockerfile: a HEALTHCHECK on /health/live", run: (root) => docker.healthcheckProblems(path.join(root, "Dockerfile"), "/health/live") },
  { name: "Dockerfile: base images are well-known images pinned by exact version or digest", run: (root) => docker.baseImageProblems(path.join(root, "Dockerfile")) },
  { name: "Dockerfile: .dockerignore keeps bin/, obj/, node_modules/ and .env out of the build context", run: (root) => docker.dockerignoreProblems(root) },
  { name: "Dockerfile: the restore layer copies every project Omni2.Host references", run: (root) => docker.restoreProblems(root, path.join(root, "Dockerfile"), HOST_PROJECT) },
  { name: `${DEMO_DOCKERFILE}: ENTRYPOINT runs the published demo MCP server, non-root, pinned images`, run: (root) => [
    ...docker.entrypointProblems(path.join(root, DEMO_DOCKERFILE), "Omni2.Testing.McpServer", "tests/Omni2.Testing.McpServer"),
    ...docker.userProblems(path.join(root, DEMO_DOCKERFILE)),
    ...docker.baseImageProblems(path.join(root, DEMO_DOCKERFILE)),
  ] },
  { name: "README.md: `dotnet run --project src/Omni2.Host` and its published `dotnet Omni2.Host.dll`; compose and kubectl apply -k", run: (root) => docker.readmeProblems(root) },
];

/** One schema check per Kubernetes object: [{ name, problems }]. */
export async function schemaChecks(root) {
  let loaded;
  try {
    loaded = kustomization(root);
  } catch (error) {
    return [{ name: "k8s schema: kustomization", problems: [error.message] }];
  }
  return (await k8s.schemaResults(loaded.objects)).map((r) => ({ name: `k8s schema: ${r.label}`, problems: r.problems }));
}

export function runCheck(check, root) {
  try {
    return check.run(root);
  } catch (error) {
    return [error.message];
  }
}
