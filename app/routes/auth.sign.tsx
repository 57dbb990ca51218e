/**
 * POST /auth/sign — an approver whose account belongs to a company provider
 * signs an approval: the comment is held on the server and the browser goes
 * to the provider to authenticate again (decision 086).
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { startApprovalSignature } from "~/revisions/sso-signature.server";
import { readForm, resourceErrorPage } from "~/web/http.server";

const SignForm = z.object({ proposal: z.string().min(1).max(40), comment: z.string().max(4000, "at most 4000 characters").default("") });

export async function loader() {
  return redirect("/");
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const form = await readForm(request, SignForm);
    if (!form.ok) return redirect("/proposals");
    const { location, setCookie } = await startApprovalSignature(request, user, form.value.proposal, form.value.comment);
    return redirect(location, { headers: { "Cache-Control": "no-store", ...(setCookie ? { "Set-Cookie": setCookie } : {}) } });
  } catch (error) {
    return resourceErrorPage(error);
  }
}
