// k8s/: the kustomization as `kubectl apply -k k8s/` reads it (resources, generators inside their own
// folder, the namespace), every object against its schema, and the references between objects.
import fs from "node:fs";
import path from "node:path";
import { validateObject } from "./strict.mjs";
import { exists, isDir, isFile, isInside, isPlainObject, parseYamlDocuments, parseYamlFile, publicImageProblems, read, rulePathPrefixes } from "./util.mjs";

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const KUSTOMIZATION_KEYS = new Set([
  "apiVersion", "kind", "metadata", "namespace", "namePrefix", "nameSuffix", "resources", "components", "configMapGenerator",
  "secretGenerator", "generatorOptions", "images", "labels", "commonLabels", "commonAnnotations", "patches", "replicas",
]);
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"]);
export const VERIFY_PATH = "/api/v1/auth/verify";
export const AUTH_HEADERS = ["X-Auth-User", "X-Auth-Role"];

/**
 * Reads a kustomization the way kustomize does, recursively: { namespace, objects: [{ source, object }],
 * generated: [ConfigMap/Secret stand-ins], images, problems }. Generator files must lie in or below the
 * kustomization's own folder (kustomize's default load restrictor, which `kubectl apply -k` cannot lift).
 */
export function loadKustomization(dir, root, seen = new Set()) {
  const result = { namespace: null, objects: [], problems: [], images: [], sqlGenerators: [] };
  const real = path.resolve(dir);
  if (seen.has(real)) {
    result.problems.push(`${path.relative(root, dir)}: kustomization cycle`);
    return result;
  }
  seen.add(real);
  const name = KUSTOMIZATION_FILES.find((f) => isFile(path.join(dir, f)));
  if (!name) {
    result.problems.push(`${path.relative(root, dir) || "."}: no kustomization.yaml`);
    return result;
  }
  const file = path.join(dir, name);
  const rel = path.relative(root, file);
  let k;
  try {
    k = parseYamlFile(file);
  } catch (error) {
    result.problems.push(error.message);
    return result;
  }
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) result.problems.push(`${rel}: unknown field '${key}'`);
  }
  if (k.apiVersion !== undefined && k.apiVersion !== "kustomize.config.k8s.io/v1beta1") result.problems.push(`${rel}: apiVersion '${k.apiVersion}'`);
  if (k.kind !== undefined && k.kind !== "Kustomization") result.problems.push(`${rel}: kind '${k.kind}'`);
  result.namespace = k.namespace ?? null;
  result.images = k.images ?? [];

  for (const entry of k.resources ?? []) {
    const target = path.resolve(dir, entry);
    if (isDir(target)) {
      const sub = loadKustomization(target, root, seen);
      result.problems.push(...sub.problems);
      result.objects.push(...sub.objects);
      result.images.push(...sub.images);
      result.sqlGenerators.push(...sub.sqlGenerators);
    } else if (isFile(target)) {
      try {
        for (const object of parseYamlDocuments(read(target), target)) {
          result.objects.push({ source: path.relative(root, target), object });
        }
      } catch (error) {
        result.problems.push(error.message);
      }
    } else {
      result.problems.push(`${rel}: resource '${entry}' does not exist`);
    }
  }

  for (const [field, kind] of [["configMapGenerator", "ConfigMap"], ["secretGenerator", "Secret"]]) {
    for (const generator of k[field] ?? []) {
      if (!generator?.name) {
        result.problems.push(`${rel}: a ${field} entry has no name`);
        continue;
      }
      const data = {};
      const files = [];
      for (const spec of generator.files ?? []) {
        const [key, source] = String(spec).includes("=") ? String(spec).split("=", 2) : [path.basename(String(spec)), String(spec)];
        const target = path.resolve(dir, source);
        if (!isInside(dir, target)) {
          result.problems.push(`${rel}: ${field} '${generator.name}' file '${source}' is outside ${path.relative(root, dir) || "."} (kustomize refuses it)`);
        } else if (!isFile(target)) {
          result.problems.push(`${rel}: ${field} '${generator.name}' file '${source}' does not exist`);
        } else {
          data[key] = read(target);
          files.push(target);
        }
      }
      for (const env of generator.envs ?? []) {
        const target = path.resolve(dir, env);
        if (!isInside(dir, target) || !isFile(target)) result.problems.push(`${rel}: ${field} '${generator.name}' env file '${env}' is missing or outside the folder`);
      }
      for (const literal of generator.literals ?? []) {
        const [key, value] = String(literal).split("=", 2);
        data[key] = value ?? "";
      }
      const object = { apiVersion: "v1", kind, metadata: { name: generator.name }, data: kind === "Secret" ? Object.fromEntries(Object.entries(data).map(([a, b]) => [a, Buffer.from(b).toString("base64")])) : data };
      result.objects.push({ source: `${rel} (${field})`, object, generated: true });
      result.sqlGenerators.push({ dir, name: generator.name, files });
    }
  }

  // The top-level namespace applies to everything below it, as kustomize's namespace transformer does.
  if (result.namespace) {
    for (const entry of result.objects) {
      if (entry.object?.kind !== "Namespace" && isPlainObject(entry.object?.metadata)) entry.namespace = result.namespace;
    }
  }
  return result;
}

export const kindName = (o) => `${o?.kind}/${o?.metadata?.name}`;

export function podSpecs(objects) {
  const out = [];
  for (const { object } of objects) {
    if (!WORKLOAD_KINDS.has(object?.kind)) continue;
    const template = object.spec?.template ?? object.spec?.jobTemplate?.spec?.template;
    if (template) out.push({ owner: object, template, spec: template.spec ?? {} });
  }
  return out;
}

export const selectorMatches = (selector, labels) => isPlainObject(selector) && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Names of every object of a kind. */
const namesOf = (objects, kind) => new Set(objects.filter((e) => e.object?.kind === kind).map((e) => e.object.metadata?.name));

function keysOf(objects, kind, name) {
  const found = objects.find((e) => e.object?.kind === kind && e.object.metadata?.name === name)?.object;
  if (!found) return null;
  return new Set([...Object.keys(found.data ?? {}), ...Object.keys(found.stringData ?? {}), ...Object.keys(found.binaryData ?? {})]);
}

/** Cross-object references: config maps, secrets and their keys, service accounts, selectors, ports, routes. */
export function referenceProblems(objects, namespace) {
  const problems = [];
  const services = objects.filter((e) => e.object?.kind === "Service").map((e) => e.object);
  const pods = podSpecs(objects);
  const middlewares = namesOf(objects, "Middleware");

  for (const { owner, template, spec } of pods) {
    const where = kindName(owner);
    if (spec.serviceAccountName && !namesOf(objects, "ServiceAccount").has(spec.serviceAccountName)) {
      problems.push(`${where}: serviceAccountName '${spec.serviceAccountName}' is not defined`);
    }
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap && !volume.configMap.optional && !namesOf(objects, "ConfigMap").has(volume.configMap.name)) problems.push(`${where}: volume '${volume.name}' names ConfigMap '${volume.configMap.name}', which is not defined`);
      if (volume.secret && !volume.secret.optional && !namesOf(objects, "Secret").has(volume.secret.secretName)) problems.push(`${where}: volume '${volume.name}' names Secret '${volume.secret.secretName}', which is not defined`);
    }
    const volumeNames = new Set((spec.volumes ?? []).map((v) => v.name));
    const claimNames = new Set((owner.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name));
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const cwhere = `${where} container '${container.name}'`;
      const defined = new Set();
      for (const env of container.env ?? []) {
        for (const [ref, kind] of [[env.valueFrom?.configMapKeyRef, "ConfigMap"], [env.valueFrom?.secretKeyRef, "Secret"]]) {
          if (!ref || ref.optional) continue;
          const keys = keysOf(objects, kind, ref.name);
          if (!keys) problems.push(`${cwhere}: env ${env.name} names ${kind} '${ref.name}', which is not defined`);
          else if (!keys.has(ref.key)) problems.push(`${cwhere}: env ${env.name} names key '${ref.key}', which ${kind} '${ref.name}' does not have`);
        }
        const label = /^metadata\.labels\['([^']+)'\]$/.exec(env.valueFrom?.fieldRef?.fieldPath ?? "");
        if (label && template.metadata?.labels?.[label[1]] === undefined) problems.push(`${cwhere}: env ${env.name} reads pod label '${label[1]}', which the pod does not have`);
        // Kubernetes expands $(VAR) only from variables defined earlier in the list.
        for (const m of String(env.value ?? "").matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!defined.has(m[1])) problems.push(`${cwhere}: env ${env.name} uses $(${m[1]}), which is not defined before it`);
        }
        defined.add(env.name);
      }
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef && !from.configMapRef.optional && !namesOf(objects, "ConfigMap").has(from.configMapRef.name)) problems.push(`${cwhere}: envFrom ConfigMap '${from.configMapRef.name}' is not defined`);
        if (from.secretRef && !from.secretRef.optional && !namesOf(objects, "Secret").has(from.secretRef.name)) problems.push(`${cwhere}: envFrom Secret '${from.secretRef.name}' is not defined`);
      }
      for (const mount of container.volumeMounts ?? []) {
        if (!volumeNames.has(mount.name) && !claimNames.has(mount.name)) problems.push(`${cwhere}: volumeMount '${mount.name}' names no volume`);
      }
      const portNames = new Set((container.ports ?? []).map((p) => p.name).filter(Boolean));
      for (const probeName of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = container[probeName]?.httpGet?.port;
        if (typeof port === "string" && !portNames.has(port)) problems.push(`${cwhere}: ${probeName} port '${port}' is not a container port`);
      }
      if (container.image === undefined) problems.push(`${cwhere}: no image`);
    }
    if (owner.kind === "StatefulSet" && owner.spec?.serviceName && !services.some((s) => s.metadata?.name === owner.spec.serviceName)) {
      problems.push(`${where}: serviceName '${owner.spec.serviceName}' is not a Service`);
    }
    const selector = owner.spec?.selector?.matchLabels;
    if (selector && !selectorMatches(selector, template.metadata?.labels)) problems.push(`${where}: selector does not match its pod template's labels`);
  }

  for (const service of services) {
    const where = kindName(service);
    const targets = pods.filter((p) => selectorMatches(service.spec?.selector, p.template.metadata?.labels));
    if (targets.length === 0) {
      problems.push(`${where}: selector matches no pod template`);
      continue;
    }
    for (const port of service.spec?.ports ?? []) {
      if (typeof port.targetPort !== "string") continue;
      const ok = targets.some((p) => (p.spec.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === port.targetPort)));
      if (!ok) problems.push(`${where}: targetPort '${port.targetPort}' is no port of the selected pods`);
    }
  }

  for (const { object } of objects) {
    if (object?.kind === "PodDisruptionBudget" && !pods.some((p) => selectorMatches(object.spec?.selector?.matchLabels, p.template.metadata?.labels))) {
      problems.push(`${kindName(object)}: selector matches no pod template`);
    }
    if (object?.kind === "RoleBinding") {
      if (object.roleRef?.kind === "Role" && !namesOf(objects, "Role").has(object.roleRef.name)) problems.push(`${kindName(object)}: roleRef Role '${object.roleRef.name}' is not defined`);
      for (const subject of object.subjects ?? []) {
        if (subject.kind === "ServiceAccount" && !namesOf(objects, "ServiceAccount").has(subject.name)) problems.push(`${kindName(object)}: subject ServiceAccount '${subject.name}' is not defined`);
      }
    }
    if (object?.kind === "IngressRoute") {
      for (const [i, route] of (object.spec?.routes ?? []).entries()) {
        for (const mw of route.middlewares ?? []) {
          if (!mw.namespace && !middlewares.has(mw.name)) problems.push(`${kindName(object)} route ${i} (${route.match}): Middleware '${mw.name}' is not defined`);
        }
        for (const target of route.services ?? []) {
          if ((target.kind ?? "Service") !== "Service" || target.namespace) continue;
          const service = services.find((s) => s.metadata?.name === target.name);
          if (!service) problems.push(`${kindName(object)} route ${i} (${route.match}): Service '${target.name}' is not defined`);
          else if (!(service.spec?.ports ?? []).some((p) => p.name === target.port || p.port === target.port)) problems.push(`${kindName(object)} route ${i}: Service '${target.name}' has no port '${target.port}'`);
        }
      }
    }
    if (object?.kind === "Middleware" && object.spec?.forwardAuth) {
      problems.push(...forwardAuthProblems(object, services, namespace));
    }
    if (object?.metadata?.namespace && namespace && object.metadata.namespace !== namespace) {
      problems.push(`${kindName(object)}: namespace '${object.metadata.namespace}' differs from the kustomization's '${namespace}'`);
    }
  }
  return problems;
}

/** The ForwardAuth address: http://<service>.<namespace>.svc[.cluster.local]:<port>/api/v1/auth/verify. */
function forwardAuthProblems(middleware, services, namespace) {
  const where = kindName(middleware);
  const fa = middleware.spec.forwardAuth;
  const problems = [];
  let url;
  try {
    url = new URL(fa.address);
  } catch {
    return [`${where}: forwardAuth address '${fa.address}' is not a URL`];
  }
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
  if (!m) {
    problems.push(`${where}: forwardAuth host '${url.hostname}' is not <service>.<namespace>.svc[.cluster.local] (Traefik runs in another namespace)`);
  } else {
    const service = services.find((s) => s.metadata?.name === m[1]);
    if (!service) problems.push(`${where}: forwardAuth host names Service '${m[1]}', which is not defined`);
    else if (!(service.spec?.ports ?? []).some((p) => String(p.port) === (url.port || "80"))) problems.push(`${where}: Service '${m[1]}' has no port ${url.port || 80}`);
    if (namespace && m[2] !== namespace) problems.push(`${where}: forwardAuth host is in namespace '${m[2]}', the kustomization deploys to '${namespace}'`);
  }
  if (url.pathname !== VERIFY_PATH) problems.push(`${where}: forwardAuth path '${url.pathname}' is not ${VERIFY_PATH}`);
  for (const header of AUTH_HEADERS) {
    if (!(fa.authResponseHeaders ?? []).includes(header)) problems.push(`${where}: forwardAuth authResponseHeaders lacks ${header}`);
  }
  return problems;
}

/** Which routes must (and must not) be behind ForwardAuth: /api and /ws yes, /api/v1/auth/* no. */
export function routeAuthProblems(routes, isForwardAuth) {
  const problems = [];
  const find = (prefix) => routes.filter((r) => r.prefixes.includes(prefix));
  for (const [prefix, wanted] of [["/api", true], ["/ws", true], ["/api/v1/auth/", false]]) {
    const matching = find(prefix);
    if (matching.length === 0) {
      problems.push(`no route for PathPrefix(\`${prefix}\`)`);
      continue;
    }
    for (const r of matching) {
      const has = r.middlewares.some(isForwardAuth);
      if (has !== wanted) problems.push(`route ${r.name} (${prefix}) ${wanted ? "lacks" : "must not have"} the ForwardAuth middleware`);
    }
  }
  const auth = find("/api/v1/auth/")[0];
  const api = find("/api")[0];
  if (auth && api && !((auth.priority ?? auth.rule.length) > (api.priority ?? api.rule.length))) problems.push("the /api/v1/auth/ route must outrank the /api route (priority)");
  const root = find("/")[0];
  for (const other of routes.filter((r) => r !== root)) {
    if (root && (root.priority ?? root.rule.length) >= (other.priority ?? other.rule.length)) problems.push(`the catch-all / route must rank below ${other.name}`);
  }
  if (!root) problems.push("no route for the dashboard (PathPrefix(`/`))");
  if (find("/mcp").length === 0) problems.push("no route for PathPrefix(`/mcp`)");
  return problems;
}

/** The routes of the IngressRoutes, in the shape routeAuthProblems reads. */
export function ingressRoutes(objects) {
  const routes = [];
  for (const { object } of objects) {
    if (object?.kind !== "IngressRoute") continue;
    for (const [i, route] of (object.spec?.routes ?? []).entries()) {
      routes.push({ name: `${object.metadata?.name}#${i}`, rule: route.match ?? "", prefixes: rulePathPrefixes(route.match ?? ""), priority: route.priority, middlewares: (route.middlewares ?? []).map((m) => m.name) });
    }
  }
  return routes;
}

/** The silos' Deployment: the one whose pods carry Orleans' labels (else the first Deployment). */
export const siloDeployment = (objects) => objects.map((e) => e.object).find((o) => o?.kind === "Deployment" && o.spec?.template?.metadata?.labels?.["orleans/serviceId"] !== undefined)
  ?? objects.map((e) => e.object).find((o) => o?.kind === "Deployment");

/** The silo Deployment: Orleans' Kubernetes hosting, probes, graceful termination, ports, RBAC, PDB. */
export function siloProblems(objects) {
  const problems = [];
  const deployment = siloDeployment(objects);
  if (!deployment) return ["no Deployment"];
  const where = kindName(deployment);
  const template = deployment.spec.template;
  const labels = template.metadata?.labels ?? {};
  for (const label of ["orleans/serviceId", "orleans/clusterId"]) {
    if (!labels[label]) problems.push(`${where}: pod label ${label} missing`);
  }
  const container = (template.spec?.containers ?? [])[0] ?? {};
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  const fieldPaths = { POD_NAME: "metadata.name", POD_NAMESPACE: "metadata.namespace", POD_IP: "status.podIP" };
  for (const [name, fieldPath] of Object.entries(fieldPaths)) {
    if (env[name]?.valueFrom?.fieldRef?.fieldPath !== fieldPath) problems.push(`${where}: env ${name} must come from the downward API (${fieldPath})`);
  }
  for (const [name, label] of [["ORLEANS_SERVICE_ID", "orleans/serviceId"], ["ORLEANS_CLUSTER_ID", "orleans/clusterId"]]) {
    const e = env[name];
    const value = e?.value ?? (e?.valueFrom?.fieldRef?.fieldPath === `metadata.labels['${label}']` ? labels[label] : undefined);
    if (value === undefined) problems.push(`${where}: env ${name} missing`);
    else if (value !== labels[label]) problems.push(`${where}: env ${name} '${value}' differs from pod label ${label} '${labels[label]}'`);
  }
  if (!env.ConnectionStrings__Postgres) problems.push(`${where}: env ConnectionStrings__Postgres missing (the silos cluster on PostgreSQL)`);
  if (!env.Auth__SigningKey?.valueFrom?.secretKeyRef) problems.push(`${where}: env Auth__SigningKey must come from a Secret`);
  // appsettings.json allows loopback Host headers only; Traefik forwards its clients' Host.
  if (!env.AllowedHosts?.value) problems.push(`${where}: env AllowedHosts missing (appsettings.json allows loopback only)`);
  const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  for (const [name, port] of [["http", 8080], ["silo", 11111]]) {
    if (ports[name] !== port) problems.push(`${where}: container port ${name} must be ${port}`);
  }
  const probes = [["livenessProbe", "/health/live"], ["readinessProbe", "/health/ready"]];
  for (const [probe, probePath] of probes) {
    if (container[probe]?.httpGet?.path !== probePath) problems.push(`${where}: ${probe} must GET ${probePath}`);
  }
  const grace = template.spec?.terminationGracePeriodSeconds ?? 30;
  const preStop = container.lifecycle?.preStop;
  const sleep = Number(preStop?.sleep?.seconds ?? (preStop?.exec?.command?.[0] === "sleep" ? preStop.exec.command[1] : NaN));
  if (!Number.isFinite(sleep)) problems.push(`${where}: no preStop sleep`);
  const shutdown = Number(env.DOTNET_shutdownTimeoutSeconds?.value ?? 30);
  if (Number.isFinite(sleep) && grace <= sleep + shutdown) problems.push(`${where}: terminationGracePeriodSeconds ${grace} must exceed preStop ${sleep} s + shutdown timeout ${shutdown} s`);

  const sa = template.spec?.serviceAccountName;
  const bindings = objects.map((e) => e.object).filter((o) => o?.kind === "RoleBinding" && (o.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === sa));
  const verbs = new Set();
  for (const binding of bindings) {
    const role = objects.map((e) => e.object).find((o) => o?.kind === binding.roleRef?.kind && o.metadata?.name === binding.roleRef?.name);
    for (const rule of role?.rules ?? []) {
      if ((rule.apiGroups ?? []).includes("") && (rule.resources ?? []).includes("pods")) for (const v of rule.verbs ?? []) verbs.add(v);
    }
  }
  const missing = ["get", "watch", "list", "delete"].filter((v) => !verbs.has(v) && !verbs.has("*"));
  if (!sa) problems.push(`${where}: no serviceAccountName (Orleans' Kubernetes hosting calls the API)`);
  else if (missing.length > 0) problems.push(`${where}: ServiceAccount '${sa}' may not ${missing.join("/")} pods`);

  const services = objects.map((e) => e.object).filter((o) => o?.kind === "Service" && selectorMatches(o.spec?.selector, labels));
  if (!services.some((s) => (s.spec?.ports ?? []).some((p) => p.port === 8080))) problems.push(`${where}: no Service on HTTP 8080`);
  const headless = services.find((s) => s.spec?.clusterIP === "None");
  if (!headless) problems.push(`${where}: no headless Service for the silo ports`);
  else if (!(headless.spec.ports ?? []).some((p) => p.port === 11111)) problems.push(`Service/${headless.metadata.name}: no port 11111`);
  if (!objects.some((e) => e.object?.kind === "PodDisruptionBudget" && selectorMatches(e.object.spec?.selector?.matchLabels, labels))) problems.push(`${where}: no PodDisruptionBudget`);
  return problems;
}

/** Public images used by the pods (the locally built image excepted: kustomization images: maps it). */
export function imageProblems(objects, images) {
  const problems = [];
  const mapped = new Set((images ?? []).map((i) => i.name));
  for (const { owner, spec } of podSpecs(objects)) {
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const ref = String(container.image ?? "");
      if (mapped.has(ref.split(":")[0])) continue;
      for (const p of publicImageProblems(ref)) problems.push(`${kindName(owner)} container '${container.name}': ${p}`);
    }
  }
  return problems;
}

/** sql/kustomization.yaml lists apply.sh and every NNN_*.sql script apply.sh applies, so k8s applies the same schema. */
export function sqlGeneratorProblems(loaded, root) {
  const sqlDir = path.join(root, "sql");
  const generator = loaded.sqlGenerators.find((g) => path.resolve(g.dir) === path.resolve(sqlDir));
  if (!generator) return ["no configMapGenerator in sql/kustomization.yaml reached from k8s/kustomization.yaml"];
  const listed = new Set(generator.files.map((f) => path.basename(f)));
  const wanted = fs.readdirSync(sqlDir).filter((f) => /^[0-9]{3}_.*\.sql$/.test(f) || f === "apply.sh");
  return wanted.filter((f) => !listed.has(f)).map((f) => `sql/${f} is not in sql/kustomization.yaml's configMapGenerator`);
}

/** Every object of the kustomization against its schema: [{ label, problems }]. */
export async function schemaResults(objects) {
  const results = [];
  for (const entry of objects) {
    const problems = await validateObject(entry.object);
    results.push({ label: `${entry.source}: ${entry.object?.kind}/${entry.object?.metadata?.name}`, problems });
  }
  return results;
}

export const k8sDirExists = (root) => exists(path.join(root, "k8s"));
