// Small helpers shared by the checks: files, YAML, images, the compose/.env variable syntax.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

export const exists = (p) => fs.existsSync(p);
export const isDir = (p) => exists(p) && fs.statSync(p).isDirectory();
export const isFile = (p) => exists(p) && fs.statSync(p).isFile();
export const read = (p) => fs.readFileSync(p, "utf8");

/** Every YAML document of a file, with YAML 1.1 merge keys (<<: *anchor) as docker compose reads them. */
export function parseYamlDocuments(text, file) {
  const docs = YAML.parseAllDocuments(text, { merge: true, prettyErrors: true });
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value = doc.toJS({ maxAliasCount: 1000 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function parseYamlFile(file) {
  const docs = parseYamlDocuments(read(file), file);
  if (docs.length !== 1) throw new Error(`${file}: expected one YAML document, found ${docs.length}`);
  return docs[0];
}

/** `inner` is `outer` or below it (what kustomize's default load restrictor allows). */
export function isInside(outer, inner) {
  const rel = path.relative(path.resolve(outer), path.resolve(inner));
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

export const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// Public images this project may use by name, each with a pinned (versioned) tag.
export const KNOWN_PUBLIC_IMAGES = new Set([
  "postgres",
  "traefik",
  "node",
  "busybox",
  "alpine",
  "debian",
  "ubuntu",
  "curlimages/curl",
  "mcr.microsoft.com/dotnet/sdk",
  "mcr.microsoft.com/dotnet/aspnet",
  "mcr.microsoft.com/dotnet/runtime",
  "mcr.microsoft.com/dotnet/runtime-deps",
]);

/** Splits "registry/repo:tag@digest" into repository, tag and digest. */
export function splitImage(ref) {
  let rest = ref;
  let digest = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = null;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const repository = rest.replace(/^docker\.io\/(library\/)?/, "").replace(/^library\//, "");
  return { repository, tag, digest };
}

/**
 * Releases whose exact version has two numbers: PostgreSQL's second is its patch release (17.6), Debian's
 * and Ubuntu's point releases likewise. Every other image's exact version has three (v3.5.3, 22.19.0, 10.0.12).
 */
const EXACT_VERSION_NUMBERS = { postgres: 2, debian: 2, ubuntu: 2 };

/**
 * A tag that names one release exactly (17.6, v3.5.3, 22.19.0-bookworm-slim, 10.0.12), not "latest" nor a
 * floating major or minor (17, v3.5, 22-bookworm-slim, 10.0), which moves to whatever is released next.
 */
export function isExactVersionTag(repository, tag) {
  const m = typeof tag === "string" ? /^v?(\d+(?:\.\d+)*)([-.+_][A-Za-z][A-Za-z0-9.+_-]*)?$/.exec(tag) : null;
  return m !== null && m[1].split(".").length >= (EXACT_VERSION_NUMBERS[repository] ?? 3);
}

/** Problems with a public image reference, or [] when it is a known image with an exact version tag or a digest. */
export function publicImageProblems(ref) {
  const { repository, tag, digest } = splitImage(ref);
  const problems = [];
  if (!KNOWN_PUBLIC_IMAGES.has(repository)) problems.push(`'${ref}' is neither built here nor a known public image (${[...KNOWN_PUBLIC_IMAGES].join(", ")})`);
  if (!(digest && /^sha256:[0-9a-f]{64}$/.test(digest)) && !isExactVersionTag(repository, tag)) problems.push(`'${ref}' is pinned neither by digest nor by an exact version (got ${tag ?? "no tag, i.e. latest"})`);
  return problems;
}

/**
 * The variables a compose value interpolates: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
 * ${VAR?error}, ${VAR:+alt}, ${VAR+alt} and $VAR; "$$" is a literal dollar.
 */
export function interpolatedVariables(text) {
  const names = [];
  const re = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m[1] === "$") continue;
    names.push(m[2] ?? m[4]);
  }
  return names;
}

/** Interpolates a compose string with the given variables (defaults and required markers honoured). */
export function interpolate(text, vars) {
  return text.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (all, dollar, name, op, arg, bare) => {
    if (dollar === "$") return "$";
    const key = name ?? bare;
    const value = vars[key];
    const unsetOrEmpty = value === undefined || value === "";
    switch (op) {
      case ":-": return unsetOrEmpty ? arg : value;
      case "-": return value === undefined ? arg : value;
      case ":+": return unsetOrEmpty ? "" : arg;
      case "+": return value === undefined ? "" : arg;
      default: return value ?? "";
    }
  });
}

/** KEY=value lines of a .env file (comments, blank lines and "export " ignored). */
export function parseEnvFile(text) {
  const vars = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    vars[m[1]] = value;
  }
  return vars;
}

/** Every string in a parsed YAML tree, keys included. */
export function* allStrings(node) {
  if (typeof node === "string") {
    yield node;
  } else if (Array.isArray(node)) {
    for (const item of node) yield* allStrings(item);
  } else if (isPlainObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      yield key;
      yield* allStrings(value);
    }
  }
}

/** Deep-maps every string of a parsed YAML tree. */
export function mapStrings(node, fn) {
  if (typeof node === "string") return fn(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, fn));
  if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mapStrings(v, fn)]));
  return node;
}

/** The path and (optional) query of a Traefik rule's PathPrefix(`...`) / Path(`...`) matchers, negations excluded. */
export function rulePathPrefixes(rule) {
  const prefixes = [];
  const re = /(!?)\s*(PathPrefix|Path)\(\s*`([^`]*)`\s*\)/g;
  let m;
  while ((m = re.exec(rule)) !== null) {
    if (m[1] !== "!") prefixes.push(m[3]);
  }
  return prefixes;
}

/**
 * Whether a Traefik rule may match a request for `path`: true, false, or null when that depends on
 * something other than the path (Host, Method, Header...). Path, PathPrefix and PathRegexp are decided;
 * &&, || and ! follow three-valued logic, so a rule is shown never to match only when its path
 * matchers alone rule the path out.
 */
export function ruleMatchesPath(rule, path) {
  const tokens = [];
  const re = /\s*(&&|\|\||!|\(|\)|([A-Za-z]+)\(\s*((?:`[^`]*`\s*,?\s*)*)\))/y;
  let at = 0;
  while (at < rule.length) {
    re.lastIndex = at;
    const m = re.exec(rule);
    if (!m) {
      if (rule.slice(at).trim() === "") break;
      throw new Error(`cannot read Traefik rule '${rule}' at '${rule.slice(at)}'`);
    }
    tokens.push(m[2] ? { matcher: m[2], args: [...m[3].matchAll(/`([^`]*)`/g)].map((a) => a[1]) } : { op: m[1] });
    at = re.lastIndex;
  }
  let i = 0;
  const and = (a, b) => (a === false || b === false ? false : a === true && b === true ? true : null);
  const or = (a, b) => (a === true || b === true ? true : a === false && b === false ? false : null);
  const matcher = ({ matcher: name, args }) => {
    switch (name) {
      case "Path": return args[0] === path;
      case "PathPrefix": return path.startsWith(args[0]);
      case "PathRegexp": {
        const ignoreCase = args[0].startsWith("(?i)");
        return new RegExp(ignoreCase ? args[0].slice(4) : args[0], ignoreCase ? "i" : "").test(path);
      }
      default: return null;
    }
  };
  const unary = () => {
    const token = tokens[i++];
    if (token?.op === "!") {
      const v = unary();
      return v === null ? null : !v;
    }
    if (token?.op === "(") {
      const v = disjunction();
      if (tokens[i++]?.op !== ")") throw new Error(`unbalanced parentheses in Traefik rule '${rule}'`);
      return v;
    }
    if (token?.matcher) return matcher(token);
    throw new Error(`cannot read Traefik rule '${rule}'`);
  };
  const conjunction = () => {
    let v = unary();
    while (tokens[i]?.op === "&&") {
      i++;
      v = and(v, unary());
    }
    return v;
  };
  const disjunction = () => {
    let v = conjunction();
    while (tokens[i]?.op === "||") {
      i++;
      v = or(v, conjunction());
    }
    return v;
  };
  const value = disjunction();
  if (i !== tokens.length) throw new Error(`cannot read Traefik rule '${rule}'`);
  return value;
}
