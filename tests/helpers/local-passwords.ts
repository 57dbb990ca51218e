/**
 * On an installation configured for real use (PUBLIC_URL outside, company
 * sign-in or LDAP set) the published demo password signs nobody in (decision
 * 091). Tests of such installations give the world's local accounts a password
 * of their own first, as an administrator of a real installation would.
 */
import fs from "node:fs";
import path from "node:path";
import { hashPassword } from "~/org/password.server";

export const LOCAL_PASSWORD = "local-pass-2718";

/** Sets LOCAL_PASSWORD on every local account of the world (before its server starts). */
export async function giveLocalPasswords(dataDir: string): Promise<void> {
  const file = path.join(dataDir, "db.json");
  const db = JSON.parse(fs.readFileSync(file, "utf8")) as { users: { passwordHash: string; identity?: unknown }[] };
  const hash = await hashPassword(LOCAL_PASSWORD);
  for (const u of db.users) if (!u.identity && u.passwordHash) u.passwordHash = hash;
  fs.writeFileSync(file, JSON.stringify(db));
}
