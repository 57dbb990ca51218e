/**
 * Markdown files in the repository start with YAML front matter describing the
 * document. This module parses and writes it; it has no server dependencies so
 * forms can share the schema.
 */
import YAML from "yaml";
import { z } from "zod";

export const CONFIDENTIALITY = ["internal", "department", "restricted"] as const;
export type Confidentiality = (typeof CONFIDENTIALITY)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "not a real date");

export const FrontMatterSchema = z.object({
  number: z.string().min(1),
  title: z.string().trim().min(1, "title is required").max(200, "title is at most 200 characters"),
  category: z.string().min(1),
  type: z.string().min(1),
  owner_department: z.string().min(1, "owner department is required"),
  confidentiality: z.enum(CONFIDENTIALITY).default("internal"),
  audience_departments: z.array(z.string()).default([]),
  effective_date: isoDate.optional(),
  next_review_date: isoDate.optional(),
  retired: z.boolean().optional(),
  lang: z.enum(["zh", "en"]).optional(),
});

export type FrontMatter = z.infer<typeof FrontMatterSchema>;

/** The front matter keys the portal reads; any other key is kept as written, in `DocumentMeta.extra`. */
export const KNOWN_FRONT_MATTER_KEYS: readonly string[] = Object.keys(FrontMatterSchema.shape);

/** Keys a file may not carry in its front matter (they would reach object prototypes). */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * The front matter keys the portal does not use (e.g. `author:` or `revision:` from another
 * system), kept so that an export writes them back. Undefined when there are none.
 */
export function frontMatterExtras(data: Record<string, unknown>): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (KNOWN_FRONT_MATTER_KEYS.includes(key) || FORBIDDEN_KEYS.has(key)) continue;
    extra[key] = value;
  }
  return Object.keys(extra).length ? extra : undefined;
}

/** Document metadata as the application uses it (camelCase). */
export interface DocumentMeta {
  number: string;
  title: string;
  category: string;
  type: string;
  ownerDepartment: string;
  confidentiality: Confidentiality;
  audienceDepartments: string[];
  effectiveDate?: string;
  nextReviewDate?: string;
  retired: boolean;
  lang?: "zh" | "en";
  /** Front matter keys the portal does not use, kept as they were written (see frontMatterExtras). */
  extra?: Record<string, unknown>;
}

export class FrontMatterError extends Error {
  code = "bad_request" as const;
  constructor(
    message: string,
    public fieldErrors: Record<string, string> = {},
  ) {
    super(message);
  }
}

const FENCE = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

/** Splits a markdown file into its front matter (validated) and body. */
export function parseDocument(text: string): { meta: DocumentMeta; body: string } {
  const { data, body } = splitFrontMatter(text);
  const parsed = FrontMatterSchema.safeParse(data);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".")] = issue.message;
    throw new FrontMatterError(
      "Front matter is invalid: " + Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v}`).join("; "),
      fieldErrors,
    );
  }
  const meta = toMeta(parsed.data);
  const extra = frontMatterExtras(data);
  if (extra) meta.extra = extra;
  return { meta, body };
}

/** Splits without validating (for imports of files that may lack front matter). */
export function splitFrontMatter(text: string): { data: Record<string, unknown>; body: string } {
  const clean = text.replace(/^\uFEFF/, "");
  const m = FENCE.exec(clean);
  if (!m) return { data: {}, body: clean };
  let data: unknown;
  try {
    data = YAML.parse(m[1], { schema: "core" }) ?? {};
  } catch (error) {
    throw new FrontMatterError(`Front matter is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || Array.isArray(data)) throw new FrontMatterError("Front matter must be a mapping");
  // YAML turns bare dates into strings under the core schema; numbers stay numbers.
  return { data: data as Record<string, unknown>, body: clean.slice(m[0].length) };
}

/** A set of codes (departments) in its one canonical order: unique, sorted. A reordering is not a change. */
export function canonicalSet(codes: readonly string[]): string[] {
  return [...new Set(codes)].sort();
}

export function toMeta(fm: FrontMatter): DocumentMeta {
  return {
    number: fm.number,
    title: fm.title,
    category: fm.category,
    type: fm.type,
    ownerDepartment: fm.owner_department,
    confidentiality: fm.confidentiality,
    audienceDepartments: canonicalSet(fm.audience_departments),
    effectiveDate: fm.effective_date,
    nextReviewDate: fm.next_review_date,
    retired: fm.retired ?? false,
    lang: fm.lang,
  };
}

export function toFrontMatter(meta: DocumentMeta): FrontMatter {
  const fm: FrontMatter = {
    number: meta.number,
    title: meta.title,
    category: meta.category,
    type: meta.type,
    owner_department: meta.ownerDepartment,
    confidentiality: meta.confidentiality,
    audience_departments: canonicalSet(meta.audienceDepartments),
  };
  if (meta.effectiveDate) fm.effective_date = meta.effectiveDate;
  if (meta.nextReviewDate) fm.next_review_date = meta.nextReviewDate;
  if (meta.retired) fm.retired = true;
  if (meta.lang) fm.lang = meta.lang;
  return fm;
}

/** Writes a markdown file: front matter then body (with one trailing newline). */
export function serializeDocument(meta: DocumentMeta, body: string): string {
  const fm: Record<string, unknown> = { ...toFrontMatter(meta) };
  // Keys kept from another system follow the portal's own, in their original order.
  for (const [key, value] of Object.entries(meta.extra ?? {})) if (!(key in fm) && !FORBIDDEN_KEYS.has(key)) fm[key] = value;
  const yaml = YAML.stringify(fm, { lineWidth: 0 }).trimEnd();
  const cleanBody = body.replace(/\r\n/g, "\n").replace(/^\n+/, "").trimEnd();
  return `---\n${yaml}\n---\n\n${cleanBody}\n`;
}
