/**
 * GET /auth/oidc/:provider/callback — where the provider sends the browser
 * back: a session (sign-in), a recorded signature (re-authentication), or the
 * page that started it saying why not.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { finishCallback } from "~/access/oidc-sign-in.server";
import { finishApprovalSignature } from "~/revisions/sso-signature.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const outcome = await finishCallback(request, String(params.provider));
  const headers = new Headers({ "Cache-Control": "no-store" });
  for (const c of outcome.setCookies) headers.append("Set-Cookie", c);
  if (outcome.kind !== "sign") return redirect(outcome.location, { headers });
  const signed = await finishApprovalSignature(outcome.user, outcome.pending, outcome.proof);
  const page = `/proposals/${encodeURIComponent(signed.proposalId)}`;
  return redirect(signed.outcome ? `${page}?done=${signed.outcome.result}` : `${page}?held=${signed.heldId}&signError=decision`, { headers });
}
