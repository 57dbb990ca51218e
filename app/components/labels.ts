import type { Locale } from "~/i18n/i18n";

export type Names = Record<string, { "zh-CN": string; en: string }>;

/** Looks a code up in a names map, falling back to the code itself. */
export function nameOf(names: Names | undefined, code: string, locale: Locale): string {
  const n = names?.[code];
  return n ? n[locale] || n.en : code;
}

/**
 * A document detail's value as a reader should see it in a list of changes:
 * departments and types by name, confidentiality and retirement in words;
 * dates and titles as they are.
 */
export function metaValueText(
  field: string,
  value: string,
  labels: { departments?: Names; types?: Names } | undefined,
  t: (key: string) => string,
  locale: Locale,
): string {
  if (!value) return "—";
  if (field === "ownerDepartment" || field === "audienceDepartments") {
    return value
      .split(/,\s*/)
      .filter(Boolean)
      .map((x) => nameOf(labels?.departments, x, locale))
      .join("、");
  }
  if (field === "type") return nameOf(labels?.types, value, locale);
  if (field === "confidentiality") {
    const key = `doc.conf.${value}`;
    const text = t(key);
    return text === key ? value : text;
  }
  if (field === "retired") return t(value === "true" ? "common.yes" : value === "false" ? "common.no" : value);
  return value;
}
