/** WORKERS (decision 113): several processes need the shared database; a bad value is refused before anything starts. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";

function serve(env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  delete clean.WORKERS;
  return spawnSync(process.execPath, [path.join(ROOT, "scripts/serve.mjs"), path.join(ROOT, "no-such-build/server/index.js")], {
    env: { ...clean, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("WORKERS", () => {
  it("refuses several workers without DATABASE_URL, saying why", () => {
    const result = serve({ WORKERS: "2" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("WORKERS=2 needs DATABASE_URL");
  });

  it("refuses a value that is not a number of processes", () => {
    const result = serve({ WORKERS: "many", DATABASE_URL: "postgres://regula@127.0.0.1:1/regula" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("WORKERS=many is not a number of processes");
  });

  it("runs one process as before when WORKERS is 1 or unset (here: the missing build is reported)", () => {
    for (const env of [{}, { WORKERS: "1" }] as Record<string, string>[]) {
      const result = serve(env);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("no server build");
    }
  });
});
