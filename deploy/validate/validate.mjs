#!/usr/bin/env node
// Offline validation of the deployment files (no Docker engine, no cluster needed):
//   k8s/ (kustomize resolution, Kubernetes + Traefik CRD schemas, references, the silo Deployment),
//   docker-compose.yml (+ .env.example, deploy/compose/), the Dockerfiles and README's run commands,
// then self-checks that broken copies of those files are rejected.
//
//   (cd deploy/validate && npm ci) && node deploy/validate/validate.mjs [--root DIR] [--no-self-checks]
//
// Prints one line per check and ends with 'N passed, N failed'; exits 1 when any check failed.
// scripts/test.sh runs it as one of its suites.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runCheck, schemaChecks, staticChecks } from "./lib/checks.mjs";
import { selfChecks } from "./lib/selfcheck.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const rootArg = args.indexOf("--root");
const root = path.resolve(rootArg >= 0 ? args[rootArg + 1] : path.join(here, "..", ".."));
const withSelfChecks = !args.includes("--no-self-checks");

let passed = 0;
let failed = 0;
function report(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`PASS  ${name}`);
  } else {
    failed++;
    console.log(`FAIL  ${name}: ${problems.join("; ")}`);
  }
}

try {
  for (const check of await schemaChecks(root)) report(check.name, check.problems);
  for (const check of staticChecks) report(check.name, runCheck(check, root));
  if (withSelfChecks) for (const check of await selfChecks(root)) report(check.name, check.problems);
} catch (error) {
  report("validator ran to the end", [error.stack ?? String(error)]);
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
