/**
 * The connection to PostgreSQL that instances coordinate through (decision 111):
 * cross-instance locks, the notification bus and the scheduler's leader lease.
 * Without DATABASE_URL there is one process and none of this is used.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg } from "~/utils/errors.server";

let pool: pg.Pool | null = null;

/** This process's name on the bus (host, pid and a random part: a restarted process is a new instance). */
export const INSTANCE_ID = `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

/** True when instances share a database (DATABASE_URL is set). */
export function clustered(): boolean {
  return Boolean(getEnv().DATABASE_URL);
}

/** The shared database cannot be reached: nothing was changed (503). */
export class SharedDatabaseUnavailableError extends DomainError {
  constructor(problem: string) {
    super("unavailable", msg("error.sharedDbUnavailable"), { problem });
  }
}

/** Connection settings for a dedicated client (LISTEN, leader lease). */
export function connectionConfig(): pg.ClientConfig {
  const url = getEnv().DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  return { connectionString: url, connectionTimeoutMillis: 5_000, application_name: "regula-cluster", keepAlive: true };
}

/** The pool for short coordination queries (NOTIFY, advisory locks). */
export function coordinationPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({ ...connectionConfig(), max: 4, idleTimeoutMillis: 30_000 });
    // An idle client whose server went away: the pool drops it; the next query reconnects.
    pool.on("error", (error) => console.warn(`[cluster] database connection lost: ${error.message}`));
    // A client checked out when the server goes away: its query fails and is handled; the event must not end the process.
    pool.on("connect", (client) => client.on("error", () => undefined));
  }
  return pool;
}

/** Closes the pool (shutdown). */
export async function closeCoordinationPool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.end().catch(() => undefined);
}
