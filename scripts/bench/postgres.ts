/**
 * The data layer with PostgreSQL against lowdb, in the same run (decision 108):
 * the writes behind a sign-in (a new session record, an audit entry) and behind
 * an approval (a proposal record changed, an audit entry), timed one after the
 * other through `updateDb` and `appendAudit` on a data set of realistic size
 * (BENCH_PG_USERS people, as many proposals). Each backend runs in its own
 * process (a fresh DATA_DIR; with PostgreSQL a fresh database: DATABASE_URL's
 * server when set, otherwise a throwaway cluster started here).
 *
 * `benchPostgres(row, log)` is called by scripts/bench.ts; run alone with
 * `npx tsx scripts/bench/postgres.ts` (BENCH_PG_USERS, BENCH_PG_OPS).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;
const run = promisify(execFile);
const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), "../..");

interface WorkerResult {
  backend: string;
  signInP50: number;
  signInP95: number;
  approvalP50: number;
  approvalP95: number;
  ops: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

/** One backend, in this process: DATA_DIR and (for PostgreSQL) DATABASE_URL are set by the caller. */
async function worker(): Promise<WorkerResult> {
  const users = Number(process.env.BENCH_PG_USERS ?? 2000);
  const ops = Number(process.env.BENCH_PG_OPS ?? 200);
  process.env.AUDIT_KEY ??= "bench-audit-key-for-the-postgres-benchmark-only";
  process.env.SESSION_SECRET ??= "bench-session-secret-not-used";
  const { loadDb, updateDb, closeDb, mutableCollection } = await import("~/data/db.server");
  const { appendAudit } = await import("~/audit/audit.server");
  await loadDb();
  const now = new Date().toISOString();
  await updateDb((d) => {
    for (let i = 0; i < users; i++) {
      d.users.push({
        id: `u${i}`, username: `user${i}`, name: `用户 ${i}`, email: `user${i}@example.com`, departmentId: "qa",
        roles: ["staff"], passwordHash: "x".repeat(60), active: true, createdAt: now,
      });
    }
    const proposals = mutableCollection<Record<string, unknown>>(d, "benchProposals");
    for (let i = 0; i < users; i++) proposals.push({ id: `p${i}`, number: `QP-${i}`, status: "review", approvals: [], body: "变更说明 ".repeat(40) });
  });
  const signIn: number[] = [];
  const approval: number[] = [];
  for (let i = 0; i < ops; i++) {
    let t = performance.now();
    await updateDb((d) => {
      d.sessions.push({ id: `s${i}-${Math.random().toString(36).slice(2)}`, userId: `u${i % users}`, createdAt: now, expiresAt: now });
    });
    await appendAudit({ actor: `user${i % users}`, action: "auth.login", object: `user:user${i % users}` });
    signIn.push(performance.now() - t);
    t = performance.now();
    await updateDb((d) => {
      const p = mutableCollection<{ id: string; status: string; approvals: unknown[] }>(d, "benchProposals").find((x) => x.id === `p${i % users}`)!;
      p.approvals.push({ by: "approver", at: now, decision: "approve" });
      p.status = "approved";
    });
    await appendAudit({ actor: "approver", action: "proposal.approve", object: `QP-${i % users}`, details: { proposal: `p${i % users}` } });
    approval.push(performance.now() - t);
  }
  await closeDb();
  signIn.sort((a, b) => a - b);
  approval.sort((a, b) => a - b);
  return {
    backend: process.env.DATABASE_URL ? "postgres" : "lowdb",
    signInP50: percentile(signIn, 50),
    signInP95: percentile(signIn, 95),
    approvalP50: percentile(approval, 50),
    approvalP95: percentile(approval, 95),
    ops,
  };
}

async function runWorker(env: Record<string, string>): Promise<WorkerResult> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.DATABASE_URL;
  const { stdout } = await run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), HERE, "--worker"], {
    cwd: ROOT,
    env: { ...base, ...env },
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split("\n").pop()!;
  return JSON.parse(line) as WorkerResult;
}

/** Runs both backends and reports their p95 as rows of the benchmark table. */
export async function benchPostgres(row: Row, log: (s: string) => void): Promise<void> {
  log("Data layer: PostgreSQL against lowdb …");
  const { startPostgres, postgresBinDir } = await import("../../tests/helpers/postgres");
  if (!process.env.DATABASE_URL && !postgresBinDir()) {
    row("data layer with PostgreSQL", "skipped: no DATABASE_URL and no PostgreSQL binaries", "", null);
    return;
  }
  const server = process.env.DATABASE_URL ? null : await startPostgres();
  const dirs: string[] = [];
  try {
    let url = process.env.DATABASE_URL ?? server!.url;
    if (!server) {
      // A database of its own on the given server, so the figures start from empty tables.
      const pg = (await import("pg")).default;
      const admin = new pg.Client(url);
      await admin.connect();
      const name = `regula_bench_${Date.now()}`;
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(url);
      u.pathname = `/${name}`;
      url = u.toString();
    }
    const results: WorkerResult[] = [];
    for (const databaseUrl of [undefined, url]) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-pg-"));
      dirs.push(dataDir);
      results.push(await runWorker(databaseUrl ? { DATA_DIR: dataDir, DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir }));
    }
    for (const r of results) {
      const ok = r.signInP95 < 50 && r.approvalP95 < 50;
      row(
        `data layer, ${r.backend}: sign-in writes / approval writes (${r.ops} each, session or proposal + audit entry)`,
        `p95 ${r.signInP95.toFixed(1)} ms / ${r.approvalP95.toFixed(1)} ms (p50 ${r.signInP50.toFixed(1)} / ${r.approvalP50.toFixed(1)})`,
        "p95 < 50 ms",
        ok,
      );
    }
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await server?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes("--worker")) {
    worker()
      .then((r) => console.log(JSON.stringify(r)))
      .catch((error) => {
        console.error(error);
        process.exit(1);
      });
  } else {
    benchPostgres((m, r, t) => console.log(`${m}: ${r}${t ? ` (target ${t})` : ""}`), (s) => console.log(s)).catch((error) => {
      console.error(error);
      process.exit(1);
    });
  }
}
