// docker-compose.yml, read as `docker compose` would (merge keys, interpolation from .env.example), and
// the Traefik file-provider configuration it mounts.
import fs from "node:fs";
import path from "node:path";
import { AUTH_HEADERS, VERIFY_PATH, routeAuthProblems } from "./k8s.mjs";
import { allStrings, exists, interpolate, interpolatedVariables, isDir, isFile, isPlainObject, mapStrings, parseEnvFile, parseYamlFile, publicImageProblems, read, rulePathPrefixes } from "./util.mjs";

const TOP_LEVEL_KEYS = new Set(["version", "name", "services", "networks", "volumes", "secrets", "configs", "include", "models"]);
// The Compose Specification's service attributes.
const SERVICE_KEYS = new Set([
  "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command", "configs", "container_name",
  "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec",
  "depends_on", "deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "driver_opts", "entrypoint",
  "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck", "hostname", "image", "init",
  "ipc", "isolation", "labels", "label_file", "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit",
  "models", "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop",
  "privileged", "profiles", "provider", "pull_policy", "read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size",
  "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode",
  "uts", "volumes", "volumes_from", "working_dir",
]);
const DEPENDS_CONDITIONS = new Set(["service_started", "service_healthy", "service_completed_successfully"]);

/**
 * Loads the compose file: { raw (as written), file (interpolated with .env.example), env, problems }.
 * Throws when the file does not parse.
 */
export function loadCompose(root) {
  const composePath = path.join(root, "docker-compose.yml");
  const raw = parseYamlFile(composePath);
  const envPath = path.join(root, ".env.example");
  const env = isFile(envPath) ? parseEnvFile(read(envPath)) : null;
  const file = mapStrings(raw, (s) => interpolate(s, env ?? {}));
  return { root, raw, file, env, services: isPlainObject(file.services) ? file.services : {} };
}

/** Top-level and per-service keys are ones compose knows; services is a non-empty map. */
export function structureProblems({ raw }) {
  const problems = [];
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.has(key) && !key.startsWith("x-")) problems.push(`unknown top-level key '${key}'`);
  }
  if (!isPlainObject(raw.services) || Object.keys(raw.services).length === 0) return [...problems, "no services"];
  for (const [name, service] of Object.entries(raw.services)) {
    if (!isPlainObject(service)) {
      problems.push(`service ${name} is not a mapping`);
      continue;
    }
    for (const key of Object.keys(service)) {
      if (!SERVICE_KEYS.has(key) && !key.startsWith("x-")) problems.push(`service ${name}: unknown key '${key}'`);
    }
  }
  return problems;
}

/** Every interpolated ${VAR} is defined in .env.example. */
export function variableProblems({ raw, env }) {
  if (!env) return [".env.example is missing"];
  const used = new Set();
  for (const s of allStrings(raw)) for (const name of interpolatedVariables(s)) used.add(name);
  return [...used].filter((name) => !(name in env)).map((name) => `\${${name}} is not defined in .env.example`);
}

function buildOf(service) {
  if (service.build === undefined) return null;
  return typeof service.build === "string" ? { context: service.build } : service.build;
}

/** Each service's image is built here (context and Dockerfile exist) or a known public image with a pinned tag. */
export function imageProblems({ root, services }) {
  const problems = [];
  for (const [name, service] of Object.entries(services)) {
    const build = buildOf(service);
    if (build) {
      const context = path.resolve(root, build.context ?? ".");
      const dockerfile = path.resolve(context, build.dockerfile ?? "Dockerfile");
      if (!isDir(context)) problems.push(`service ${name}: build context '${build.context}' does not exist`);
      else if (!isFile(dockerfile)) problems.push(`service ${name}: Dockerfile '${path.relative(root, dockerfile)}' does not exist`);
    } else if (typeof service.image !== "string" || service.image === "") {
      problems.push(`service ${name}: neither build nor image`);
    } else {
      for (const p of publicImageProblems(service.image)) problems.push(`service ${name}: ${p}`);
    }
  }
  return problems;
}

/** depends_on names defined services, with a valid condition; service_healthy targets have a healthcheck. */
export function dependsOnProblems({ services }) {
  const problems = [];
  for (const [name, service] of Object.entries(services)) {
    const deps = Array.isArray(service.depends_on)
      ? Object.fromEntries(service.depends_on.map((d) => [d, { condition: "service_started" }]))
      : service.depends_on ?? {};
    for (const [target, spec] of Object.entries(deps)) {
      if (!(target in services)) {
        problems.push(`service ${name}: depends_on '${target}', which is not a service`);
        continue;
      }
      const condition = spec?.condition ?? "service_started";
      if (!DEPENDS_CONDITIONS.has(condition)) problems.push(`service ${name}: depends_on ${target} with unknown condition '${condition}'`);
      if (condition === "service_healthy" && !hasHealthcheck(services[target])) problems.push(`service ${name}: waits for ${target} to be healthy, which has no healthcheck`);
      if (target === name) problems.push(`service ${name}: depends on itself`);
    }
  }
  return problems;
}

/** Published host ports, e.g. "8080:80", "127.0.0.1:5432:5432", "9000-9001:9000-9001", or the long form. */
function publishedPorts(service) {
  const out = [];
  for (const entry of service.ports ?? []) {
    if (isPlainObject(entry)) {
      if (entry.published !== undefined) out.push({ ip: entry.host_ip ?? "0.0.0.0", ports: expand(String(entry.published)), protocol: entry.protocol ?? "tcp" });
      continue;
    }
    let text = String(entry);
    let protocol = "tcp";
    const slash = text.lastIndexOf("/");
    if (slash > 0) {
      protocol = text.slice(slash + 1);
      text = text.slice(0, slash);
    }
    const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
    let ip = "0.0.0.0";
    let rest = text;
    if (ipv6) {
      ip = ipv6[1];
      rest = ipv6[2];
    }
    const parts = rest.split(":");
    if (parts.length === 3) {
      ip = parts[0];
      out.push({ ip, ports: expand(parts[1]), protocol });
    } else if (parts.length === 2) {
      out.push({ ip, ports: expand(parts[0]), protocol });
    }
  }
  return out;

  function expand(range) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
    if (!m) return [NaN];
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
}

/** No two services (or entries) publish the same host port. */
export function portProblems({ services }) {
  const problems = [];
  const taken = new Map();
  for (const [name, service] of Object.entries(services)) {
    for (const { ip, ports, protocol } of publishedPorts(service)) {
      for (const port of ports) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          problems.push(`service ${name}: published port '${port}' is not a port number (after interpolating .env.example)`);
          continue;
        }
        for (const candidate of [ip, "0.0.0.0"]) {
          const clash = [...taken.entries()].find(([key]) => {
            const [tIp, tPort, tProto] = key.split("|");
            return Number(tPort) === port && tProto === protocol && (tIp === candidate || tIp === "0.0.0.0" || candidate === "0.0.0.0");
          });
          if (clash) {
            problems.push(`services ${clash[1]} and ${name} both publish ${protocol} port ${port}`);
            break;
          }
        }
        taken.set(`${ip}|${port}|${protocol}`, name);
      }
    }
  }
  return [...new Set(problems)];
}

const hasHealthcheck = (service) => isPlainObject(service?.healthcheck) && service.healthcheck.disable !== true && service.healthcheck.test !== undefined && !(Array.isArray(service.healthcheck.test) && service.healthcheck.test[0] === "NONE");

/** Every service declares a health check. */
export function healthcheckProblems({ services }) {
  return Object.entries(services).filter(([, s]) => !hasHealthcheck(s)).map(([name]) => `service ${name} has no healthcheck`);
}

/** Bind-mount sources exist; named volumes and networks are declared. */
export function mountProblems({ root, file, services }) {
  const problems = [];
  const volumes = new Set(Object.keys(file.volumes ?? {}));
  const networks = new Set(Object.keys(file.networks ?? {}));
  for (const [name, service] of Object.entries(services)) {
    for (const mount of service.volumes ?? []) {
      const source = isPlainObject(mount) ? mount.source : String(mount).split(":")[0];
      const type = isPlainObject(mount) ? mount.type : source?.startsWith(".") || source?.startsWith("/") || source?.startsWith("~") ? "bind" : "volume";
      if (type === "bind" && !exists(path.resolve(root, source))) problems.push(`service ${name}: bind mount source '${source}' does not exist`);
      if (type === "volume" && source && !volumes.has(source)) problems.push(`service ${name}: volume '${source}' is not declared under volumes:`);
    }
    const nets = Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});
    for (const net of nets) if (!networks.has(net)) problems.push(`service ${name}: network '${net}' is not declared under networks:`);
  }
  return problems;
}

/** The names a container is reachable by on the compose network: service, container_name, hostname, aliases. */
export function hostNames({ services }) {
  const names = new Map();
  for (const [name, service] of Object.entries(services)) {
    const add = (n) => n && names.set(n, [...(names.get(n) ?? []), name]);
    add(name);
    add(service.container_name);
    add(service.hostname);
    if (isPlainObject(service.networks)) for (const net of Object.values(service.networks)) for (const alias of net?.aliases ?? []) add(alias);
  }
  return names;
}

const bindSourceFor = (service, target) => {
  for (const mount of service.volumes ?? []) {
    const [source, to] = isPlainObject(mount) ? [mount.source, mount.target] : String(mount).split(":");
    if (to === target) return source;
  }
  return null;
};

/**
 * The postgres service applies sql/ exactly once, in order: its initdb folder is not sql/ itself (where the
 * image would run every *.sql file and then apply.sh again), an init script there runs apply.sh, and the
 * folder apply.sh is mounted from is sql/.
 */
export function postgresInitProblems({ root, services }) {
  const entry = Object.entries(services).find(([, s]) => typeof s.image === "string" && s.image.startsWith("postgres:"));
  if (!entry) return ["no postgres service"];
  const [name, service] = entry;
  const initdb = bindSourceFor(service, "/docker-entrypoint-initdb.d");
  if (!initdb) return [`service ${name}: nothing mounted at /docker-entrypoint-initdb.d (the schema is never applied)`];
  const initDir = path.resolve(root, initdb);
  if (!isDir(initDir)) return [`service ${name}: initdb folder '${initdb}' does not exist`];
  const problems = [];
  const files = list(initDir).sort();
  const sqlFiles = new Set(list(path.join(root, "sql")));
  for (const f of files) {
    if (f === "apply.sh" || (/^[0-9]{3}_.*\.sql$/.test(f) && sqlFiles.has(f))) problems.push(`service ${name}: initdb folder holds sql/${f}: the image runs *.sql files and executable *.sh files, so the schema would be applied twice`);
  }
  const runner = files.filter((f) => f.endsWith(".sh")).find((f) => /^[^#]*apply\.sh/m.test(read(path.join(initDir, f))));
  if (!runner) {
    problems.push(`service ${name}: no init script in '${initdb}' runs apply.sh`);
  } else {
    const text = read(path.join(initDir, runner)).split(/\r?\n/).filter((l) => !/^\s*#/.test(l)).join("\n");
    const m = /([\w/.${}:-]*)\/apply\.sh/.exec(text);
    const dir = m ? m[1].replace(/\$\{[A-Za-z0-9_]+:-([^}]+)\}/, "$1") : null;
    const source = dir ? bindSourceFor(service, dir) : null;
    if (!source) problems.push(`service ${name}: ${runner} runs ${dir}/apply.sh, but nothing is mounted at ${dir}`);
    else if (path.resolve(root, source) !== path.resolve(root, "sql")) problems.push(`service ${name}: ${dir} is mounted from '${source}', not ./sql`);
    if (!/PGUSER=/.test(text)) problems.push(`service ${name}: ${runner} must set PGUSER (the image's superuser is POSTGRES_USER, not the OS user)`);
  }
  const healthcheck = JSON.stringify(service.healthcheck?.test ?? "");
  if (!/-h["', ]+(127\.0\.0\.1|localhost)/.test(healthcheck)) problems.push(`service ${name}: the healthcheck must use TCP (-h 127.0.0.1): over the socket it passes while initdb scripts still run`);
  return problems;
}

const list = (dir) => (isDir(dir) ? fs.readdirSync(dir) : []);

/** A service built from ./Dockerfile: an Omni2 silo. */
export function isSilo(service) {
  const build = buildOf(service);
  return Boolean(build) && (build.context ?? ".") === "." && (build.dockerfile ?? "Dockerfile") === "Dockerfile";
}

/** Two or more silos from ./Dockerfile, distinct container names, one cluster on the shared PostgreSQL. */
export function siloProblems({ services }) {
  const silos = Object.entries(services).filter(([, s]) => isSilo(s));
  const problems = [];
  if (silos.length < 2) return [`${silos.length} service(s) built from ./Dockerfile; the cluster needs two silos`];
  const containerNames = silos.map(([, s]) => s.container_name);
  if (containerNames.some((n) => !n) || new Set(containerNames).size !== containerNames.length) problems.push("the silos need distinct container_name values");
  const postgres = Object.keys(services).find((n) => String(services[n].image ?? "").startsWith("postgres:"));
  const same = (key) => new Set(silos.map(([, s]) => String(s.environment?.[key] ?? ""))).size === 1;
  for (const [name, s] of silos) {
    const env = s.environment ?? {};
    if (Array.isArray(env)) {
      problems.push(`service ${name}: environment as a list; use a map`);
      continue;
    }
    const host = /(?:^|;)\s*Host=([^;]+)/i.exec(env.ConnectionStrings__Postgres ?? "")?.[1];
    if (!host || host !== postgres) problems.push(`service ${name}: ConnectionStrings__Postgres must point at the postgres service (${postgres})`);
    if (!("Auth__SigningKey" in env)) problems.push(`service ${name}: Auth__SigningKey missing`);
    // appsettings.json allows loopback Host headers only; Traefik forwards its clients' Host.
    if (!env.AllowedHosts) problems.push(`service ${name}: AllowedHosts missing (appsettings.json allows loopback only)`);
  }
  for (const key of ["ConnectionStrings__Postgres", "Auth__SigningKey", "Orleans__ClusterId", "Orleans__ServiceId", "Orleans__SiloPort", "AllowedHosts"]) {
    if (!same(key)) problems.push(`the silos disagree on ${key}`);
  }
  return problems;
}

/**
 * The Traefik service and the configuration it mounts: { name, service, staticSource, staticConfig, dynamic }.
 * Throws with the reason when a file is missing or does not parse.
 */
export function traefikFiles({ root, services }) {
  const entry = Object.entries(services).find(([, s]) => typeof s.image === "string" && s.image.startsWith("traefik:"));
  if (!entry) throw new Error("no traefik service");
  const [name, service] = entry;
  const staticSource = bindSourceFor(service, "/etc/traefik/traefik.yml");
  if (!staticSource) throw new Error(`service ${name}: no static configuration mounted at /etc/traefik/traefik.yml`);
  const staticConfig = parseYamlFile(path.resolve(root, staticSource));
  const dynamicTarget = staticConfig.providers?.file?.filename;
  const dynamicSource = dynamicTarget ? bindSourceFor(service, dynamicTarget) : null;
  if (!dynamicSource) throw new Error(`service ${name}: providers.file.filename '${dynamicTarget}' is not mounted`);
  return { name, service, staticSource, staticConfig, dynamic: parseYamlFile(path.resolve(root, dynamicSource)) };
}

/** The file provider's routers, as { name, rule }. */
export const traefikRouters = (dynamic) => Object.entries(dynamic.http?.routers ?? {}).map(([name, spec]) => ({ name, rule: spec.rule ?? "" }));

/** Traefik's file-provider routes: ForwardAuth at a defined service's /api/v1/auth/verify, on /api and /ws. */
export function traefikProblems(compose) {
  const { services } = compose;
  let files;
  try {
    files = traefikFiles(compose);
  } catch (error) {
    return [error.message];
  }
  const { name, service, staticSource, staticConfig, dynamic } = files;
  const problems = [];
  if (JSON.stringify(service.healthcheck?.test ?? "").includes("--ping") && staticConfig.ping === undefined) problems.push(`service ${name}: the healthcheck pings, but ping is not enabled in ${staticSource}`);
  const entryPoints = new Set(Object.keys(staticConfig.entryPoints ?? {}));
  const http = dynamic.http ?? {};
  const routers = http.routers ?? {};
  const middlewares = http.middlewares ?? {};
  const lbServices = http.services ?? {};
  const hosts = hostNames(compose);
  for (const [router, spec] of Object.entries(routers)) {
    if (!(spec.service in lbServices)) problems.push(`router ${router}: service '${spec.service}' is not defined`);
    for (const mw of spec.middlewares ?? []) if (!(mw in middlewares)) problems.push(`router ${router}: middleware '${mw}' is not defined`);
    for (const ep of spec.entryPoints ?? []) if (!entryPoints.has(ep)) problems.push(`router ${router}: entry point '${ep}' is not in the static configuration`);
  }
  for (const [svc, spec] of Object.entries(lbServices)) {
    const servers = spec.loadBalancer?.servers ?? [];
    if (servers.length === 0) problems.push(`service ${svc}: no servers`);
    for (const server of servers) {
      let url;
      try {
        url = new URL(server.url);
      } catch {
        problems.push(`service ${svc}: '${server.url}' is not a URL`);
        continue;
      }
      if (!hosts.has(url.hostname)) problems.push(`service ${svc}: server host '${url.hostname}' is no compose service, container or alias`);
    }
  }
  const forwardAuth = Object.entries(middlewares).filter(([, m]) => m?.forwardAuth);
  if (forwardAuth.length === 0) problems.push("no forwardAuth middleware");
  for (const [mw, spec] of forwardAuth) {
    let url;
    try {
      url = new URL(spec.forwardAuth.address);
    } catch {
      problems.push(`middleware ${mw}: address '${spec.forwardAuth.address}' is not a URL`);
      continue;
    }
    const targets = hosts.get(url.hostname);
    if (!targets) problems.push(`middleware ${mw}: address host '${url.hostname}' is no compose service, container or alias`);
    else if (targets.some((t) => !buildOf(services[t]))) problems.push(`middleware ${mw}: address host '${url.hostname}' is not an Omni2 silo`);
    if (url.pathname !== VERIFY_PATH) problems.push(`middleware ${mw}: address path '${url.pathname}' is not ${VERIFY_PATH}`);
    if ((url.port || "80") !== "8080") problems.push(`middleware ${mw}: address port ${url.port || 80} is not the silos' 8080`);
    for (const header of AUTH_HEADERS) if (!(spec.forwardAuth.authResponseHeaders ?? []).includes(header)) problems.push(`middleware ${mw}: authResponseHeaders lacks ${header}`);
  }
  const routes = Object.entries(routers).map(([router, spec]) => ({ name: router, rule: spec.rule ?? "", prefixes: rulePathPrefixes(spec.rule ?? ""), priority: spec.priority, middlewares: spec.middlewares ?? [] }));
  problems.push(...routeAuthProblems(routes, (mw) => Boolean(middlewares[mw]?.forwardAuth)));
  return problems;
}
