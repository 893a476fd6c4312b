// Pod and entry-point hardening in k8s/: silos spread over nodes, read-only root filesystems with the
// writable paths mounted, and Traefik serving the routes over TLS with a certificate the operator creates.
import { kindName, podSpecs, selectorMatches, siloDeployment } from "./k8s.mjs";

const HOSTNAME = "kubernetes.io/hostname";
/** The TLS entry point of Traefik's Helm chart (":443"); "web" is its plain-HTTP one. */
const TLS_ENTRY_POINT = "websecure";
/** What the silo writes: TMPDIR (the runtime's diagnostics socket, stdio servers' temp files) and the image user's HOME (npx's cache). */
const SILO_WRITABLE = ["/tmp", "/home/app"];

/** The silo pods require distinct nodes: a required podAntiAffinity term on the hostname selecting the silo pods themselves. */
export function antiAffinityProblems(objects) {
  const deployment = siloDeployment(objects);
  if (!deployment) return ["no Deployment"];
  const template = deployment.spec.template;
  const terms = template.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const spreads = terms.some((t) => t.topologyKey === HOSTNAME && (t.labelSelector?.matchExpressions ?? []).length === 0 && selectorMatches(t.labelSelector?.matchLabels, template.metadata?.labels));
  return spreads ? [] : [`${kindName(deployment)}: no required podAntiAffinity on ${HOSTNAME} selecting its own pods (two silos could share a node)`];
}

/** Every container's root filesystem is read-only; /tmp of each, and everything the silo writes, is a mounted writable volume. */
export function readOnlyRootProblems(objects) {
  const problems = [];
  const silo = siloDeployment(objects);
  for (const { owner, spec } of podSpecs(objects)) {
    const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const where = `${kindName(owner)} container '${container.name}'`;
      if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: securityContext.readOnlyRootFilesystem is not true`);
      const writable = new Set((container.volumeMounts ?? []).filter((m) => !m.readOnly && !volumes.get(m.name)?.configMap && !volumes.get(m.name)?.secret).map((m) => m.mountPath.replace(/\/$/, "")));
      const needed = owner === silo && (spec.containers ?? []).includes(container) ? SILO_WRITABLE : ["/tmp"];
      for (const dir of needed.filter((d) => !writable.has(d))) problems.push(`${where}: ${dir} is not a writable volume mount (the root filesystem is read-only)`);
    }
  }
  return problems;
}

/**
 * Every IngressRoute is on the TLS entry point only, with the certificate of a kubernetes.io/tls Secret that
 * the kustomization does not ship (a shipped key is a published key) and k8s/README.md has the operator create.
 */
export function tlsProblems(objects, readmeSecrets) {
  const problems = [];
  const shipped = new Set(objects.filter((e) => e.object?.kind === "Secret").map((e) => e.object.metadata?.name));
  const routes = objects.map((e) => e.object).filter((o) => o?.kind === "IngressRoute");
  if (routes.length === 0) return ["no IngressRoute"];
  for (const route of routes) {
    const where = kindName(route);
    const entryPoints = route.spec?.entryPoints ?? [];
    if (entryPoints.length !== 1 || entryPoints[0] !== TLS_ENTRY_POINT) problems.push(`${where}: entryPoints ${JSON.stringify(entryPoints)} must be ["${TLS_ENTRY_POINT}"] only (plain HTTP would carry tokens in clear)`);
    const secret = route.spec?.tls?.secretName;
    if (!secret) {
      problems.push(`${where}: no tls.secretName`);
      continue;
    }
    if (shipped.has(secret)) problems.push(`${where}: tls Secret '${secret}' ships in the kustomization: its private key would be published`);
    else if (!readmeSecrets.some((s) => s.object.type === "kubernetes.io/tls" && s.object.metadata.name === secret)) problems.push(`${where}: k8s/README.md does not create the TLS Secret '${secret}' (kubectl create secret tls ${secret} --cert=... --key=...)`);
  }
  return problems;
}
