/**
 * Demo accounts never reach a real installation (decision 091). When the
 * portal is configured for real use (utils/installation.server.ts): demo
 * accounts are not created, the demo accounts that still have the published
 * password are disabled at start (with a log line, an audit entry and a
 * warning on the admin page), and that password is refused at sign-in for
 * every account.
 */
import fs from "node:fs";
import path from "node:path";
import { appendAudit } from "~/audit/audit.server";
import { readDb, updateDb } from "~/data/db.server";
import { getEnv } from "~/utils/env.server";
import { describeReasons, realUseReasons, type RealUseReason } from "~/utils/installation.server";
import { verifyPassword } from "~/org/password.server";

/** The password the demo accounts are created with (published in the README). */
export const DEMO_PASSWORD = "demo1234";

/** True when `password` is the published demo password. */
export function isDemoPassword(password: string): boolean {
  return typeof password === "string" && password.normalize("NFKC") === DEMO_PASSWORD;
}

/** True when this installation refuses the demo password (it is configured for real use). */
export function refusesDemoPassword(password: string): boolean {
  return isDemoPassword(password) && realUseReasons().length > 0;
}

/** The usernames of the demo accounts ($CONTENT_DIR/demo.json). */
function demoUsernames(): string[] {
  try {
    const demo = JSON.parse(fs.readFileSync(path.join(getEnv().contentDir, "demo.json"), "utf8")) as { users?: { username?: unknown }[] };
    return (demo.users ?? []).map((u) => u.username).filter((u): u is string => typeof u === "string");
  } catch {
    return [];
  }
}

/** Demo accounts found with the demo password at start, with the hash seen then (a changed hash means a new password). */
const found = new Map<string, string>();
let reasonsAtStart: RealUseReason[] = [];

/**
 * At start on a real installation: disables every demo account that still has
 * the demo password, ends its sessions, and records it. Does nothing on a demo.
 */
export async function disableDemoAccounts(): Promise<{ reasons: RealUseReason[]; disabled: string[]; alreadyDisabled: string[] }> {
  const reasons = realUseReasons();
  reasonsAtStart = reasons;
  found.clear();
  if (!reasons.length) return { reasons, disabled: [], alreadyDisabled: [] };
  const names = new Set(demoUsernames().map((u) => u.toLowerCase()));
  const candidates = readDb().users.filter((u) => names.has(u.username.toLowerCase()));
  const withDemoPassword = [];
  for (const u of candidates) if (await verifyPassword(DEMO_PASSWORD, u.passwordHash)) withDemoPassword.push(u);
  const disabled: string[] = [];
  const alreadyDisabled: string[] = [];
  for (const u of withDemoPassword) {
    found.set(u.username, u.passwordHash);
    (u.active ? disabled : alreadyDisabled).push(u.username);
  }
  if (disabled.length) {
    const ids = new Set(withDemoPassword.filter((u) => u.active).map((u) => u.id));
    await updateDb((data) => {
      for (const u of data.users) if (ids.has(u.id)) u.active = false;
      data.sessions = data.sessions.filter((s) => !ids.has(s.userId));
    });
    for (const username of disabled) {
      await appendAudit({ actor: "system", action: "user.demo-disabled", object: `user:${username}`, details: { reasons: describeReasons(reasons) } });
    }
  }
  return { reasons, disabled, alreadyDisabled };
}

/** What the admin page warns about: the real-use settings and the demo accounts still disabled for having the demo password. */
export function demoAccountsWarning(): { reasons: RealUseReason[]; accounts: string[] } | null {
  if (!reasonsAtStart.length || !found.size) return null;
  const users = new Map(readDb().users.map((u) => [u.username, u]));
  const accounts = [...found].filter(([username, hash]) => {
    const u = users.get(username);
    return u && u.passwordHash === hash && !u.active;
  }).map(([username]) => username);
  return accounts.length ? { reasons: reasonsAtStart, accounts } : null;
}
