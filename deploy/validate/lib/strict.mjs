// Schema validation of Kubernetes objects with kubernetes-models (and @kubernetes-models/traefik for the
// Traefik CRDs), plus the unknown-field check the API server applies (kubectl's --validate=strict):
// kubernetes-models' precompiled validators accept any extra property, so the object is wrapped in proxies
// that record which properties the validator read. An object whose schema lists properties has every one
// of them read (to test presence); a key it never read is a field the schema does not know. Objects the
// validator enumerates (maps such as labels or data) or never looks into (free-form) are left alone.

const modelCache = new Map();

/** The model module path of an apiVersion/kind, or null for an API group this validator does not know. */
function modulePath(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (!/^v\d+((alpha|beta)\d+)?$/.test(version ?? "")) return null;
  if (group === "traefik.io") return `@kubernetes-models/traefik/traefik.io/${version}/${kind}`;
  if (group === "") return `kubernetes-models/${version}/${kind}`;
  if (/^[a-z0-9.]+$/.test(group)) return `kubernetes-models/${group}/${version}/${kind}`;
  return null;
}

export async function loadModel(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    const file = modulePath(apiVersion, kind);
    let model = null;
    if (file) {
      try {
        const mod = await import(file);
        model = mod[kind] ?? null;
      } catch {
        model = null;
      }
    }
    modelCache.set(key, model);
  }
  return modelCache.get(key);
}

function track(value, pointer, records, cache) {
  if (value === null || typeof value !== "object") return value;
  if (cache.has(value)) return cache.get(value);
  const record = { value, pointer, read: new Set(), enumerated: false };
  records.push(record);
  const proxy = new Proxy(value, {
    get(target, prop, receiver) {
      const result = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string") return result;
      record.read.add(prop);
      return Object.prototype.hasOwnProperty.call(target, prop) ? track(result, `${pointer}/${prop}`, records, cache) : result;
    },
    has(target, prop) {
      if (typeof prop === "string") record.read.add(prop);
      return Reflect.has(target, prop);
    },
    getOwnPropertyDescriptor(target, prop) {
      if (typeof prop === "string") record.read.add(prop);
      return Reflect.getOwnPropertyDescriptor(target, prop);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
  cache.set(value, proxy);
  return proxy;
}

/** Schema problems of one Kubernetes object (empty when it is valid). */
export async function validateObject(obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return ["not a YAML mapping"];
  const { apiVersion, kind } = obj;
  const Model = await loadModel(apiVersion, kind);
  if (!Model) return [`unknown apiVersion/kind '${apiVersion}/${kind}' (no schema in kubernetes-models or @kubernetes-models/traefik)`];
  const problems = [];
  const records = [];
  // A plain deep copy, so the proxies see exactly what the file says.
  const data = JSON.parse(JSON.stringify(obj));
  try {
    Model.prototype.validate.call(track(data, "", records, new WeakMap()));
  } catch (error) {
    const details = Array.isArray(error?.errors) && error.errors.length > 0
      ? error.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` '${e.params.additionalProperty}'` : ""}`)
      : [String(error?.message ?? error)];
    problems.push(...details);
  }
  for (const record of records) {
    if (Array.isArray(record.value) || record.enumerated || record.read.size === 0) continue;
    for (const key of Object.keys(record.value)) {
      if (!record.read.has(key)) problems.push(`${record.pointer || "/"}: unknown field '${key}'`);
    }
  }
  return [...new Set(problems)];
}
