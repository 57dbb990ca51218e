/**
 * Sign-in by a company directory: the directory module registers how it checks
 * a name and password (and creates or updates the account), so that sign-in
 * here does not depend on it (it sits in a higher layer).
 */
import type { User } from "~/data/schema";

/**
 * Checks a name and password against the directory. Returns the portal's
 * account on success, null for a refusal, or undefined when the name is not
 * the directory's to decide (directory switched off, or a local account).
 */
export type DirectorySignIn = (username: string, password: string, local: User | undefined) => Promise<User | null | undefined>;

let handler: DirectorySignIn | null = null;

export function registerDirectorySignIn(fn: DirectorySignIn | null) {
  handler = fn;
}

export function directorySignIn(): DirectorySignIn | null {
  return handler;
}
