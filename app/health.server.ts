/** Health of the parts the portal needs. Domains add checks (search, backups). */
import { readDb } from "~/data/db.server";
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
    out.database = { ok: true, users: db.users.length, departments: db.departments.length };
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
