/**
 * The route edge: maps domain errors to HTTP, parses and validates forms, and
 * wraps API handlers so every error is JSON {error:{code,message}}.
 */
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import { DomainError, ValidationError } from "./errors.server";
import { assertSameOrigin, requireUser, type AuthUser } from "~/access/session.server";
import { FrontMatterError } from "~/documents/front-matter";
import { RefMovedError } from "~/documents/repo.server";
import { sayIn, translate, type Locale } from "~/i18n/i18n";
import { localeOf } from "~/shell.server";

export interface ErrorBody {
  error: { code: string; message: string; fieldErrors?: Record<string, string>; details?: Record<string, unknown> };
}

function toDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error instanceof FrontMatterError) return new ValidationError(error.message, error.fieldErrors);
  if (error instanceof RefMovedError) return new DomainError("conflict", "The document changed while you were saving. Reload and try again.");
  return null;
}

/** The error's message and field messages in the reader's language, where the error carries catalogue entries. */
function localized(e: DomainError, locale?: Locale): { message: string; fieldErrors?: Record<string, string> } {
  const base = (e.details?.fieldErrors as Record<string, string> | undefined) ?? (e instanceof ValidationError ? e.fieldErrors : undefined);
  if (!locale) return { message: e.message, fieldErrors: base };
  const message = e.said?.length ? e.said.map((s) => sayIn(locale, s)).join(" ") : e.message;
  let fieldErrors = base;
  if (e.fieldSaid) {
    fieldErrors = { ...(base ?? {}) };
    for (const [field, s] of Object.entries(e.fieldSaid)) fieldErrors[field] = sayIn(locale, s);
  }
  return { message, fieldErrors };
}

/** The JSON error body; `spell` turns field messages that are catalogue keys (validation.invisibleText) into text, for API clients (pages translate them). */
function bodyOf(e: DomainError, locale?: Locale, spell = false): ErrorBody {
  const { message, fieldErrors: given } = localized(e, locale);
  const fieldErrors = given && spell ? Object.fromEntries(Object.entries(given).map(([k, v]) => [k, translate(locale ?? "en", v)])) : given;
  const { fieldErrors: _f, ...rest } = e.details ?? {};
  return {
    error: {
      code: e.code,
      message,
      ...(fieldErrors && Object.keys(fieldErrors).length ? { fieldErrors } : {}),
      ...(Object.keys(rest).length ? { details: rest } : {}),
    },
  };
}

/** Rethrows a domain error as an HTTP response for pages (caught by the error boundary). */
export function rethrowForPage(error: unknown): never {
  if (error instanceof Response) throw error;
  const e = toDomainError(error);
  if (e) throw data(bodyOf(e), { status: e.status, headers: { "Cache-Control": "private, no-store" } });
  throw error;
}

/** Wraps a page loader/action so domain errors become status responses. */
export function page<A extends LoaderFunctionArgs | ActionFunctionArgs, R>(fn: (args: A) => Promise<R>) {
  return async (args: A): Promise<R> => {
    try {
      return await fn(args);
    } catch (error) {
      rethrowForPage(error);
    }
  };
}

/** JSON response helper for the API. */
export function apiJson(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "private, no-store");
  headers.set("X-Content-Type-Options", "nosniff");
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** Wraps an API handler: authenticates, and turns every failure into a JSON error. */
export function api<A extends LoaderFunctionArgs | ActionFunctionArgs>(fn: (args: A & { user: AuthUser }) => Promise<Response | unknown>) {
  return async (args: A): Promise<Response> => {
    let locale: Locale | undefined;
    try {
      const user = await requireUser(args.request);
      locale = localeOf(args.request, user);
      if (args.request.method !== "GET" && args.request.method !== "HEAD") await assertSameOrigin(args.request);
      const result = await fn({ ...args, user });
      return result instanceof Response ? result : apiJson(result);
    } catch (error) {
      if (error instanceof Response) {
        if (error.status >= 300 && error.status < 400) {
          return apiJson({ error: { code: "unauthorized", message: "Sign in or send a valid API token" } }, { status: 401 });
        }
        return error;
      }
      const e = toDomainError(error);
      if (e) return apiJson(bodyOf(e, locale, true), { status: e.status });
      console.error(error);
      return apiJson({ error: { code: "internal", message: "Something went wrong on the server" } }, { status: 500 });
    }
  };
}

export type FormResult<T> =
  | { ok: true; value: T; form: FormData }
  | { ok: false; fieldErrors: Record<string, string>; formError: string; form: FormData };

/** Reads a form post: checks origin + CSRF token, then validates with one zod schema. */
export async function readForm<S extends z.ZodTypeAny>(request: Request, schema: S, maxBytes = 4 * 1024 * 1024): Promise<FormResult<z.infer<S>>> {
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > maxBytes) throw new DomainError("too_large", `The form is too large (limit ${Math.round(maxBytes / 1024)} KB)`);
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new ValidationError("The form could not be read");
  }
  await assertSameOrigin(request, form);
  const raw: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    if (key === "_csrf") continue;
    const all = form.getAll(key);
    raw[key] = key.endsWith("[]") ? all : all.length > 1 ? all : all[0];
  }
  for (const key of Object.keys(raw)) {
    if (key.endsWith("[]")) {
      raw[key.slice(0, -2)] = raw[key];
      delete raw[key];
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "form"] ??= issue.message;
    return { ok: false, fieldErrors, formError: "Please correct the highlighted fields", form };
  }
  return { ok: true, value: parsed.data, form };
}

/** 400 response with field messages, for actions to return. */
export function invalid(fieldErrors: Record<string, string>, formError = "Please correct the highlighted fields", extra: Record<string, unknown> = {}) {
  return data({ ok: false as const, fieldErrors, formError, ...extra }, { status: 400 });
}

/**
 * Turns a domain error thrown by an action into a 4xx data response the form can show
 * (in the reader's language when the request is given and the error carries catalogue entries).
 */
export function actionError(error: unknown, extra: Record<string, unknown> = {}, request?: Request, user?: { locale?: string } | null) {
  if (error instanceof Response) throw error;
  const e = toDomainError(error);
  if (!e) throw error;
  const body = bodyOf(e, request ? localeOf(request, user) : undefined);
  return data(
    { ok: false as const, fieldErrors: body.error.fieldErrors ?? {}, formError: body.error.message, code: e.code, details: body.error.details, ...extra },
    { status: e.status },
  );
}
