/** One entry point for deciding anything in the approver queue (pages and API use it). */
import type { User } from "~/data/schema";
import { msg, NotFoundError } from "~/utils/errors.server";
import { decideEmergency } from "./emergency.server";
import type { GrantRecord } from "./grants.server";
import { accessError, recorded } from "./refusals.server";
import { DecisionSchema, decideRequest, getRequest, type AccessRequest } from "./requests.server";

/**
 * Decides a request or an emergency access: "approve" (with days, and for a
 * sections request the sections) grants or ratifies; "reject" needs a reason.
 */
export async function decideAccess(
  user: Pick<User, "id" | "username" | "roles">,
  id: string,
  raw: unknown,
): Promise<{ request: AccessRequest; grant?: GrantRecord }> {
  const parsed = DecisionSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "form"] ??= issue.message;
    return recorded(user.username, "access.decide", `request:${id.slice(0, 40)}`, () => {
      throw accessError("bad_request", "access.err.invalid", "Please correct the highlighted fields", { fieldErrors });
    });
  }
  const request = getRequest(id);
  if (!request) {
    return recorded(user.username, "access.decide", `request:${id.slice(0, 40)}`, () => {
      throw new NotFoundError(msg("access.err.noRequest"));
    });
  }
  return request.kind === "emergency" ? decideEmergency(user, id, parsed.data) : decideRequest(user, id, parsed.data);
}
