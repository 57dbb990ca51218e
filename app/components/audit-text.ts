import type { Translate } from "~/i18n/i18n";

/** An audit action code ("proposal.approve") as words in the reader's language; unknown codes stay as they are. */
export function auditActionText(t: Translate, action: string): string {
  const key = `audit.act.${action}`;
  const text = t(key);
  if (text !== key) return text;
  // Actions named by a prefix and a variable part (department.create, webhook.update …): the prefix's name and the part.
  const dot = action.lastIndexOf(".");
  if (dot > 0) {
    const prefixKey = `audit.act.${action.slice(0, dot)}.*`;
    const prefix = t(prefixKey);
    if (prefix !== prefixKey) return `${prefix} · ${action.slice(dot + 1)}`;
  }
  return action;
}

function valueText(t: Translate, key: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return t(value ? "common.yes" : "common.no");
  if (Array.isArray(value)) return value.map((v) => valueText(t, key, v)).join(", ");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${labelText(t, k)}: ${valueText(t, k, v)}`)
      .join("; ");
  }
  const text = String(value);
  if (key === "code" || key === "outcome" || key === "kind" || key === "change" || key === "channel" || key === "decision") {
    const valueKey = `audit.val.${text}`;
    const translated = t(valueKey);
    if (translated !== valueKey) return translated;
  }
  return text;
}

function labelText(t: Translate, key: string): string {
  const labelKey = `audit.field.${key}`;
  const text = t(labelKey);
  return text === labelKey ? key : text;
}

/**
 * An entry's details as labelled lines in the reader's language: known fields
 * by name, a refusal's reason from its message key when it was recorded with one.
 * Values that are data (numbers, usernames, ids, dates) are shown as recorded.
 */
export function auditDetailLines(t: Translate, details: Record<string, unknown> | undefined): { label: string; value: string }[] {
  if (!details) return [];
  const lines: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (key === "reasonKey" || key === "reasonVars") continue;
    if (key === "reason" && typeof details.reasonKey === "string") {
      const text = t(details.reasonKey, (details.reasonVars as Record<string, string | number> | undefined) ?? undefined);
      if (text !== details.reasonKey) {
        lines.push({ label: labelText(t, key), value: text });
        continue;
      }
    }
    lines.push({ label: labelText(t, key), value: valueText(t, key, value) });
  }
  return lines;
}
