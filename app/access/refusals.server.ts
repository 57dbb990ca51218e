/**
 * Refused access operations are answered with a clear message AND written to
 * the audit log (outcome "denied"): unknown documents, requests for access one
 * already has, decisions by people who may not decide, forged form posts.
 */
import type { LoaderFunctionArgs, ActionFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import { appendAudit } from "~/audit/audit.server";
import { DomainError, msg, ValidationError, type ErrorCode } from "~/utils/errors.server";
import type { Vars } from "~/i18n/i18n";
import { api, readForm, type FormResult } from "~/web/http.server";
import { assertSameOrigin, getUser, type AuthUser } from "./session.server";

/**
 * A refusal with a message key for the interface (the English message is for
 * logs and API clients; pages translate `details.key`).
 */
export function accessError(
  code: ErrorCode,
  key: string,
  message: string,
  extra: { vars?: Vars; fieldErrors?: Record<string, string> } = {},
): DomainError {
  return new DomainError(code, message, { key, ...(extra.vars ? { vars: extra.vars } : {}), ...(extra.fieldErrors ? { fieldErrors: extra.fieldErrors } : {}) });
}

/** Writes a refusal to the audit log. */
export async function recordRefusal(actor: string, action: string, object: string, error: unknown, details: Record<string, unknown> = {}) {
  const reason = error instanceof Error ? error.message : String(error);
  const code = error instanceof DomainError ? error.code : "error";
  // The message key is kept beside the English reason, so the audit page can show the reason in the reader's language.
  const keyed = error instanceof DomainError && error.key ? { reasonKey: error.key, ...(error.vars ? { reasonVars: error.vars } : {}) } : {};
  await appendAudit({ actor, action, object, outcome: "denied", details: { ...details, code, reason: reason.slice(0, 300), ...keyed } });
}

/** Runs a domain step; a DomainError it throws is recorded, then rethrown. */
export async function recorded<T>(actor: string, action: string, object: string, fn: () => Promise<T> | T, details: Record<string, unknown> = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DomainError) await recordRefusal(actor, action, object, error, details);
    throw error;
  }
}

/**
 * readForm (origin + CSRF + schema) whose refusals — forged posts and invalid
 * input — are recorded under `action`.
 */
export async function readRecordedForm<S extends z.ZodTypeAny>(
  request: Request,
  schema: S,
  user: AuthUser,
  action: string,
  object = "",
): Promise<FormResult<z.infer<S>>> {
  let form: FormResult<z.infer<S>>;
  try {
    form = await readForm(request, schema);
  } catch (error) {
    if (error instanceof DomainError) await recordRefusal(user.username, action, object, error, { channel: "form" });
    throw error;
  }
  if (!form.ok) {
    const objectFromForm = object || String(form.form.get("number") ?? form.form.get("id") ?? "").slice(0, 40);
    await appendAudit({
      actor: user.username,
      action,
      object: objectFromForm,
      outcome: "denied",
      details: { code: "bad_request", reason: "invalid form", fields: Object.keys(form.fieldErrors) },
    });
  }
  return form;
}

/**
 * api() for access endpoints that change state: a cross-site or token-less
 * call is refused (403, as api() does) and recorded.
 */
export function recordedApi<A extends LoaderFunctionArgs | ActionFunctionArgs>(
  action: string,
  fn: Parameters<typeof api<A>>[0],
) {
  const inner = api<A>(fn);
  return async (args: A): Promise<Response> => {
    if (args.request.method !== "GET" && args.request.method !== "HEAD") {
      try {
        await assertSameOrigin(args.request);
      } catch (error) {
        const user = await getUser(args.request);
        if (user) await recordRefusal(user.username, action, "", error, { channel: "api" });
      }
    }
    return inner(args);
  };
}

/** Reads a JSON request body (API); 400 when it is not a JSON object. */
export async function readJsonBody(request: Request, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > maxBytes) throw new DomainError("too_large", msg("error.bodyTooLarge", { kb: Math.round(maxBytes / 1024) }));
  const text = await request.text();
  if (text.length > maxBytes) throw new DomainError("too_large", msg("error.bodyTooLarge", { kb: Math.round(maxBytes / 1024) }));
  try {
    const value = JSON.parse(text || "{}") as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw new DomainError("bad_request", msg("error.sendJson"));
}

/**
 * Refuses fields an API endpoint does not take, naming them (400): a field that is
 * silently ignored looks to the caller as if it had been applied.
 */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): Record<string, unknown> {
  const wrong = Object.keys(body).filter((k) => !allowed.includes(k));
  if (wrong.length) {
    const fieldErrors = Object.fromEntries(wrong.map((k) => [k, "unknown field"]));
    throw new ValidationError(msg("error.requestInvalid", { problems: wrong.map((k) => `${k}: unknown field`).join("; ") }), fieldErrors);
  }
  return body;
}

/** Whether an error is Remix refusing a cross-site form post before any action ran. */
export function isCrossSiteRefusal(error: unknown): boolean {
  return error instanceof Error && /does not match `origin` header|headers are not provided\. One of these is needed to compare the `origin`/.test(error.message);
}

/** Records a cross-site form post that the framework refused (the answer is already a bare 500). */
export async function recordCrossSitePost(request: Request): Promise<void> {
  try {
    const user = await getUser(request);
    await appendAudit({
      actor: user?.username ?? "anonymous",
      action: "request.cross-site",
      object: new URL(request.url).pathname.slice(0, 120),
      outcome: "denied",
      details: { method: request.method, origin: (request.headers.get("Origin") ?? "").slice(0, 120) },
    });
  } catch (error) {
    console.warn(`[audit] could not record a cross-site post: ${(error as Error).message}`);
  }
}
