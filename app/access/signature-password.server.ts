/**
 * Approval signatures re-enter the password. For a local account it is checked
 * here (scrypt); for a directory account the directory checks it by binding as
 * the person, so a signature proves the person knows the password the company
 * holds today. The method is recorded with the signature.
 */
import type { User } from "~/data/schema";
import { verifyDirectoryPassword } from "./ldap.server";
import { ldapEnabled } from "./ldap-settings.server";
import { verifyPassword } from "~/org/password.server";

export type SignatureMethod = "password" | "ldap-bind";

/** Checks the re-entered password of a signer; throws DirectoryUnavailableError when the directory cannot be asked. */
export async function checkSignaturePassword(user: Pick<User, "username" | "passwordHash" | "identity">, password: string): Promise<{ ok: boolean; method: SignatureMethod }> {
  if (user.identity?.source === "ldap") {
    if (!ldapEnabled() || !password) return { ok: false, method: "ldap-bind" };
    return { ok: await verifyDirectoryPassword(user.username, password), method: "ldap-bind" };
  }
  return { ok: !!password && (await verifyPassword(password, user.passwordHash)), method: "password" };
}
