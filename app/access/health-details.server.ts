/**
 * Who may read /healthz's details: signed-in admins, and a monitor that sends
 * `Authorization: Bearer <HEALTH_TOKEN>` when that setting is configured.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { getEnv } from "~/utils/env.server";
import { getUser } from "./session.server";
import { hasRole } from "~/org/users.server";

function digest(s: string) {
  return createHash("sha256").update(s).digest();
}

/** Whether the request carries the configured monitoring token. */
export function hasHealthToken(request: Request): boolean {
  const configured = getEnv().HEALTH_TOKEN;
  const auth = request.headers.get("Authorization");
  if (!configured || !auth?.startsWith("Bearer ")) return false;
  return timingSafeEqual(digest(auth.slice(7).trim()), digest(configured));
}

/** Whether the caller may see the health details (admins and the monitoring token). */
export async function mayReadHealthDetails(request: Request): Promise<boolean> {
  if (hasHealthToken(request)) return true;
  const user = await getUser(request).catch(() => null);
  return !!user && hasRole(user, "admin");
}
