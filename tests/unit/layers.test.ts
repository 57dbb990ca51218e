/**
 * The layer check (.dependency-cruiser.cjs, decision 083) refuses an upward
 * import, a circle and a module outside the layers. It runs here on small
 * trees laid out like app/, with the project's own configuration; npm test
 * and `npm run check:layers` run it on app/ itself.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";

const CHECK = path.join(ROOT, "scripts/check-layers.mjs");
const made: string[] = [];

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Writes the files into a fresh folder (with the project's tsconfig for "~/") and runs `npm run check:layers`'s script there. */
function check(files: Record<string, string>): { exitCode: number | null; violations: Violation[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-layers-"));
  made.push(dir);
  fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const run = spawnSync(process.execPath, [CHECK], { cwd: dir, encoding: "utf8" });
  const violations = [...run.stdout.matchAll(/^([a-z-]+): (\S+) → (\S+)/gm)]
    .map(([, rule, from, to]) => ({ rule, from, to }))
    .sort((a, b) => `${a.rule} ${a.from}`.localeCompare(`${b.rule} ${b.from}`));
  return { exitCode: run.status, violations };
}

/** A tree in the project's shape whose imports all point down. */
const tidy: Record<string, string> = {
  "app/utils/clock.server.ts": "export const today = () => new Date().toISOString().slice(0, 10);\n",
  "app/documents/front-matter.ts": 'import { today } from "~/utils/clock.server";\nexport const stamp = () => today();\n',
  "app/documents/documents.server.ts": 'import { stamp } from "./front-matter";\nexport const readVersion = () => stamp();\n',
  "app/access/policy.server.ts": 'import { stamp } from "~/documents/front-matter";\nexport const decideRead = () => stamp() !== "";\n',
  "app/reading/open.server.ts":
    'import { decideRead } from "~/access/policy.server";\nimport { readVersion } from "~/documents/documents.server";\nexport const openCurrent = () => (decideRead() ? readVersion() : null);\n',
  "app/utils/lifecycle.server.ts": "export const onBoot = (name: string) => name;\n",
  "app/search/boot.server.ts": 'import { onBoot } from "~/utils/lifecycle.server";\nonBoot("search");\n',
  "app/boot.server.ts": 'export const boot = () => import("~/search/boot.server");\n',
};

describe("the layer check", () => {
  it("passes a tree whose imports all point down", () => {
    const result = check(tidy);
    expect(result.violations).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  it("fails on an upward import, a type-only one, a circle through the wiring and a folder of no layer", () => {
    const result = check({
      ...tidy,
      // The store asks the access policy: documents/ is below access/.
      "app/documents/documents.server.ts":
        'import { stamp } from "./front-matter";\nimport { decideRead } from "~/access/policy.server";\nexport const readVersion = () => (decideRead() ? stamp() : "");\n',
      // Even a type from above is an upward import.
      "app/utils/events.server.ts": 'import type { openCurrent } from "~/reading/open.server";\nexport type Opened = ReturnType<typeof openCurrent>;\n',
      // A domain's boot module registering with the wiring module instead of the registry.
      "app/search/boot.server.ts": 'import { boot } from "~/boot.server";\nexport const again = boot;\n',
      // A folder that belongs to no layer.
      "app/misc/helper.server.ts": 'import { today } from "~/utils/clock.server";\nexport const when = today;\n',
    });
    expect(result.violations).toEqual([
      { rule: "layer-documents-imports-upward", from: "app/documents/documents.server.ts", to: "app/access/policy.server.ts" },
      { rule: "layer-utils-imports-upward", from: "app/utils/events.server.ts", to: "app/reading/open.server.ts" },
      { rule: "module-outside-the-layers", from: "app/misc/helper.server.ts", to: "app/utils/clock.server.ts" },
      { rule: "no-circular", from: "app/boot.server.ts", to: "app/search/boot.server.ts" },
    ]);
    expect(result.exitCode).not.toBe(0);
  });
});
