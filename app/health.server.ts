/**
 * Health of the parts the portal needs. Domains add checks (search, backups).
 * Anyone may ask whether the portal is up (publicHealth); the details (head
 * commit, user counts, backup times, delivery counts) are for admins and for
 * a monitor holding HEALTH_TOKEN (routes/healthz.ts decides, decision 075).
 */
import { readDb, storeStatus } from "~/data/db.server";
import { resolveRef } from "~/documents/repo.server";
import { indexedHead } from "~/documents/version-index.server";

export interface HealthCheck {
  ok: boolean;
  [detail: string]: unknown;
}

const checks = new Map<string, () => Promise<HealthCheck> | HealthCheck>();

export function addHealthCheck(name: string, fn: () => Promise<HealthCheck> | HealthCheck) {
  checks.set(name, fn);
}

export async function health(): Promise<{ ok: boolean; checks: Record<string, HealthCheck> }> {
  const out: Record<string, HealthCheck> = {};
  try {
    const head = await resolveRef();
    out.repository = { ok: !!head, head, indexedHead: indexedHead(), indexCurrent: head === indexedHead() };
  } catch (error) {
    out.repository = { ok: false, error: (error as Error).message };
  }
  try {
    const db = readDb();
    // With PostgreSQL, pages are read from memory; "ok: false" says that changes cannot be saved now.
    const { ok, ...store } = storeStatus();
    out.database = { ok, ...store, users: db.users.length, departments: db.departments.length };
  } catch (error) {
    out.database = { ok: false, error: (error as Error).message };
  }
  for (const [name, fn] of checks) {
    try {
      out[name] = await fn();
    } catch (error) {
      out[name] = { ok: false, error: (error as Error).message };
    }
  }
  if (!out.search) out.search = { ok: true, engine: "none" };
  return { ok: Object.values(out).every((c) => c.ok), checks: out };
}

export interface PublicHealth {
  status: "ok" | "degraded";
  /** Whether search answers yet: "loading" while the index loads after start, else the engine's state or "ready". */
  search: string;
}

/** What an anonymous caller is told: the overall status and whether search is ready, nothing else. */
export function publicHealth(result: { ok: boolean; checks: Record<string, HealthCheck> }): PublicHealth {
  const search = result.checks.search;
  const state = typeof search?.state === "string" ? search.state : search?.ok === false ? "unavailable" : "ready";
  return { status: result.ok ? "ok" : "degraded", search: state };
}
