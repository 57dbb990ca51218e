/**
 * A real, throwaway PostgreSQL for the tests: Debian's `postgresql` binaries
 * (initdb + postgres) run a new cluster in a temporary folder, on a free
 * localhost port with its unix socket in that folder. As root the cluster runs
 * as the `postgres` user (PostgreSQL refuses to run as root); otherwise as the
 * current user. No system service is touched. `stop()` ends the server and
 * removes the folder; a test process that dies leaves no server behind (the
 * server is ended on exit).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./server";

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://… for the database created at start (see `createDatabase` for more). */
  url: string;
  port: number;
  /** Folder holding the unix socket. */
  socketDir: string;
  /** Creates another empty database in the same cluster and returns its URL. */
  createDatabase: (name?: string) => Promise<string>;
  /** Ends the server at once (SIGKILL of the postmaster): the database becomes unreachable. */
  kill: () => Promise<void>;
  /** Starts the same cluster again on the same port after `kill`. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
}

/** The folder with initdb and postgres: $PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    const versions = fs
      .readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join("/usr/lib/postgresql", v, "bin"));
  } catch {
    /* not installed */
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, "postgres")) && fs.existsSync(path.join(dir, "initdb"))) ?? null;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function asServerUser(command: string, args: string[]): [string, string[]] {
  return isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

let counter = 0;

/** Starts a new PostgreSQL cluster with one database and returns how to reach and stop it. */
export async function startPostgres(options: { database?: string } = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      "PostgreSQL binaries not found (looked in $PG_BIN and /usr/lib/postgresql/<version>/bin). Install Debian's `postgresql` package (apt-get install postgresql); .ci/run does so.",
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-pg-"));
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, "data");
  if (isRoot) {
    fs.mkdirSync(dataDir, { mode: 0o700 });
    await run("chown", ["-R", "postgres:postgres", dir]);
  }
  try {
    const [cmd, args] = asServerUser(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await run(cmd, args, { cwd: dir });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
  const port = await freePort();
  let child: ChildProcess | null = null;
  const onExit = () => child?.kill("SIGKILL");
  process.once("exit", onExit);

  async function launch() {
    const [cmd, args] = asServerUser(path.join(bin!, "postgres"), [
      "-D", dataDir,
      "-p", String(port),
      "-k", dir,
      "-c", "listen_addresses=127.0.0.1",
      // No fsync: the machine does not crash under a test. But every commit reaches the kernel before
      // it is acknowledged (synchronous_commit stays on), so a SIGKILL of the server (the outage tests)
      // keeps what it acknowledged, as a real server does, instead of losing the last commits.
      "-c", "fsync=off",
      "-c", "full_page_writes=off",
      "-c", "shared_buffers=16MB",
      "-c", "max_connections=60",
      "-c", "logging_collector=off",
    ]);
    let log = "";
    // Launched in its own process group so that SIGKILL reaches the postmaster behind runuser.
    child = spawn(cmd, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], detached: true });
    child.stderr?.on("data", (chunk) => {
      if (log.length < 20_000) log += chunk;
    });
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`postgres exited at start:\n${log}`);
      // Through this cluster's own unix socket: a server of another test that took the port while this
      // one was stopped must not pass for this one (this one then fails to bind and exits, reported above).
      const client = new pg.Client({ host: dir, port, user: "postgres", database: "postgres" });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        // Bounded by attempts, not by the clock: a busy machine may take a while to start it.
        if (Date.now() - started > 120_000) throw new Error(`postgres did not accept connections:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function halt(signal: NodeJS.Signals) {
    const c = child;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    // The postmaster's own pid (behind runuser) is the first line of postmaster.pid.
    let postmaster = 0;
    try {
      postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]) || 0;
    } catch {
      /* not written yet */
    }
    for (const pid of [postmaster, -c.pid]) {
      try {
        if (pid) process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
    await exited;
    // Wait until the postmaster is gone (bounded by attempts), so that a restart finds its data directory free.
    for (let i = 0; postmaster && i < 600; i++) {
      try {
        process.kill(postmaster, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  await launch();

  async function createDatabase(name = `regula_${process.pid}_${++counter}`) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
    } finally {
      await client.end();
    }
    return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  }

  const url = await createDatabase(options.database);
  return {
    url,
    port,
    socketDir: dir,
    createDatabase,
    kill: () => halt("SIGKILL"),
    restart: launch,
    stop: async () => {
      // SIGINT = fast shutdown: open connections are ended.
      await halt("SIGINT");
      process.removeListener("exit", onExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
