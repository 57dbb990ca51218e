/**
 * Data every page needs: who is signed in, the interface language, the CSRF
 * token and the categories for navigation. Domains add small fields here
 * (unread notifications, acknowledgements owed).
 */
import { getUser, ensureCsrf } from "~/access/session.server";
import { toPublic, type PublicUser } from "~/org/users.server";
import { getConfig } from "~/documents/config.server";
import { DEFAULT_LOCALE, isLocale, localeFromAcceptLanguage, type Locale } from "~/i18n/i18n";
import { cookieLocale } from "~/i18n/request-locale.server";

export interface ShellData {
  user: PublicUser | null;
  locale: Locale;
  csrf: string;
  categories: { code: string; name: { "zh-CN": string; en: string } }[];
  extras: Record<string, unknown>;
}

type ShellExtra = (user: PublicUser) => Promise<Record<string, unknown>> | Record<string, unknown>;
const extras: ShellExtra[] = [];

/** Lets a domain add fields to every page's shell data (e.g. unread count). */
export function addShellExtra(fn: ShellExtra) {
  extras.push(fn);
}

/** The locale from the language cookie, else the user's setting, else the browser's. */
export function localeOf(request: Request, user?: { locale?: string } | null): Locale {
  const fromCookie = cookieLocale(request.headers.get("Cookie"));
  if (fromCookie) return fromCookie;
  if (user?.locale && isLocale(user.locale)) return user.locale;
  return localeFromAcceptLanguage(request.headers.get("Accept-Language")) ?? DEFAULT_LOCALE;
}

export async function getShellData(request: Request): Promise<{ shell: ShellData; setCookie?: string }> {
  const user = await getUser(request);
  const { csrf, setCookie } = await ensureCsrf(request);
  const pub = user ? toPublic(user) : null;
  const extra: Record<string, unknown> = {};
  if (pub) for (const fn of extras) Object.assign(extra, await fn(pub));
  return {
    shell: {
      user: pub,
      locale: localeOf(request, user),
      csrf,
      categories: getConfig().categories.map((c) => ({ code: c.code, name: c.name })),
      extras: extra,
    },
    setCookie,
  };
}
