// WORKERS=N (decision 113): N server processes on one machine sharing one port.
//
// The primary process forks the workers (node:cluster shares the listening
// socket among them) and serves nothing itself. Each worker is an instance of
// its own: DATA_DIR/instances/<n> holds its clone of the repository, its
// version and search indexes and its DATA_DIR lock; what must be one for all of
// them is shared: the database (DATABASE_URL, required), the git repository
// (GIT_REMOTE, or DATA_DIR/shared.git made here from DATA_DIR/repo), the session
// secret and the backup folder. A worker that dies is started again.
import cluster from "node:cluster";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The number of workers asked for, or 1. Exits with a clear message on a bad value or without DATABASE_URL. */
export function workerCount() {
  const raw = process.env.WORKERS;
  if (raw === undefined || raw === "" || raw === "1") return 1;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) {
    console.error(`[regula] WORKERS=${raw} is not a number of processes (1–64)`);
    process.exit(2);
  }
  if (!process.env.DATABASE_URL) {
    console.error(
      `[regula] WORKERS=${raw} needs DATABASE_URL: several processes cannot share the embedded database. ` +
        "Set DATABASE_URL=postgres://… (see README, Several instances), or leave WORKERS unset for one process.",
    );
    process.exit(2);
  }
  return Number(raw);
}

function git(args) {
  const result = spawnSync("git", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args[0]} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Settings every worker shares, made once by the primary. */
function sharedSettings(dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  const env = {};
  if (!process.env.GIT_REMOTE) {
    const shared = path.join(dataDir, "shared.git");
    if (!fs.existsSync(path.join(shared, "HEAD"))) {
      git(["init", "--quiet", "--bare", "--initial-branch=main", shared]);
      // An installation that ran as one process: its repository becomes the shared one.
      const own = path.join(dataDir, "repo");
      if (fs.existsSync(path.join(own, "HEAD"))) git(["--git-dir", own, "push", "--quiet", `file://${shared}`, "refs/heads/*:refs/heads/*"]);
    }
    env.GIT_REMOTE = `file://${shared}`;
  }
  if (!process.env.SESSION_SECRET) {
    const file = path.join(dataDir, "session-secret");
    if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
    env.SESSION_SECRET = fs.readFileSync(file, "utf8").trim();
  }
  if (!process.env.BACKUP_DIR) env.BACKUP_DIR = path.join(dataDir, "backups");
  return env;
}

/** Runs the primary: forks `count` workers and restarts any that dies; never returns. */
export function runPrimary(count) {
  const dataDir = path.resolve(process.env.DATA_DIR || "./data");
  let shared;
  try {
    shared = sharedSettings(dataDir);
  } catch (error) {
    console.error(`[regula] WORKERS: ${error.message}`);
    process.exit(1);
  }
  let stopping = false;
  const fork = (n) => {
    const worker = cluster.fork({ ...shared, DATA_DIR: path.join(dataDir, "instances", String(n)), REGULA_WORKER: String(n) });
    worker.on("exit", (code, signal) => {
      if (stopping) return;
      console.warn(`[regula] worker ${n} stopped (${signal ?? code}); starting it again`);
      setTimeout(() => fork(n), 1000).unref();
    });
  };
  console.log(`[regula] starting ${count} workers on DATA_DIR ${dataDir} (one instance each under instances/)`);
  for (let n = 1; n <= count; n++) fork(n);
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.once(signal, () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {});
      let left = workers.length;
      if (!left) process.exit(0);
      for (const w of workers) {
        w.once("exit", () => --left === 0 && process.exit(0));
        w.process.kill(signal);
      }
    });
  }
}
