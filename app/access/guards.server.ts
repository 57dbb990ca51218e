import type { Role } from "~/data/schema";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { requireUser, type AuthUser } from "./session.server";
import { hasRole } from "~/org/users.server";

/** Requires a signed-in user with one of the roles (admins pass every role check). */
export async function requireRole(request: Request, ...roles: Role[]): Promise<AuthUser> {
  const user = await requireUser(request);
  if (!roles.some((r) => hasRole(user, r))) {
    throw new AccessDeniedError(msg("error.rolesOnly", { roles: roles.join(" / ") }));
  }
  return user;
}
