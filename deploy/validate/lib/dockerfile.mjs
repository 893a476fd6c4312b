// Dockerfiles: a small parser (continuations, comments, stages, ARG defaults) and the checks on them.
import path from "node:path";
import { isFile, publicImageProblems, read } from "./util.mjs";

/** Instructions of a Dockerfile: [{ keyword, args, line }], comments and parser directives dropped. */
export function parseDockerfile(text) {
  const instructions = [];
  let buffer = "";
  let start = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (buffer === "" && /^\s*#/.test(line)) continue;
    if (buffer !== "" && /^\s*#/.test(line)) continue; // comment lines inside a continuation
    if (buffer === "") start = i + 1;
    if (/\\\s*$/.test(line)) {
      buffer += line.replace(/\\\s*$/, " ");
      continue;
    }
    buffer += line;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(buffer);
    if (m) instructions.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buffer = "";
  }
  return instructions;
}

/** Stages: [{ name, image, instructions }], with FROM's ${ARG} resolved from the global ARG defaults. */
export function stagesOf(instructions) {
  const args = {};
  const stages = [];
  for (const ins of instructions) {
    if (ins.keyword === "ARG" && stages.length === 0) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args);
      if (m) args[m[1]] = (m[2] ?? "").replace(/^"(.*)"$/, "$1");
    } else if (ins.keyword === "FROM") {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      const image = parts[0].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name) => args[name] ?? "");
      const name = parts[1]?.toUpperCase() === "AS" ? parts[2] : null;
      stages.push({ name, image, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1).instructions.push(ins);
    }
  }
  return stages;
}

const execForm = (args) => {
  try {
    const value = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : null;
  } catch {
    return null;
  }
};

function copyOf(args) {
  const tokens = args.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  const flags = {};
  const rest = [];
  for (const token of tokens) {
    const flag = /^--([a-z-]+)(?:=(.*))?$/.exec(token);
    if (flag) flags[flag[1]] = flag[2] ?? true;
    else rest.push(token.replace(/^"(.*)"$/, "$1"));
  }
  return { from: flags.from ?? null, sources: rest.slice(0, -1), dest: rest.at(-1) };
}

/** The WORKDIR in effect before instruction index `upTo` of a stage. */
function workdirAt(stage, upTo) {
  let dir = "/";
  for (const ins of stage.instructions.slice(0, upTo)) {
    if (ins.keyword === "WORKDIR") dir = path.posix.resolve(dir, ins.args.replace(/^"(.*)"$/, "$1"));
  }
  return dir;
}

const stageImages = (stages) => stages.map((s) => s.image).filter((image) => !stages.some((t) => t.name && t.name === image));

/**
 * The final stage's ENTRYPOINT runs `dotnet <Assembly>.dll`, and that file is the output of a stage that
 * runs `dotnet publish` on the project, copied to where the ENTRYPOINT looks for it.
 */
export function entrypointProblems(file, assembly, projectPath) {
  const stages = stagesOf(parseDockerfile(read(file)));
  if (stages.length === 0) return ["no FROM"];
  const final = stages.at(-1);
  const index = final.instructions.findLastIndex((i) => i.keyword === "ENTRYPOINT");
  if (index < 0) return ["the final stage has no ENTRYPOINT"];
  const entry = execForm(final.instructions[index].args);
  if (!entry) return [`ENTRYPOINT ${final.instructions[index].args} is not in exec (JSON) form`];
  if (entry[0] !== "dotnet" || path.posix.basename(entry[1] ?? "") !== `${assembly}.dll`) return [`ENTRYPOINT ${JSON.stringify(entry)} does not run dotnet ${assembly}.dll`];
  const dll = path.posix.resolve(workdirAt(final, index), entry[1]);
  const problems = [];
  const copies = final.instructions.map((ins, i) => ({ ins, i })).filter(({ ins }) => ins.keyword === "COPY").map(({ ins, i }) => ({ ...copyOf(ins.args), at: workdirAt(final, i) }));
  const provided = copies.some((copy) => {
    if (!copy.from) return false;
    const source = stages.find((s) => s.name === copy.from);
    if (!source) return false;
    const dest = path.posix.resolve(copy.at, copy.dest);
    const publish = source.instructions.filter((i) => i.keyword === "RUN" && /\bdotnet\s+publish\b/.test(i.args) && i.args.includes(projectPath));
    return publish.some((run) => {
      const out = /(?:-o|--output)\s+(\S+)/.exec(run.args)?.[1];
      if (!out) return false;
      const outDir = path.posix.resolve(workdirAt(source, source.instructions.indexOf(run)), out);
      return copy.sources.some((src) => path.posix.resolve(src) === outDir) && path.posix.dirname(dll) === dest.replace(/\/$/, "");
    });
  });
  if (!provided) problems.push(`${dll} is not the output of a stage that runs 'dotnet publish ${projectPath} -o ...' copied there`);
  return problems;
}

/** The final stage runs as a non-root user. */
export function userProblems(file) {
  const stages = stagesOf(parseDockerfile(read(file)));
  const final = stages.at(-1);
  const user = final?.instructions.filter((i) => i.keyword === "USER").at(-1)?.args;
  if (!user) return ["the final stage has no USER (it would run as root)"];
  if (/^(root|0)(:.*)?$/.test(user)) return [`the final stage runs as ${user}`];
  return [];
}

/** The final stage has a HEALTHCHECK (exec form) that requests `path` and fails on an error status. */
export function healthcheckProblems(file, probePath) {
  const final = stagesOf(parseDockerfile(read(file))).at(-1);
  const check = final?.instructions.filter((i) => i.keyword === "HEALTHCHECK").at(-1);
  if (!check) return ["the final stage has no HEALTHCHECK"];
  const command = execForm(check.args.replace(/^(--[a-z-]+=\S+\s+)*CMD\s+/, ""));
  if (!command) return [`HEALTHCHECK ${check.args} is not 'CMD' in exec (JSON) form`];
  if (!command.some((arg) => arg.endsWith(probePath))) return [`HEALTHCHECK ${JSON.stringify(command)} does not request ${probePath}`];
  if (command[0] === "curl" && !command.some((arg) => /^-[a-zA-Z]*f/.test(arg) || arg === "--fail")) return ["HEALTHCHECK's curl has no -f (an error status would count as healthy)"];
  return [];
}

/** Every FROM is a stage of this file or a known public image with a pinned tag. */
export function baseImageProblems(file) {
  return stageImages(stagesOf(parseDockerfile(read(file)))).flatMap((image) => publicImageProblems(image));
}

/** The projects a csproj references, transitively (paths relative to root, forward slashes). */
export function projectClosure(root, project) {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const abs = path.join(root, rel);
    if (!isFile(abs)) return;
    for (const m of read(abs).matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1].replaceAll("\\", "/"))));
    }
  };
  visit(project);
  return [...seen];
}

/** The restore layer copies every project file the restored project needs before `dotnet restore`. */
export function restoreProblems(root, file, project) {
  const stages = stagesOf(parseDockerfile(read(file)));
  const problems = [];
  for (const stage of stages) {
    const restoreAt = stage.instructions.findIndex((i) => i.keyword === "RUN" && /\bdotnet\s+restore\b/.test(i.args) && i.args.includes(project));
    if (restoreAt < 0) continue;
    const copied = stage.instructions.slice(0, restoreAt).filter((i) => i.keyword === "COPY").flatMap((i) => copyOf(i.args).sources.map((s) => path.posix.normalize(s)));
    for (const needed of projectClosure(root, project)) {
      const covered = copied.some((src) => src === needed || needed.startsWith(src.replace(/\/?$/, "/")));
      if (!covered) problems.push(`${needed} is not copied before 'dotnet restore' (the restore would miss it)`);
    }
    return problems;
  }
  return [`no stage runs 'dotnet restore ${project}'`];
}

/** The README names both commands: the development run and its published equivalent. */
export function readmeProblems(root) {
  const text = read(path.join(root, "README.md"));
  const problems = [];
  if (!text.includes("dotnet run --project src/Omni2.Host")) problems.push("README.md does not show `dotnet run --project src/Omni2.Host`");
  if (!text.includes("dotnet Omni2.Host.dll")) problems.push("README.md does not show the published equivalent `dotnet Omni2.Host.dll`");
  if (!/kubectl apply -k k8s\/?/.test(text)) problems.push("README.md does not show `kubectl apply -k k8s/`");
  if (!text.includes("docker compose up")) problems.push("README.md does not show `docker compose up`");
  return problems;
}

/**
 * .dockerignore keeps local builds and secrets out of the context: a work tree's obj/ would replace the
 * image's restore (publish runs with --no-restore), and .env holds the compose secrets.
 */
export function dockerignoreProblems(root) {
  const file = path.join(root, ".dockerignore");
  if (!isFile(file)) return [".dockerignore is missing"];
  const patterns = new Set(read(file).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => l.replace(/\/$/, "")));
  return ["**/bin", "**/obj", "**/node_modules", ".env"].filter((p) => !patterns.has(p)).map((p) => `.dockerignore does not exclude ${p}`);
}
