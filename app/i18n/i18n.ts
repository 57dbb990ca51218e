/**
 * Interface strings in zh-CN and en. Each domain keeps its strings in
 * app/i18n/messages/<domain>.ts; this module merges them and formats.
 */
import { catalogs } from "./messages";

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "zh-CN";

/** A name in both languages (departments, categories): a message value written in the reader's language. */
export interface LocalText {
  "zh-CN": string;
  en: string;
}
export type Vars = Record<string, string | number | LocalText>;
export type Translate = (key: string, vars?: Vars) => string;

const merged: Record<Locale, Record<string, string>> = { "zh-CN": {}, en: {} };
for (const catalog of catalogs) {
  Object.assign(merged.en, catalog.en);
  Object.assign(merged["zh-CN"], catalog["zh-CN"]);
}

export function isLocale(value: unknown): value is Locale {
  return value === "zh-CN" || value === "en";
}

/** Formats a message: `{name}` placeholders are replaced by vars. Unknown keys fall back to English, then to the key. */
export function translate(locale: Locale, key: string, vars?: Vars): string {
  const template = merged[locale][key] ?? merged.en[key] ?? key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => {
    if (!(name in vars)) return m;
    const value = vars[name];
    return typeof value === "object" && value ? value[locale] || value.en : String(value);
  });
}

/** Whether the catalogue has a message under this key. */
export function hasMessage(key: string): boolean {
  return Object.hasOwn(merged.en, key);
}

export function translator(locale: Locale): Translate {
  return (key, vars) => translate(locale, key, vars);
}

/** A catalogue entry with its values (plain text, another entry as {key}, or a name in both languages), e.g. a domain error's message. */
export interface Said {
  key: string;
  vars?: Record<string, string | number | { key: string } | { "zh-CN": string; en: string }>;
}

/** A catalogue entry in a language, its values translated too. */
export function sayIn(locale: Locale, said: Said): string {
  const vars: Vars = {};
  for (const [k, v] of Object.entries(said.vars ?? {})) {
    vars[k] = typeof v === "object" ? ("key" in v ? translate(locale, v.key) : v[locale] || v.en) : v;
  }
  return translate(locale, said.key, vars);
}

/** Picks zh-CN or en from an Accept-Language header. */
export function localeFromAcceptLanguage(header: string | null): Locale {
  if (!header) return DEFAULT_LOCALE;
  const prefs = header
    .split(",")
    .map((part) => {
      const [tag, q] = part.trim().split(";q=");
      return { tag: tag.toLowerCase(), q: q ? Number(q) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of prefs) {
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return DEFAULT_LOCALE;
}

/** A localized name object ({"zh-CN": …, en: …}) in the given locale. */
export function localName(name: { "zh-CN": string; en: string } | undefined, locale: Locale): string {
  if (!name) return "";
  return name[locale] || name.en || name["zh-CN"];
}

/** The company's time zone for displaying times (the portal serves one company). */
export const DISPLAY_TIME_ZONE = "Asia/Shanghai";

// Building an Intl.DateTimeFormat costs ~0.07 ms, formatting with one ~0.001 ms: a history
// page with a hundred rows spent most of its time constructing formatters. Keep one per kind.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: Locale, withTime: boolean, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${withTime ? 1 : 0}|${timeZone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      // hourCycle, not hour12: false — with hour12 Node writes the midnight hour as "24:05" where browsers write "00:05",
      // and the page fails to hydrate for that hour.
      ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
      timeZone,
    });
    dateFormats.set(key, format);
  }
  return format;
}

/** Formats an ISO date/time for display. */
export function formatDate(iso: string | undefined | null, locale: Locale, withTime = false): string {
  if (!iso) return "—";
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  // One display zone on server and browser, so hydration matches and everyone sees the same time.
  return dateFormat(locale, withTime, iso.length === 10 ? "UTC" : DISPLAY_TIME_ZONE).format(d);
}
