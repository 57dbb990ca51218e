#!/usr/bin/env node
// npm test: checks the layer rule (scripts/check-layers.mjs, decision 083), runs every vitest
// suite and ends with "tests: N passed, M failed" (a broken layer rule counts as one failure).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const layers = spawnSync(process.execPath, [path.join(root, "scripts/check-layers.mjs")], { cwd: root, stdio: "inherit" });
const report = path.join(root, "test-results", "vitest.json");
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true });
const args = [
  path.join(root, "node_modules/vitest/vitest.mjs"),
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: process.env });
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const data = JSON.parse(fs.readFileSync(report, "utf8"));
  passed = data.numPassedTests ?? 0;
  failed = data.numFailedTests ?? 0;
  skipped = (data.numPendingTests ?? 0) + (data.numTodoTests ?? 0);
  if (result.status !== 0 && failed === 0) failed = Math.max(1, data.numFailedTestSuites ?? 1);
} catch {
  failed = result.status === 0 ? 0 : 1;
}
if (layers.status !== 0) failed += 1;
if (skipped) console.log(`skipped: ${skipped} (tests that need a service this machine does not have, e.g. Meilisearch without MEILI_HOST)`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(layers.status !== 0 ? 1 : (result.status ?? 1));
