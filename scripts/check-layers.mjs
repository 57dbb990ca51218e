#!/usr/bin/env node
// npm run check:layers: the layer rule of decision 083 (.dependency-cruiser.cjs) over app/.
// Prints one line per violation ("rule: from → to") and exits 1 when there is any.
// Run from another folder, it checks that folder's app/ with this project's rules (tests/unit/layers.test.ts).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
const config = path.join(root, ".dependency-cruiser.cjs");
const run = spawnSync(process.execPath, [cli, "app", "--config", config, "--output-type", "json"], {
  cwd: process.cwd(),
  encoding: "utf8",
  maxBuffer: 256 * 1024 * 1024,
});
let result;
try {
  result = JSON.parse(run.stdout);
} catch {
  process.stderr.write(run.stderr || run.stdout);
  console.error("layers: the check could not run");
  process.exit(2);
}
const errors = result.summary.violations.filter((v) => v.rule.severity === "error");
for (const v of errors) {
  const through = v.cycle?.length ? ` (circle: ${v.cycle.map((c) => c.name ?? c).join(" → ")})` : "";
  console.log(`${v.rule.name}: ${v.from} → ${v.to}${through}`);
}
const { totalCruised, totalDependenciesCruised } = result.summary;
console.log(
  errors.length
    ? `layers: ${errors.length} violation(s) of the layer rule (docs/decisions/083-layers.md)`
    : `layers: ${totalCruised} modules, ${totalDependenciesCruised} imports, no upward import and no circle`,
);
process.exit(errors.length ? 1 : 0);
