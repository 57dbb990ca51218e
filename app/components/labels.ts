import type { Locale } from "~/i18n/i18n";

export type Names = Record<string, { "zh-CN": string; en: string }>;

/** Looks a code up in a names map, falling back to the code itself. */
export function nameOf(names: Names | undefined, code: string, locale: Locale): string {
  const n = names?.[code];
  return n ? n[locale] || n.en : code;
}
