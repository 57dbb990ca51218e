/**
 * The language of the request being answered, for messages made far from the
 * route (domain errors, form validation). scripts/serve.mjs runs each request
 * inside `withRequestLanguage`; the session code adds the signed-in person's
 * setting when it finds them. Outside a request (scripts, in-process tests)
 * there is no request language and callers fall back to English.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { isLocale, localeFromAcceptLanguage, type Locale } from "./i18n";

interface RequestLanguage {
  cookie: string;
  acceptLanguage: string | null;
  userLocale?: string;
}

const storage = new AsyncLocalStorage<RequestLanguage>();

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | null {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(", ") : (value ?? null);
}

/** Runs `fn` (the whole answer to one request) with that request's language available. */
export function withRequestLanguage<T>(headers: HeaderBag, fn: () => T): T {
  return storage.run({ cookie: header(headers, "cookie") ?? "", acceptLanguage: header(headers, "accept-language") }, fn);
}

/** Records the signed-in person's language setting for the request in progress. */
export function noteUserLocale(locale: string | undefined): void {
  const store = storage.getStore();
  if (store && locale) store.userLocale = locale;
}

/** The language cookie of a Cookie header, if it names a known locale. */
export function cookieLocale(cookie: string | null): Locale | null {
  const m = /(?:^|;\s*)regula_lang=([^;]+)/.exec(cookie ?? "");
  if (!m) return null;
  const value = decodeURIComponent(m[1]);
  return isLocale(value) ? value : null;
}

/** The request's language (cookie, then the person's setting, then the browser's), or null outside a request. */
export function requestLocale(): Locale | null {
  const store = storage.getStore();
  if (!store) return null;
  return cookieLocale(store.cookie) ?? (isLocale(store.userLocale) ? store.userLocale : null) ?? localeFromAcceptLanguage(store.acceptLanguage);
}
