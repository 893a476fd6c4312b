// Closed doors: what the deployment files must not open. No Orleans gateway port; silo-to-silo traffic and
// PostgreSQL on a network the upstream MCP containers do not join (compose) or behind a NetworkPolicy (k8s);
// no public route to /metrics or the probes; no token in Traefik's access log; no signing key shipped.
import path from "node:path";
import { parseDockerfile, stagesOf } from "./dockerfile.mjs";
import { interpolatedVariables, isFile, isPlainObject, read, ruleMatchesPath } from "./util.mjs";

const GATEWAY_KEYS = ["Orleans__GatewayPort", "Orleans__GatewayListeningEndpoint"];
const GATEWAY_PORT = 30000;
const SILO_PORT = 11111;
const HTTP_PORT = 8080;
const POSTGRES_PORT = 5432;
/** Paths that must reach no route, in the case variants the silos' routing treats as the same. */
export const PRIVATE_PATHS = ["/metrics", "/METRICS", "/Metrics/", "/health/live", "/health/ready", "/HEALTH/READY", "/Health/Live"];
/** What k8s/README.md must tell the cluster's Traefik (installed outside this kustomization). */
export const K8S_ACCESS_LOG_FLAGS = ["--accesslog.format=json", "--accesslog.fields.names.RequestPath=drop", "--accesslog.fields.headers.defaultmode=drop"];

const envEntries = (env) => (Array.isArray(env) ? env.map((e) => String(e).split("=", 2)) : Object.entries(env ?? {}));

/** The Dockerfile, docker-compose.yml and k8s/ name no gateway port (Orleans__GatewayPort, port 30000). */
export function gatewayPortProblems(root, compose, objects) {
  const problems = [];
  for (const stage of stagesOf(parseDockerfile(read(path.join(root, "Dockerfile"))))) {
    for (const ins of stage.instructions) {
      if (ins.keyword === "ENV" && GATEWAY_KEYS.some((k) => ins.args.includes(k))) problems.push(`Dockerfile line ${ins.line}: ENV sets the gateway port`);
      if (ins.keyword === "EXPOSE" && ins.args.split(/\s+/).some((p) => parseInt(p, 10) === GATEWAY_PORT)) problems.push(`Dockerfile line ${ins.line}: EXPOSE ${GATEWAY_PORT}`);
    }
  }
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [key] of envEntries(service.environment)) if (GATEWAY_KEYS.includes(key)) problems.push(`compose service ${name}: sets ${key}`);
    for (const port of [...(service.ports ?? []), ...(service.expose ?? [])]) {
      if (String(isPlainObject(port) ? port.target : port).split(":").some((p) => parseInt(p, 10) === GATEWAY_PORT)) problems.push(`compose service ${name}: port ${GATEWAY_PORT}`);
    }
  }
  for (const { object } of objects) {
    const where = `${object?.kind}/${object?.metadata?.name}`;
    const template = object?.spec?.template?.spec;
    for (const container of [...(template?.initContainers ?? []), ...(template?.containers ?? [])]) {
      for (const env of container.env ?? []) if (GATEWAY_KEYS.includes(env.name)) problems.push(`${where} container '${container.name}': env ${env.name}`);
      for (const port of container.ports ?? []) if (port.containerPort === GATEWAY_PORT || port.name === "gateway") problems.push(`${where} container '${container.name}': port ${port.name ?? port.containerPort}`);
    }
    if (object?.kind === "Service") {
      for (const port of object.spec?.ports ?? []) if (port.port === GATEWAY_PORT || port.targetPort === GATEWAY_PORT || port.name === "gateway") problems.push(`${where}: port ${port.name ?? port.port}`);
    }
  }
  return problems;
}

const networksOf = (service) => (Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? { default: {} }));
const aliasesOn = (service, network) => (isPlainObject(service.networks) ? service.networks[network]?.aliases ?? [] : []);

/**
 * The silos advertise (and listen on) an alias they have on an internal network that only they and
 * PostgreSQL join; PostgreSQL is on such networks only; no other service joins them; neither publishes a port.
 */
export function clusterNetworkProblems({ file, services }, isSilo) {
  const problems = [];
  const silos = Object.keys(services).filter((n) => isSilo(services[n]));
  const postgres = Object.keys(services).find((n) => String(services[n].image ?? "").startsWith("postgres:"));
  if (!postgres) return ["no postgres service"];
  const members = new Set([...silos, postgres]);
  const privateNetwork = (network, who) => {
    if (file.networks?.[network]?.internal !== true) problems.push(`${who}: network '${network}' is not internal: true`);
    const strangers = Object.keys(services).filter((n) => !members.has(n) && networksOf(services[n]).includes(network));
    if (strangers.length > 0) problems.push(`${who}: network '${network}' is also joined by ${strangers.join(", ")} (only the silos and ${postgres} may be)`);
  };
  for (const network of networksOf(services[postgres])) privateNetwork(network, `service ${postgres}`);
  for (const name of silos) {
    const env = Object.fromEntries(envEntries(services[name].environment));
    if (String(env.Orleans__ListenOnAnyHostAddress).toLowerCase() === "true") problems.push(`service ${name}: Orleans__ListenOnAnyHostAddress is true: the silo port would listen on every network the silo joins`);
    const advertised = env.Orleans__AdvertisedIPAddress;
    const on = networksOf(services[name]).filter((net) => aliasesOn(services[name], net).includes(advertised));
    if (!advertised) problems.push(`service ${name}: no Orleans__AdvertisedIPAddress (the address the silo listens on and the others reach it at)`);
    else if (on.length !== 1) problems.push(`service ${name}: Orleans__AdvertisedIPAddress '${advertised}' must be an alias the silo has on exactly one network (its name resolves on all of them)`);
    else privateNetwork(on[0], `service ${name}`);
    if (!networksOf(services[name]).some((net) => networksOf(services[postgres]).includes(net))) problems.push(`service ${name}: shares no network with ${postgres}`);
  }
  for (const name of members) {
    if ((services[name].ports ?? []).length > 0) problems.push(`service ${name}: publishes host ports`);
  }
  return [...new Set(problems)];
}

/** No route of `routes` ({ name, rule }) may match /metrics or the probes. */
export function privateRouteProblems(routes) {
  const problems = [];
  for (const route of routes) {
    for (const p of PRIVATE_PATHS) {
      let matches;
      try {
        matches = ruleMatchesPath(route.rule, p);
      } catch (error) {
        problems.push(`route ${route.name}: ${error.message}`);
        break;
      }
      if (matches !== false) problems.push(`route ${route.name} (${route.rule}) ${matches ? "matches" : "may match"} ${p}`);
    }
  }
  return problems;
}

const modeOf = (names, field) => Object.entries(names ?? {}).find(([k]) => k.toLowerCase() === field.toLowerCase())?.[1];

/**
 * Traefik's access log (compose's static configuration) records no request path, whose query carries a
 * browser's hub token, and no Authorization header; k8s/README.md gives the cluster's Traefik the same flags.
 */
export function accessLogProblems(staticConfig, root) {
  const problems = [];
  const log = staticConfig.accessLog ?? staticConfig.accesslog;
  if (log !== undefined && log !== null && log !== false) {
    if (String(log.format ?? "common").toLowerCase() !== "json") problems.push(`accessLog.format is '${log.format ?? "common"}': use json, whose fields are exactly the ones kept`);
    const fields = log.fields ?? {};
    const pathMode = modeOf(fields.names, "RequestPath") ?? fields.defaultMode ?? "keep";
    if (pathMode !== "drop") problems.push(`accessLog.fields.names.RequestPath is '${pathMode}': the path's query carries /ws?access_token=`);
    const headerDefault = fields.headers?.defaultMode;
    if (headerDefault !== "drop") problems.push(`accessLog.fields.headers.defaultMode is '${headerDefault ?? "unset"}': set drop explicitly`);
    const authorization = modeOf(fields.headers?.names, "Authorization") ?? headerDefault;
    if (authorization !== "drop") problems.push(`the Authorization header is '${authorization ?? "unset"}' in the access log, not drop`);
  }
  const readme = path.join(root, "k8s", "README.md");
  const text = isFile(readme) ? read(readme) : "";
  for (const flag of K8S_ACCESS_LOG_FLAGS) if (!text.includes(flag)) problems.push(`k8s/README.md does not give the cluster's Traefik ${flag}`);
  return problems;
}

const matches = (selector, labels) => Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) && (selector?.matchExpressions ?? []).length === 0;

/**
 * Who the NetworkPolicies let reach a pod's port: "anyone", or the peers ({ podSelector, namespaceSelector,
 * ipBlock }) of every rule that applies. `isolated` is whether any policy selects the pod for ingress at all.
 */
function ingressPeers(policies, labels, port, portNames) {
  const selecting = policies.filter((p) => matches(p.spec?.podSelector, labels) && (p.spec?.policyTypes ?? ["Ingress"]).includes("Ingress"));
  const peers = [];
  for (const policy of selecting) {
    for (const rule of policy.spec?.ingress ?? []) {
      const ports = rule.ports ?? [];
      const covers = ports.length === 0 || ports.some((p) => p.port === undefined || p.port === port || (typeof p.port === "string" && portNames[p.port] === port) || (p.endPort !== undefined && p.port <= port && port <= p.endPort));
      if (!covers) continue;
      if ((rule.from ?? []).length === 0) return { isolated: true, peers: "anyone" };
      peers.push(...rule.from);
    }
  }
  return { isolated: selecting.length > 0, peers };
}

/**
 * A default deny for ingress; silo port only from silo pods; HTTP only from silo pods and Traefik's pods;
 * PostgreSQL only from silo pods; each of those allowed by some rule.
 */
export function networkPolicyProblems(objects) {
  const all = objects.map((e) => e.object);
  const policies = all.filter((o) => o?.kind === "NetworkPolicy");
  const problems = [];
  if (!policies.some((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 || (Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && (p.spec.podSelector.matchExpressions ?? []).length === 0))) {
    problems.push("no NetworkPolicy selects every pod (podSelector: {}) as the default deny");
  } else if (!policies.some((p) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0 && (p.spec?.policyTypes ?? []).includes("Ingress") && (p.spec?.ingress ?? []).length === 0)) {
    problems.push("no default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress], no ingress rules)");
  }
  const pod = (predicate) => all.find((o) => ["Deployment", "StatefulSet"].includes(o?.kind) && predicate(o.spec?.template?.metadata?.labels ?? {}));
  const silo = pod((l) => l["orleans/serviceId"] !== undefined);
  const postgres = pod((l) => l["app.kubernetes.io/name"] === "postgres");
  if (!silo) return [...problems, "no silo Deployment"];
  const siloLabels = silo.spec.template.metadata.labels;
  const isSiloPeer = (peer) => peer.podSelector && !peer.namespaceSelector && !peer.ipBlock && Object.keys(peer.podSelector.matchLabels ?? {}).length > 0 && matches(peer.podSelector, siloLabels);
  const isTraefikPeer = (peer) => !peer.ipBlock && Object.keys(peer.namespaceSelector?.matchLabels ?? {}).length > 0 && Object.values(peer.podSelector?.matchLabels ?? {}).includes("traefik");
  const portNamesOf = (workload) => Object.fromEntries((workload.spec.template.spec?.containers ?? []).flatMap((c) => c.ports ?? []).map((p) => [p.name, p.containerPort]));
  const want = [
    [silo, SILO_PORT, "the silo port", [["silo pods", isSiloPeer]]],
    [silo, HTTP_PORT, "HTTP", [["silo pods", isSiloPeer], ["Traefik's pods (namespaceSelector + podSelector)", isTraefikPeer]]],
  ];
  if (postgres) want.push([postgres, POSTGRES_PORT, "PostgreSQL", [["silo pods", isSiloPeer]]]);
  for (const [workload, port, what, allowed] of want) {
    const where = `${workload.kind}/${workload.metadata?.name} ${what} (${port})`;
    const { isolated, peers } = ingressPeers(policies, workload.spec.template.metadata.labels, port, portNamesOf(workload));
    if (!isolated) {
      problems.push(`${where}: no NetworkPolicy selects these pods`);
      continue;
    }
    if (peers === "anyone") {
      problems.push(`${where}: a rule without 'from' lets anyone in`);
      continue;
    }
    for (const peer of peers) if (!allowed.some(([, ok]) => ok(peer))) problems.push(`${where}: allowed from ${JSON.stringify(peer)}, which is not ${allowed.map(([n]) => n).join(" or ")}`);
    for (const [name, ok] of allowed) if (!peers.some(ok)) problems.push(`${where}: no rule lets ${name} in`);
  }
  return problems;
}

/**
 * The Secrets k8s/README.md tells the operator to create (`kubectl -n NS create secret generic NAME
 * --from-literal=KEY=...`), as stand-in objects with those keys.
 */
export function readmeSecrets(root) {
  const file = path.join(root, "k8s", "README.md");
  if (!isFile(file)) return [];
  const text = read(file).replace(/\\\r?\n/g, " ");
  const secrets = [];
  for (const m of text.matchAll(/kubectl\s+(?:-n\s+\S+\s+)?create\s+secret\s+generic\s+([a-z0-9-]+)([^\n]*)/g)) {
    const keys = [...m[2].matchAll(/--from-literal=([A-Za-z0-9_.-]+)=/g)].map((k) => k[1]);
    secrets.push({ source: "k8s/README.md (kubectl create secret)", object: { apiVersion: "v1", kind: "Secret", metadata: { name: m[1] }, data: Object.fromEntries(keys.map((k) => [k, ""])) } });
  }
  for (const m of text.matchAll(/kubectl\s+(?:-n\s+\S+\s+)?create\s+secret\s+tls\s+([a-z0-9-]+)[^\n]*--cert[= ][^\n]*--key[= ]/g)) {
    secrets.push({ source: "k8s/README.md (kubectl create secret tls)", object: { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { name: m[1] }, data: { "tls.crt": "", "tls.key": "" } } });
  }
  return secrets;
}

/**
 * No signing key ships: compose requires one (${VAR:?}) that .env.example leaves empty; k8s' silos read
 * theirs from a Secret the kustomization does not define and k8s/README.md has the operator create.
 */
export function signingKeyProblems(compose, isSilo, objects, root) {
  const problems = [];
  for (const [name, service] of Object.entries(compose.raw.services ?? {})) {
    if (!isSilo(service)) continue;
    const raw = String(Object.fromEntries(envEntries(service.environment)).Auth__SigningKey ?? "");
    const required = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}$/.exec(raw);
    if (!required) {
      problems.push(`compose service ${name}: Auth__SigningKey must be a required variable (\${NAME:?how to set it})${interpolatedVariables(raw).length === 0 ? ": a key written in docker-compose.yml is a published key" : ""}`);
    } else if ((compose.env?.[required[1]] ?? "") !== "") {
      problems.push(`.env.example ships a value for ${required[1]}: leave it empty, so that every deployment generates its own key`);
    }
  }
  const defined = new Set(objects.filter((e) => e.object?.kind === "Secret").map((e) => e.object.metadata?.name));
  const created = readmeSecrets(root);
  for (const { object } of objects) {
    for (const container of object?.spec?.template?.spec?.containers ?? []) {
      const env = (container.env ?? []).find((e) => e.name === "Auth__SigningKey");
      if (!env) continue;
      const ref = env.valueFrom?.secretKeyRef;
      const where = `${object.kind}/${object.metadata?.name} container '${container.name}'`;
      if (!ref) problems.push(`${where}: Auth__SigningKey is not read from a Secret`);
      else if (defined.has(ref.name)) problems.push(`${where}: Auth__SigningKey comes from Secret '${ref.name}', which the kustomization ships: every apply would write a published key`);
      else if (!created.some((s) => s.object.metadata.name === ref.name && ref.key in s.object.data)) problems.push(`${where}: k8s/README.md does not create Secret '${ref.name}' with key '${ref.key}'`);
    }
  }
  return [...new Set(problems)];
}
