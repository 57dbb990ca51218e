import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { attachmentAction, draftAttachmentsPage } from "~/attachments/pages.server";
import { DomainError } from "~/utils/errors.server";
import { apiJson, errorText, pageLocale } from "~/web/http.server";

/**
 * The draft's attachments as a resource: GET lists them (JSON), POST uploads,
 * replaces or removes one (multipart, CSRF). A script asking for JSON gets the
 * stored attachment with the markdown to insert, or {error:{code,message}} in
 * the reader's language; a plain form post is redirected back to the
 * attachments page, with the outcome or the error named there.
 */
function wantsJson(request: Request): boolean {
  return (request.headers.get("Accept") ?? "").includes("application/json");
}

function errorAnswer(error: unknown, id: string, json: boolean): Response {
  if (error instanceof Response) throw error;
  if (!(error instanceof DomainError)) throw error;
  if (json) {
    const fieldErrors = error.details?.fieldErrors;
    return apiJson({ error: { code: error.code, message: errorText(error, pageLocale()), ...(fieldErrors ? { fieldErrors } : {}) } }, { status: error.status });
  }
  const params = new URLSearchParams({ error: error.key ?? `error.${error.status}` });
  const name = error.vars?.name;
  if (typeof name === "string") params.set("name", name);
  return redirect(`/proposals/${id}/files?${params}`);
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  if (!wantsJson(request)) return redirect(`/proposals/${id}/files`);
  try {
    return apiJson({ attachments: (await draftAttachmentsPage(user, id)).attachments });
  } catch (error) {
    return errorAnswer(error, id, true);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  const json = wantsJson(request);
  try {
    const outcome = await attachmentAction(user, id, request);
    if (json) return apiJson(outcome.json, { status: outcome.ok ? 200 : 400 });
    return redirect(outcome.redirect);
  } catch (error) {
    return errorAnswer(error, id, json);
  }
}
