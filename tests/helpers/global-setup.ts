/**
 * Builds the app once per source state (content-addressed under .test-build/),
 * then boots it on an empty DATA_DIR to produce the seeded fixture every test
 * copies. Concurrent runs with the same sources share the build.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, TEST_BUILD_ROOT, useTestEnv } from "./paths";
import { startServer } from "./server";

function hashTree(hash: ReturnType<typeof createHash>, p: string) {
  const stat = fs.statSync(p);
  if (stat.isDirectory()) {
    for (const e of fs.readdirSync(p).sort()) hashTree(hash, path.join(p, e));
  } else {
    hash.update(path.relative(ROOT, p));
    hash.update(fs.readFileSync(p));
  }
}

/**
 * The server build records where its client assets are (a path relative to
 * the root); builds are made in a temporary folder and then renamed, so the
 * recorded path is turned into the final one, or static files answer 404.
 */
function pointAssetsAtFinalBuild(buildDir: string, key: string) {
  const serverFile = path.join(buildDir, "server", "index.js");
  const text = fs.readFileSync(serverFile, "utf8");
  const final = path.relative(ROOT, buildDir);
  const fixed = text.replace(new RegExp(`\\.test-build/${key}\\.tmp-\\d+/build`, "g"), final);
  if (fixed !== text) fs.writeFileSync(serverFile, fixed);
}

export default async function setup() {
  useTestEnv();
  const hash = createHash("sha256");
  for (const p of ["app", "public", "content", "vite.config.ts", "package.json", "tsconfig.json"]) {
    const full = path.join(ROOT, p);
    if (fs.existsSync(full)) hashTree(hash, full);
  }
  const key = hash.digest("hex").slice(0, 16);
  const dir = path.join(TEST_BUILD_ROOT, key);
  const buildDir = path.join(dir, "build");
  const fixture = path.join(dir, "fixture-data");
  fs.mkdirSync(TEST_BUILD_ROOT, { recursive: true });
  if (!fs.existsSync(path.join(buildDir, "server", "index.js"))) {
    const tmp = path.join(TEST_BUILD_ROOT, `${key}.tmp-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    const rel = path.relative(ROOT, path.join(tmp, "build"));
    const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production", REGULA_BUILD_DIR: rel },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`Build failed:\n${result.stdout}\n${result.stderr}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.renameSync(path.join(tmp, "build"), buildDir);
    } catch {
      /* another run finished first; use theirs */
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  pointAssetsAtFinalBuild(buildDir, key);
  if (!fs.existsSync(path.join(fixture, "db.json"))) {
    const tmpData = path.join(TEST_BUILD_ROOT, `${key}.data-${process.pid}`);
    fs.rmSync(tmpData, { recursive: true, force: true });
    const server = await startServer({ dataDir: tmpData, buildDir, env: { REGULA_NO_SCHEDULER: "1" } });
    await server.stop();
    try {
      fs.renameSync(tmpData, fixture);
    } catch {
      fs.rmSync(tmpData, { recursive: true, force: true });
    }
  }
  // Keep the three newest builds, and any made in the last two hours (another run may be using it).
  const builds = fs
    .readdirSync(TEST_BUILD_ROOT)
    .filter((d) => /^[0-9a-f]{16}$/.test(d))
    .map((d) => ({ d, t: fs.statSync(path.join(TEST_BUILD_ROOT, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const old of builds.slice(3)) if (old.d !== key && Date.now() - old.t > 2 * 3600_000) fs.rmSync(path.join(TEST_BUILD_ROOT, old.d), { recursive: true, force: true });
  process.env.REGULA_TEST_BUILD = buildDir;
  process.env.REGULA_TEST_FIXTURE = fixture;
  return () => {};
}
