/** Form posts of the access pages, shared by the queue and the request page. */
import { z } from "zod";
import type { AuthUser } from "./session.server";
import { decideAccess } from "./decisions.server";
import { revokeGrant } from "./grants.server";
import { readRecordedForm, recorded } from "./refusals.server";
import { getRequest, withdrawRequest } from "./requests.server";
import { msg, NotFoundError } from "~/utils/errors.server";

const DecisionPostSchema = z
  .object({
    intent: z.enum(["approve", "reject", "withdraw", "revoke"], { errorMap: () => ({ message: "unknown action" }) }),
    id: z.string().trim().min(1, "required").max(80),
  })
  .passthrough();

export type DecisionPostResult =
  | { ok: true; intent: "approve" | "reject" | "withdraw" | "revoke"; id: string }
  | { ok: false; fieldErrors: Record<string, string>; formError: string };

/** Reads an approve / reject / withdraw / revoke post and carries it out (refusals are recorded). */
export async function handleDecisionPost(request: Request, user: AuthUser): Promise<DecisionPostResult> {
  const form = await readRecordedForm(request, DecisionPostSchema, user, "access.decide");
  if (!form.ok) return { ok: false, fieldErrors: form.fieldErrors, formError: form.formError };
  const v = form.value as z.infer<typeof DecisionPostSchema> & Record<string, unknown>;
  if (v.intent === "revoke") {
    const grantId = getRequest(v.id)?.grantId;
    if (!grantId) {
      return recorded(user.username, "access.revoke", `request:${v.id}`, () => {
        throw new NotFoundError(msg("access.err.noGrantToRevoke"));
      });
    }
    await revokeGrant(user, grantId, String(v.reason ?? ""));
    return { ok: true, intent: "revoke", id: v.id };
  }
  if (v.intent === "withdraw") {
    await withdrawRequest(user, v.id);
    return { ok: true, intent: "withdraw", id: v.id };
  }
  // A shown list of sections with nothing ticked means "none", not "as asked".
  const sections = v.sections ?? (v.sectionsShown ? [] : undefined);
  await decideAccess(user, v.id, { decision: v.intent, days: v.days, sections, note: v.note || undefined, reason: v.reason });
  return { ok: true, intent: v.intent, id: v.id };
}
