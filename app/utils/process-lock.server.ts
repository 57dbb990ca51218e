/**
 * One writing process per DATA_DIR: the server (or a script) holds
 * $DATA_DIR/.lock with its pid. A second writer is refused with a clear
 * message; a lock left by a killed process is taken over.
 */
import fs from "node:fs";
import path from "node:path";
import { getEnv } from "./env.server";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DataDirBusyError extends Error {
  code = "unavailable" as const;
}

/** Takes the DATA_DIR lock for this process (idempotent). */
export function acquireDataDirLock(holder: string): void {
  const dir = getEnv().dataDir;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() }), { flag: "wx" });
      const release = () => {
        try {
          const current = JSON.parse(fs.readFileSync(file, "utf8"));
          if (current.pid === process.pid) fs.rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.once("exit", release);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let info: { pid?: number; holder?: string } = {};
      try {
        info = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch {
        /* torn lock file: treat as stale */
      }
      if (info.pid === process.pid) return;
      if (info.pid && alive(info.pid)) {
        throw new DataDirBusyError(
          `${dir} is in use by ${info.holder ?? "another process"} (pid ${info.pid}). Stop it first, or use the admin pages of the running portal.`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new DataDirBusyError(`Could not take the lock on ${dir}`);
}
