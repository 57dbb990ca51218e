/**
 * The route edge: maps domain errors to HTTP, parses and validates forms, and
 * wraps API handlers so every error is JSON {error:{code,message}}.
 */
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import { DomainError, msg, ValidationError } from "~/utils/errors.server";
import { hasMessage, sayIn, translate, type Locale } from "~/i18n/i18n";
import { requestLocale } from "~/i18n/request-locale.server";
import { assertSameOrigin, requireUser, type AuthUser } from "~/access/session.server";
import { FrontMatterError } from "~/documents/front-matter";
import { RefMovedError } from "~/documents/repo.server";
import { takeLoaderResult } from "./page-cache.server";

export interface ErrorBody {
  error: { code: string; message: string; fieldErrors?: Record<string, string>; details?: Record<string, unknown> };
}

function toDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error instanceof FrontMatterError) return new ValidationError(error.message, error.fieldErrors);
  if (error instanceof RefMovedError) return new DomainError("conflict", msg("error.refMoved"));
  return null;
}

/**
 * Seconds a client is asked to wait before trying again after a 503 (the shared database or
 * repository cannot be reached: decision 121). Outages of that kind last seconds to minutes.
 */
export const RETRY_AFTER_SECONDS = "10";

/** The headers of an error answer with this status: no-store, and Retry-After on a 503. */
export function errorHeaders(status: number, headers: Record<string, string> = {}): Record<string, string> {
  return status === 503 ? { ...headers, "Retry-After": RETRY_AFTER_SECONDS } : headers;
}

/** The language pages answer in: the request's, or English outside a request. */
export function pageLocale(): Locale {
  return requestLocale() ?? "en";
}

/** A domain error's message for a reader: its catalogue message, else the generic message for its status. */
export function errorText(e: DomainError, locale: Locale): string {
  if (e.said?.length) return e.said.map((s) => sayIn(locale, s)).join(" ");
  if (e.key) return translate(locale, e.key, e.vars);
  return locale === "en" ? e.message : translate(locale, `error.${e.status}`);
}

/**
 * A field's message for a reader. Domain code and schemas name field problems
 * with short codes ("required", "use YYYY-MM-DD", "at most 200 characters") or
 * catalogue keys; each code has a catalogue entry `fe.<code>` (numbers become
 * `{n}`). An unknown code is shown as is in English and as a generic hint otherwise.
 */
export function fieldText(code: string, locale: Locale): string {
  if (hasMessage(code)) return translate(locale, code);
  if (hasMessage(`fe.${code}`)) return translate(locale, `fe.${code}`);
  const number = /\d+/.exec(code);
  if (number) {
    const pattern = `fe.${code.replace(number[0], "{n}")}`;
    if (hasMessage(pattern)) return translate(locale, pattern, { n: number[0] });
  }
  return locale === "en" ? code : translate(locale, "fe.invalid");
}

/** Every field message of a form in the reader's language. */
export function fieldTexts(fieldErrors: Record<string, string>, locale: Locale): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, code] of Object.entries(fieldErrors)) out[field] = fieldText(String(code), locale);
  return out;
}

/** A form-level message given as a catalogue key (or as text already written for the reader). */
function formText(message: string, locale: Locale): string {
  return hasMessage(message) ? translate(locale, message) : message;
}

/** Field messages given as catalogue entries (fieldSaid) override the codes, in the reader's language. */
function withFieldSaid(e: DomainError, fieldErrors: Record<string, string> | undefined, locale: Locale): Record<string, string> | undefined {
  if (!e.fieldSaid) return fieldErrors;
  const out = { ...(fieldErrors ?? {}) };
  for (const [field, s] of Object.entries(e.fieldSaid)) out[field] = sayIn(locale, s);
  return out;
}

/**
 * The JSON error body: in the reader's language for pages; for the API, the English
 * message with field codes (field messages that are catalogue entries spelled out in English).
 */
function bodyOf(e: DomainError, locale: Locale | "api" = "api"): ErrorBody {
  const codes = (e.details?.fieldErrors as Record<string, string> | undefined) ?? (e instanceof ValidationError ? e.fieldErrors : undefined);
  const { fieldErrors: _f, ...rest } = e.details ?? {};
  const fieldErrors =
    locale === "api"
      ? withFieldSaid(e, codes && Object.fromEntries(Object.entries(codes).map(([k, v]) => [k, hasMessage(v) ? translate("en", v) : v])), "en")
      : withFieldSaid(e, codes && fieldTexts(codes, locale), locale);
  return {
    error: {
      code: e.code,
      message: locale === "api" ? e.message : errorText(e, locale),
      ...(fieldErrors && Object.keys(fieldErrors).length ? { fieldErrors } : {}),
      ...(Object.keys(rest).length ? { details: rest } : {}),
    },
  };
}

/** Rethrows a domain error as an HTTP response for pages (caught by the error boundary). */
export function rethrowForPage(error: unknown): never {
  if (error instanceof Response) throw error;
  const e = toDomainError(error);
  if (e) throw data(bodyOf(e, pageLocale()), { status: e.status, headers: errorHeaders(e.status, { "Cache-Control": "private, no-store" }) });
  throw error;
}

/** Wraps a page loader/action so domain errors become status responses. */
export function page<A extends LoaderFunctionArgs | ActionFunctionArgs, R>(fn: (args: A) => Promise<R>) {
  const wrapped = async (args: A): Promise<R> => {
    // A page the page cache has just run for this request is not loaded twice (decision 105).
    const kept = takeLoaderResult(args.context, wrapped);
    if (kept.found) return kept.result as R;
    try {
      return await fn(args);
    } catch (error) {
      rethrowForPage(error);
    }
  };
  return wrapped;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The error page of a route that answers with a file rather than a page (the
 * markdown source, CSV exports, backup downloads, notification links): the
 * status, its title and message in the reader's language, and the way back.
 */
export function resourceErrorPage(error: unknown): Response {
  if (error instanceof Response) return error;
  const e = toDomainError(error);
  if (!e) throw error;
  const locale = pageLocale();
  const title = translate(locale, `error.${e.status}`);
  const text = errorText(e, locale);
  const nav = [
    ["/", "nav.home"],
    ["/categories", "nav.categories"],
    ["/search", "search.go"],
  ]
    .map(([href, key]) => `<a href="${href}">${escapeHtml(translate(locale, key))}</a>`)
    .join(" · ");
  const html = `<!DOCTYPE html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e.status} · Regula</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#1f2933}nav{margin-bottom:2rem}</style></head>
<body><nav aria-label="${escapeHtml(translate(locale, "nav.main"))}"><strong>Regula</strong> · ${nav}</nav><main><p>${e.status}</p><h1>${escapeHtml(title)}</h1>${text !== title ? `<p>${escapeHtml(text)}</p>` : ""}<p><a href="/">${escapeHtml(translate(locale, "error.home"))}</a></p></main></body></html>`;
  return new Response(html, {
    status: e.status,
    headers: errorHeaders(e.status, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }),
  });
}

/** Wraps a file-answering loader/action so domain errors become translated error pages. */
export function resource<A extends LoaderFunctionArgs | ActionFunctionArgs>(fn: (args: A) => Promise<Response>) {
  return async (args: A): Promise<Response> => {
    try {
      return await fn(args);
    } catch (error) {
      return resourceErrorPage(error);
    }
  };
}

/** The documented JSON answer to a method an API address does not take (405 with Allow). */
export function methodNotAllowed(allow: string): Response {
  return apiJson(
    { error: { code: "method_not_allowed", message: translate("en", "error.methodNotAllowed", { allow }) } },
    { status: 405, headers: { Allow: allow } },
  );
}

/** A loader or action for an API address that answers 405 to every method it does not take. */
export function onlyMethods(allow: string) {
  return async () => methodNotAllowed(allow);
}

/** The documented JSON answer for an API address that does not exist. */
export function apiNotFound(): Response {
  return apiJson({ error: { code: "not_found", message: translate("en", "error.apiNotFound") } }, { status: 404 });
}

/** JSON response helper for the API. */
export function apiJson(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "private, no-store");
  headers.set("X-Content-Type-Options", "nosniff");
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** A refusal as the API answers it: its status, the JSON error body, Retry-After where it applies. */
export function apiError(e: DomainError): Response {
  return apiJson(bodyOf(e, "api"), { status: e.status, headers: errorHeaders(e.status) });
}

/** Wraps an API handler: authenticates, and turns every failure into a JSON error. */
export function api<A extends LoaderFunctionArgs | ActionFunctionArgs>(fn: (args: A & { user: AuthUser }) => Promise<Response | unknown>) {
  return async (args: A): Promise<Response> => {
    try {
      const user = await requireUser(args.request);
      if (args.request.method !== "GET" && args.request.method !== "HEAD") await assertSameOrigin(args.request);
      const result = await fn({ ...args, user });
      return result instanceof Response ? result : apiJson(result);
    } catch (error) {
      if (error instanceof Response) {
        if (error.status >= 300 && error.status < 400) {
          return apiJson({ error: { code: "unauthorized", message: translate("en", "error.apiSignIn") } }, { status: 401 });
        }
        return error;
      }
      const e = toDomainError(error);
      if (e) return apiError(e);
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
  if (length > maxBytes) throw new DomainError("too_large", msg("form.tooLarge", { kb: Math.round(maxBytes / 1024) }));
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new ValidationError(msg("form.unreadable"));
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
  const parsed = schema.safeParse(raw, { errorMap: fieldCodeMap });
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "form"] ??= issue.message;
    return { ok: false, fieldErrors, formError: "form.invalid", form };
  }
  return { ok: true, value: parsed.data, form };
}

/**
 * Field codes for the problems zod finds on its own (a schema's own message,
 * itself a code, comes first): translated by fieldText like every other code.
 */
export const fieldCodeMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case "invalid_type":
      return { message: issue.received === "undefined" || issue.received === "null" ? "required" : "invalid" };
    case "too_small":
      if (issue.type === "string") return { message: Number(issue.minimum) <= 1 ? "required" : `at least ${issue.minimum} characters` };
      if (issue.type === "array") return { message: Number(issue.minimum) <= 1 ? "choose at least one" : `choose at least ${issue.minimum}` };
      return { message: `at least ${issue.minimum}` };
    case "too_big":
      if (issue.type === "string") return { message: `at most ${issue.maximum} characters` };
      if (issue.type === "array") return { message: `at most ${issue.maximum} items` };
      return { message: `at most ${issue.maximum}` };
    case "invalid_enum_value":
    case "invalid_literal":
    case "invalid_union":
    case "invalid_union_discriminator":
      return { message: "choose one of the options" };
    case "invalid_string":
      return { message: issue.validation === "email" ? "not an email address" : issue.validation === "url" ? "not a web address" : "invalid" };
    case "invalid_date":
      return { message: "not a real date" };
    case "unrecognized_keys":
      return { message: "unknown field" };
    default:
      return { message: issue.message ?? ctx.defaultError };
  }
};

/** 400 response with field messages (codes or keys, written in the reader's language), for actions to return. */
export function invalid(fieldErrors: Record<string, string>, formError = "form.invalid", extra: Record<string, unknown> = {}) {
  const locale = pageLocale();
  return data({ ok: false as const, fieldErrors: fieldTexts(fieldErrors, locale), formError: formText(formError, locale), ...extra }, { status: 400 });
}

/**
 * Turns a domain error thrown by an action into a 4xx data response the form can show
 * (in the reader's language when the request is given and the error carries catalogue entries).
 */
export function actionError(error: unknown, extra: Record<string, unknown> = {}, request?: Request, user?: { locale?: string } | null) {
  if (error instanceof Response) throw error;
  const e = toDomainError(error);
  if (!e) throw error;
  const body = bodyOf(e, pageLocale());
  return data(
    { ok: false as const, fieldErrors: body.error.fieldErrors ?? {}, formError: body.error.message, code: e.code, details: body.error.details, ...extra },
    { status: e.status, headers: errorHeaders(e.status) },
  );
}
