/**
 * A throwaway PostgreSQL server for tests of several instances: a new cluster
 * in a temporary folder (initdb), listening on a free port on 127.0.0.1 only,
 * trusted local connections, removed at stop. As root it runs under the
 * `postgres` account (PostgreSQL refuses to run as root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./server";

export interface TestPostgres {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (fast shutdown); `start` brings it back on the same port and data. */
  stop: () => void;
  start: () => void;
  /** Stops it and removes its files. */
  destroy: () => void;
}

function binDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], "bin") : null;
}

/** True when PostgreSQL's server programs are installed (Debian's postgresql package). */
export function postgresAvailable(): boolean {
  return binDir() !== null;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  if (!bin) throw new Error("PostgreSQL server programs not found under /usr/lib/postgresql (apt install postgresql)");
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-pg-"));
  const data = path.join(dir, "data");
  const socket = path.join(dir, "socket");
  fs.mkdirSync(socket);
  if (asRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
  const run = (program: string, args: string[]) => {
    const cmd = asRoot ? "runuser" : path.join(bin, program);
    const full = asRoot ? ["-u", "postgres", "--", path.join(bin, program), ...args] : args;
    const result = spawnSync(cmd, full, { encoding: "utf8", cwd: dir });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  run("initdb", ["-D", data, "-U", "regula", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${socket} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => run("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-o", options, "-w", "-t", "60", "start"]);
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "regula", "regula"]);
  return {
    url: `postgres://regula@127.0.0.1:${port}/regula`,
    port,
    dir,
    stop,
    start,
    destroy: () => {
      try {
        stop();
      } catch {
        /* already stopped */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
