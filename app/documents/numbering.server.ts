/**
 * Document numbers: `{category}-{seq:3}` by default (configurable). A number is
 * unique and never reused: the highest sequence ever issued per category is
 * kept in the database and also checked against the repository.
 */
import { getConfig } from "./config.server";
import { readDb, updateDb } from "~/data/db.server";
import { msg, ValidationError } from "~/utils/errors.server";

function escapeRe(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function patternParts() {
  const pattern = getConfig().numberPattern;
  const seqMatch = /\{seq(?::(\d))?\}/.exec(pattern)!;
  const width = seqMatch[1] ? Number(seqMatch[1]) : 1;
  return { pattern, width };
}

function numberRegex(): RegExp {
  const { pattern } = patternParts();
  const codes = getConfig().categories.map((c) => escapeRe(c.code)).join("|");
  const re = escapeRe(pattern)
    .replace(escapeRe("{category}"), `(?<category>${codes})`)
    .replace(/\\\{seq(?::\d)?\\\}/, "(?<seq>\\d+)");
  return new RegExp(`^${re}$`);
}

/** Formats a number for a category and sequence. */
export function formatNumber(category: string, seq: number): string {
  const { pattern, width } = patternParts();
  return pattern.replace("{category}", category).replace(/\{seq(?::\d)?\}/, String(seq).padStart(width, "0"));
}

/** Parses a number; returns null unless it is spelt exactly as the configured pattern writes it. */
export function parseNumber(number: string): { category: string; seq: number } | null {
  if (typeof number !== "string" || number.length > 40) return null;
  const m = numberRegex().exec(number);
  if (!m?.groups) return null;
  const parsed = { category: m.groups.category, seq: Number(m.groups.seq) };
  // Only the canonical spelling is a number: "EXE-03" and "EXE-0003" are not EXE-003.
  return formatNumber(parsed.category, parsed.seq) === number ? parsed : null;
}

/** True when the text is a well-formed document number. */
export function isValidNumber(number: string): boolean {
  return parseNumber(number) !== null;
}

/**
 * Normalises what a person types ("exe 3", "exe-003", "EXE3") into a number,
 * or null if it cannot be one.
 */
export function normaliseNumberQuery(text: string): string | null {
  const m = /^\s*([A-Za-z][A-Za-z0-9]{1,7}?)[\s\-_]*0*(\d{1,6})\s*$/.exec(text);
  if (!m) return null;
  const category = m[1].toUpperCase();
  if (!getConfig().categories.some((c) => c.code === category)) return null;
  return formatNumber(category, Number(m[2]));
}

/**
 * Issues the next number in a category. `taken` lists numbers already used in
 * the repository so a lost database can never cause reuse.
 */
export async function allocateNumber(category: string, taken: Iterable<string>, by: string, purpose: string): Promise<string> {
  if (!getConfig().categories.some((c) => c.code === category)) {
    throw new ValidationError(msg("documents.err.unknownCategory", { category }), { category: "unknown category" });
  }
  let highest = 0;
  for (const n of taken) {
    const p = parseNumber(n);
    if (p && p.category === category) highest = Math.max(highest, p.seq);
  }
  return updateDb((data) => {
    for (const r of data.reservedNumbers) {
      const p = parseNumber(r.number);
      if (p && p.category === category) highest = Math.max(highest, p.seq);
    }
    const seq = Math.max(highest, data.numbering[category] ?? 0) + 1;
    data.numbering[category] = seq;
    const number = formatNumber(category, seq);
    data.reservedNumbers.push({ number, reservedAt: new Date().toISOString(), by, purpose });
    return number;
  });
}

/**
 * Claims a specific number (imports, seeding). Refuses malformed numbers and
 * numbers that were ever issued.
 */
export async function claimNumber(number: string, taken: Set<string>, by: string, purpose: string): Promise<void> {
  const parsed = parseNumber(number);
  if (!parsed) {
    throw new ValidationError(msg("documents.err.badNumber", { number, example: formatNumber(getConfig().categories[0].code, 1) }), {
      number: "malformed number",
    });
  }
  if (taken.has(number) || readDb().reservedNumbers.some((r) => r.number === number)) {
    throw new ValidationError(msg("documents.err.numberUsed", { number }), { number: "already used" });
  }
  await updateDb((data) => {
    data.numbering[parsed.category] = Math.max(data.numbering[parsed.category] ?? 0, parsed.seq);
    data.reservedNumbers.push({ number, reservedAt: new Date().toISOString(), by, purpose });
  });
}

/** True when the number was ever issued (reservations are kept forever). */
export function isReserved(number: string): boolean {
  return readDb().reservedNumbers.some((r) => r.number === number);
}
