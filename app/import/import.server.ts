/**
 * Import of existing documents: markdown files (with or without front
 * matter) and Word .docx files. Every file is first checked completely —
 * type, size, text, conversion, metadata, number — and only then published,
 * one commit per file through publishVersion, so a bad file is reported and
 * never half-imported. Titles come from the front matter or the top heading,
 * duplicates and near-duplicates are found and may be skipped or merged,
 * links between the imported files become links to their numbers, and front
 * matter keys the portal does not use are kept. A dry run does all of this
 * and reports what would happen, writing nothing.
 */
import type mammothTypes from "mammoth";
import YAML from "yaml";
import { z } from "zod";
import { getDepartment, getUserByUsername } from "~/org/users.server";
import { readDb } from "~/data/db.server";
import { getConfig } from "~/documents/config.server";
import { stripInvisible } from "~/utils/visible-text";
import { publishVersion, validateBody, validateMeta } from "~/documents/documents.server";
import {
  CONFIDENTIALITY,
  FrontMatterError,
  FrontMatterSchema,
  frontMatterExtras,
  splitFrontMatter,
  type Confidentiality,
  type DocumentMeta,
} from "~/documents/front-matter";
import { allocateNumber, claimNumber, formatNumber, parseNumber } from "~/documents/numbering.server";
import { allNumbers } from "~/documents/version-index.server";
import { getEnv } from "~/utils/env.server";
import { DomainError, ValidationError } from "~/utils/errors.server";
import { htmlToMarkdown } from "./html-to-markdown";
import { checkFile, maxVersionBytes } from "~/attachments/checks.server";
import { attachmentFilePath, manifestPath, manifestText, parseManifest, type AttachmentInfo } from "~/documents/attachment-manifest.server";
import type { FileChange } from "~/documents/repo.server";
import { createHash } from "node:crypto";
import { reportText, type ImportMessage, type ReportText } from "./report";
import { fileFinder, headingAnchors, rewriteLinks, type LinkTarget, type OutsideLink } from "./links";
import { currentCopiesOfMany, type LooksLike } from "~/consolidation/duplicates.server";
import { estimateSimilarity, groupsOf, similarPairs, sketchText, titleKey, type Sketch } from "./similarity";
import { importTitle, MAX_TITLE, type TitleResult } from "./titles";

export interface ImportFile {
  /** Path relative to the imported folder (or the uploaded file's name), with "/" separators. */
  name: string;
  data: Buffer;
  /** Size on disk when `data` was not read because the file is too large. */
  bytes?: number;
}

const MappingTarget = z.object({
  category: z.string().optional(),
  type: z.string().optional(),
  owner_department: z.string().optional(),
  confidentiality: z.enum(CONFIDENTIALITY).optional(),
});

export const MappingSchema = z.object({
  default: MappingTarget.optional(),
  rules: z.array(MappingTarget.extend({ match: z.string().min(1) })).default([]),
});

/** The small mapping file: path patterns → category, type, owner department. */
export type ImportMapping = z.infer<typeof MappingSchema>;

/** File names taken as the mapping file when they sit at the top of an imported folder. */
export const MAPPING_FILE_NAMES = ["import-mapping.yaml", "import-mapping.yml", "import-mapping.json"];

export type DuplicatePolicy = "import" | "skip" | "merge";
export const DUPLICATE_POLICIES: readonly DuplicatePolicy[] = ["import", "skip", "merge"];

/** A decision about one group of duplicates, made on the dry run's report (or with --keep). */
export interface DuplicateChoice {
  /** The group's files as the dry run listed them. */
  files: string[];
  action: DuplicatePolicy;
  /** With "merge": the file imported for the group. */
  keep?: string;
}

export interface ImportOptions {
  /** Category chosen in the upload form (or --category) for files that do not state theirs. */
  category?: string;
  type?: string;
  ownerDepartment?: string;
  confidentiality?: Confidentiality;
  mapping?: ImportMapping;
  /** What happens to groups of duplicates without a choice of their own (default "import": all are imported, and reported). */
  duplicates?: DuplicatePolicy;
  duplicateChoices?: DuplicateChoice[];
  /** Estimated share of shared text from which two files count as near-duplicates (default 0.8). */
  similarity?: number;
  /** The importing account (author of the commits). */
  actor: { username: string; name: string; email: string; departmentId?: string };
}

export type ReasonCode =
  | "unsupported"
  | "mapping-file"
  | "binary"
  | "oversized"
  | "corrupt-docx"
  | "empty"
  | "front-matter"
  | "duplicate-number"
  | "duplicate"
  | "no-category"
  | "invalid"
  | "publish-failed";

export type { ImportMessage, ReportText };
export { reportText };

export interface LinkReport {
  /** Links to other imported files, rewritten to their document numbers. */
  rewritten: number;
  /** Links to files that are not part of the import, or not imported. */
  outside: OutsideLink[];
  /** Rewritten links whose anchor names no heading of the target (kept as written). */
  unknownAnchors: { target: string; line: number }[];
}

export interface FileReport {
  file: string;
  format: "markdown" | "docx" | "other";
  bytes: number;
  outcome: "ready" | "imported" | "skipped" | "failed";
  reason?: ReasonCode;
  detail?: ReportText;
  number?: string;
  numberFrom?: "file" | "assigned";
  title?: string;
  /** Where the title came from. */
  titleFrom?: TitleResult["source"];
  category?: string;
  type?: string;
  ownerDepartment?: string;
  /** Front matter keys the portal does not use: kept in the document's front matter, written back by an export. */
  extraKeys?: string[];
  /** Attachments imported with the document (from <file>.attachments/). */
  attachments?: number;
  links?: LinkReport;
  /** The duplicate group (DuplicateGroup.id) the file belongs to. */
  group?: number;
  /** Skipped as a duplicate of this file (imported as `number`). */
  duplicateOf?: { file: string; number?: string };
  /** Current documents the file looks like a copy of (same or similar title, or much of the text the same). */
  copiesOf?: LooksLike[];
  warnings: ReportText[];
}

export interface DuplicateGroup {
  /** 1-based, in the order of the group's first file. */
  id: number;
  /** The group's files in reading order. */
  files: string[];
  /** Why they belong together: every related pair found. */
  pairs: { a: string; b: string; sameTitle: boolean; identical: boolean; similarity: number }[];
  /** Related pairs not listed (groups of many files list the first 50). */
  morePairs?: number;
  /** The file imported when the group is merged, unless another is chosen. */
  keep: string;
  /** What the import did with the group (after a run; in a dry run, what it would do). */
  action: DuplicatePolicy;
  kept?: string;
}

/** An import's (or a dry run's) complete answer. */
export interface ImportResult {
  files: FileReport[];
  duplicates: DuplicateGroup[];
}

interface Prepared {
  report: FileReport;
  /** The document's attachments, checked: published in the document's one commit. */
  attachments?: { info: AttachmentInfo; bytes: Buffer }[];
  meta?: DocumentMeta;
  body?: string;
  sketch?: Sketch;
  /** Lines of the file before `body` (front matter, title heading). */
  lineOffset?: number;
}

const newlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
};

const msg = (key: string, vars?: ImportMessage["vars"]): ImportMessage => (vars ? { key, vars } : { key });

/** Parses a mapping file (YAML or JSON); throws ValidationError with the reason. */
export function parseMapping(text: string, name = "mapping file"): ImportMapping {
  let raw: unknown;
  try {
    raw = YAML.parse(text, { schema: "core" }) ?? {};
  } catch (error) {
    throw new ValidationError(msg("import.err.mappingUnreadable", { name, problem: (error as Error).message }), { mapping: "unreadable" });
  }
  const parsed = MappingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(msg("import.err.mappingInvalid", { name, path: issue.path.join("."), problem: issue.message }), { mapping: "invalid" });
  }
  return parsed.data;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/** The mapping rule for a file: first matching rule (a pattern without "/" matches the file name), then the default. */
export function mappingFor(mapping: ImportMapping | undefined, file: string): z.infer<typeof MappingTarget> {
  if (!mapping) return {};
  const base = file.split("/").pop() ?? file;
  for (const rule of mapping.rules) {
    const target = rule.match.includes("/") ? file : base;
    if (globToRegExp(rule.match).test(target)) return { ...mapping.default, ...stripUndefined(rule) };
  }
  return mapping.default ?? {};
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function formatOf(name: string): FileReport["format"] {
  if (/\.(md|markdown)$/i.test(name)) return "markdown";
  if (/\.docx$/i.test(name)) return "docx";
  return "other";
}

function isMappingFile(name: string): boolean {
  return !name.includes("/") && MAPPING_FILE_NAMES.includes(name.toLowerCase());
}

/** Upper bounds on raw file sizes, before any parsing. */
export function importLimits() {
  const body = getEnv().MAX_DOCUMENT_BYTES;
  return { markdownBytes: body + 64 * 1024, docxBytes: body * 5 };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeText(data: Buffer): string | null {
  if (data.includes(0)) return null;
  try {
    return utf8.decode(data);
  } catch {
    return null;
  }
}

/** A number at the start of a file name ("EXE-014 Procedure.docx", "EXE-014.md"), if well formed. */
function numberFromName(name: string): string | undefined {
  const base = (name.split("/").pop() ?? name).replace(/\.[^.]+$/, "");
  const m = /^([A-Za-z][A-Za-z0-9]{1,7}-\d{1,6})(?=$|[\s_.-])/.exec(base);
  if (!m) return undefined;
  const candidate = m[1].toUpperCase();
  return parseNumber(candidate) ? candidate : undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string" && v.trim()) return v.trim();
  if (typeof v === "number") return String(v);
  return undefined;
}

/** A file left out, with its reason and a message in the reader's language. */
class Skip extends Error {
  constructor(
    public reason: ReasonCode,
    public detail: ImportMessage,
  ) {
    super(detail.key);
  }
}

/** Where the next issued number in each category starts, as allocateNumber sees it. */
function numberingState(): { highest: Map<string, number>; used: Set<string> } {
  const highest = new Map<string, number>();
  const used = new Set<string>();
  const note = (n: string) => {
    used.add(n);
    const p = parseNumber(n);
    if (p) highest.set(p.category, Math.max(highest.get(p.category) ?? 0, p.seq));
  };
  allNumbers().forEach(note);
  const db = readDb();
  db.reservedNumbers.forEach((r) => note(r.number));
  for (const [category, seq] of Object.entries(db.numbering)) highest.set(category, Math.max(highest.get(category) ?? 0, seq));
  return { highest, used };
}

const kb = (bytes: number) => Math.round(bytes / 1024);

async function readBody(file: ImportFile, report: FileReport): Promise<{ data: Record<string, unknown>; body: string; prefixLines: number }> {
  const limits = importLimits();
  if (report.format === "markdown") {
    if (report.bytes > limits.markdownBytes) throw new Skip("oversized", msg("import.detail.oversized", { size: kb(report.bytes), limit: kb(limits.markdownBytes) }));
    const text = decodeText(file.data);
    if (text === null) throw new Skip("binary", msg("import.detail.notText"));
    try {
      const split = splitFrontMatter(text);
      const clean = text.replace(/^\uFEFF/, "");
      return { data: split.data, body: split.body.replace(/\r\n?/g, "\n"), prefixLines: newlines(clean.slice(0, clean.length - split.body.length)) };
    } catch (error) {
      const message = (error as Error).message;
      if (/must be a mapping/.test(message)) throw new Skip("front-matter", msg("import.detail.fmNotMapping"));
      const line = /line (\d+)/.exec(message)?.[1];
      throw new Skip("front-matter", line ? msg("import.detail.fmYamlLine", { line: Number(line) + 1 }) : msg("import.detail.fmYaml"));
    }
  }
  if (report.bytes > limits.docxBytes) throw new Skip("oversized", msg("import.detail.oversized", { size: kb(report.bytes), limit: kb(limits.docxBytes) }));
  if (file.data.length < 4 || file.data.readUInt32LE(0) !== 0x04034b50) throw new Skip("corrupt-docx", msg("import.detail.notZip"));
  let html: string;
  try {
    const mammoth = (await import("mammoth")).default;
    const result = await mammoth.convertToHtml({ buffer: file.data }, { externalFileAccess: false } as Parameters<typeof mammothTypes.convertToHtml>[1]);
    html = result.value;
  } catch (error) {
    throw new Skip("corrupt-docx", msg("import.detail.docxUnreadable", { message: (error as Error).message.split("\n")[0].slice(0, 160) }));
  }
  const { markdown, imagesDropped } = htmlToMarkdown(html);
  if (imagesDropped) report.warnings.push(msg("import.warn.imagesDropped", { count: imagesDropped }));
  return { data: {}, body: markdown, prefixLines: 0 };
}

/** The reader's message for a front matter value the schema refused. */
function frontMatterIssue(issue: z.ZodIssue): ImportMessage {
  const field = issue.path.join(".") || "front matter";
  const top = String(issue.path[0] ?? "");
  if (top === "effective_date" || top === "next_review_date") return msg("import.detail.fm.date", { field });
  if (top === "confidentiality") return msg("import.detail.fm.choice", { field, choices: CONFIDENTIALITY.join(", ") });
  if (top === "lang") return msg("import.detail.fm.choice", { field, choices: "zh, en" });
  if (top === "title" && issue.code === "too_big") return msg("import.detail.fm.titleLong", { field, max: MAX_TITLE });
  if (top === "audience_departments") return msg("import.detail.fm.list", { field });
  if (top === "retired") return msg("import.detail.fm.boolean", { field });
  return msg("import.detail.fm.text", { field });
}

/** Largest block of kept front matter keys (as YAML) a document may carry. */
const MAX_EXTRA_BYTES = 16 * 1024;

async function prepare(file: ImportFile, options: ImportOptions, numbers: ReturnType<typeof numberingState>, batch: Map<string, string>): Promise<Prepared> {
  const report: FileReport = { file: file.name, format: formatOf(file.name), bytes: file.bytes ?? file.data.length, outcome: "ready", warnings: [] };
  try {
    if (isMappingFile(file.name)) throw new Skip("mapping-file", msg("import.detail.mappingFile"));
    if (report.format === "other") throw new Skip("unsupported", msg("import.detail.unsupported"));
    const { data, body: rawBody, prefixLines } = await readBody(file, report);
    const fm = FrontMatterSchema.partial().safeParse(data);
    if (!fm.success) throw new Skip("front-matter", frontMatterIssue(fm.error.issues[0]));
    const extra = frontMatterExtras(data);
    if (extra) {
      const size = Buffer.byteLength(YAML.stringify(extra), "utf8");
      if (size > MAX_EXTRA_BYTES) throw new Skip("front-matter", msg("import.detail.fm.extraTooLarge", { size: kb(size), limit: kb(MAX_EXTRA_BYTES) }));
      report.extraKeys = Object.keys(extra);
    }
    const titled = importTitle(rawBody, file.name, str(data.title));
    if (titled.shortened) report.warnings.push(msg("import.warn.titleShortened", { max: MAX_TITLE }));
    // Zero-width and text-direction characters are removed from titles (a title left with nothing visible is refused).
    const title = stripInvisible(titled.title);
    const { body } = titled;
    report.title = title;
    report.titleFrom = titled.source;
    if (!body.trim()) throw new Skip("empty", msg("import.detail.empty"));

    // Number: from the front matter or the file name when valid and free; otherwise issued later.
    const stated = str(data.number) ?? numberFromName(file.name);
    let number: string | undefined;
    if (stated) {
      if (!parseNumber(stated)) {
        report.warnings.push(msg("import.warn.badNumber", { number: stated }));
      } else if (batch.has(stated)) {
        throw new Skip("duplicate-number", msg("import.detail.numberInImport", { number: stated, file: batch.get(stated)! }));
      } else if (numbers.used.has(stated)) {
        throw new Skip("duplicate-number", msg("import.detail.numberUsed", { number: stated }));
      } else {
        number = stated;
        report.numberFrom = "file";
      }
    }
    const mapped = mappingFor(options.mapping, file.name);
    const category = number ? parseNumber(number)!.category : (str(data.category) ?? options.category ?? mapped.category);
    if (!category) throw new Skip("no-category", msg("import.detail.noCategory"));
    if (!getConfig().categories.some((c) => c.code === category)) throw new Skip("invalid", msg("import.detail.unknownCategory", { category }));
    if (str(data.category) && str(data.category) !== category)
      throw new Skip("invalid", msg("import.detail.numberCategory", { number: number!, category, stated: str(data.category)! }));
    const meta: DocumentMeta = {
      number: number ?? formatNumber(category, 1),
      title,
      category,
      type: str(data.type) ?? mapped.type ?? options.type ?? "manual",
      ownerDepartment: str(data.owner_department) ?? mapped.owner_department ?? options.ownerDepartment ?? options.actor.departmentId ?? "",
      confidentiality: (fm.data.confidentiality as Confidentiality | undefined) ?? mapped.confidentiality ?? options.confidentiality ?? "internal",
      audienceDepartments: fm.data.audience_departments ?? [],
      effectiveDate: fm.data.effective_date,
      nextReviewDate: fm.data.next_review_date,
      retired: false,
      lang: fm.data.lang,
      ...(extra ? { extra } : {}),
    };
    checkMeta(meta);
    checkBody(body);
    if (number) batch.set(number, file.name);
    Object.assign(report, { number, category, type: meta.type, ownerDepartment: meta.ownerDepartment });
    return { report, meta, body, sketch: sketchText(body), lineOffset: prefixLines + newlines(rawBody) - newlines(body) };
  } catch (error) {
    if (error instanceof Skip) {
      Object.assign(report, { outcome: "skipped", reason: error.reason, detail: error.detail });
      return { report };
    }
    Object.assign(report, { outcome: "failed", reason: "invalid", detail: msg("import.detail.unexpected", { message: (error as Error).message.slice(0, 300) }) });
    return { report };
  }
}

/** The metadata checks of validateMeta, each with the reader's message. */
function checkMeta(meta: DocumentMeta): void {
  const config = getConfig();
  if (!config.types.some((t) => t.code === meta.type)) throw new Skip("invalid", msg("import.detail.unknownType", { type: meta.type }));
  if (!meta.ownerDepartment || !getDepartment(meta.ownerDepartment))
    throw new Skip("invalid", msg("import.detail.unknownDepartment", { department: meta.ownerDepartment || "—" }));
  const unknown = meta.audienceDepartments.filter((d) => !getDepartment(d));
  if (unknown.length) throw new Skip("invalid", msg("import.detail.unknownAudience", { departments: unknown.join(", ") }));
  if (meta.title.length > MAX_TITLE) throw new Skip("invalid", msg("import.detail.fm.titleLong", { field: "title", max: MAX_TITLE }));
  try {
    validateMeta(meta, { checkDepartments: true });
  } catch (error) {
    if (error instanceof DomainError || error instanceof FrontMatterError) throw new Skip("invalid", msg("import.detail.invalidOther", { message: error.message }));
    throw error;
  }
}

function checkBody(body: string): void {
  try {
    validateBody(body);
  } catch (error) {
    if (error instanceof DomainError && error.code === "too_large") {
      throw new Skip("oversized", msg("import.detail.oversized", { size: kb(Buffer.byteLength(body, "utf8")), limit: kb(getEnv().MAX_DOCUMENT_BYTES) }));
    }
    if (error instanceof ValidationError && error.fieldErrors.body === "binary data") throw new Skip("binary", msg("import.detail.binaryData"));
    if (error instanceof ValidationError && error.fieldErrors.body === "required") throw new Skip("empty", msg("import.detail.empty"));
    if (error instanceof DomainError) throw new Skip("invalid", msg("import.detail.invalidOther", { message: error.message }));
    throw error;
  }
}

/** Sorts files the way a person reads a folder listing. */
export function sortFiles<T extends { name: string }>(files: T[]): T[] {
  return [...files].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

/** The mapping file among the files, if any (parsed). */
export function mappingAmong(files: ImportFile[]): ImportMapping | undefined {
  const f = files.find((x) => isMappingFile(x.name));
  return f ? parseMapping(f.data.toString("utf8"), f.name) : undefined;
}

/** Related pairs listed per group (a group of many copies lists the first ones and a count). */
const MAX_LISTED_PAIRS = 50;

/** Groups of duplicates and near-duplicates among the files that can be imported. */
function findDuplicates(prepared: Prepared[], threshold: number): DuplicateGroup[] {
  const ready = prepared.filter((p) => p.report.outcome === "ready" && p.sketch);
  const edges = new Map<string, { a: number; b: number; sameTitle: boolean; identical: boolean; similarity: number }>();
  const edge = (a: number, b: number) => {
    const key = `${a}:${b}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { a, b, sameTitle: false, identical: false, similarity: 0 }));
    return e;
  };
  const byTitle = new Map<string, number[]>();
  ready.forEach((p, i) => {
    const key = titleKey(p.report.title ?? "");
    if (!key) return;
    byTitle.set(key, [...(byTitle.get(key) ?? []), i]);
  });
  // Files with one title are paired with the first of them (a chain is enough to group them).
  for (const list of byTitle.values()) for (let y = 1; y < list.length; y++) edge(list[0], list[y]).sameTitle = true;
  const sketches = ready.map((p) => p.sketch!);
  for (const pair of similarPairs(sketches, threshold)) {
    const e = edge(pair.a, pair.b);
    e.identical = pair.identical;
    e.similarity = pair.similarity;
  }
  const titleKeys = ready.map((p) => titleKey(p.report.title ?? ""));
  for (const e of edges.values()) {
    e.sameTitle = !!titleKeys[e.a] && titleKeys[e.a] === titleKeys[e.b];
    if (!e.similarity) e.similarity = estimateSimilarity(sketches[e.a], sketches[e.b]);
  }
  const groups = groupsOf(ready.length, [...edges.values()].map((e) => [e.a, e.b] as const));
  return groups.map((members, i) => {
    const files = members.map((m) => ready[m].report.file);
    // Kept by default: a file that states its number, then the longest text, then the first in reading order.
    const keep = [...members].sort(
      (x, y) =>
        Number(ready[y].report.numberFrom === "file") - Number(ready[x].report.numberFrom === "file") || sketches[y].tokens - sketches[x].tokens || x - y,
    )[0];
    const inGroup = new Set(members);
    const related = [...edges.values()].filter((e) => inGroup.has(e.a)).sort((p, q) => p.a - q.a || p.b - q.b);
    const pairs = related
      .slice(0, MAX_LISTED_PAIRS)
      .map((e) => ({ a: ready[e.a].report.file, b: ready[e.b].report.file, sameTitle: e.sameTitle, identical: e.identical, similarity: Math.round(e.similarity * 100) / 100 }));
    return {
      id: i + 1,
      files,
      pairs,
      ...(related.length > pairs.length ? { morePairs: related.length - pairs.length } : {}),
      keep: ready[keep].report.file,
      action: "import" as DuplicatePolicy,
    };
  });
}

/** Applies the importer's decisions to the duplicate groups: skipped files get their reason, merged ones the file kept. */
function applyDuplicateDecisions(prepared: Prepared[], groups: DuplicateGroup[], options: ImportOptions): Map<string, string> {
  const byFile = new Map(prepared.map((p) => [p.report.file, p]));
  const mergedInto = new Map<string, string>();
  for (const group of groups) {
    for (const f of group.files) byFile.get(f)!.report.group = group.id;
    const choice = options.duplicateChoices?.find((c) => c.files.some((f) => group.files.includes(f)));
    const action = choice?.action ?? options.duplicates ?? "import";
    group.action = action;
    if (action === "skip") {
      for (const f of group.files) {
        Object.assign(byFile.get(f)!.report, { outcome: "skipped", reason: "duplicate", detail: msg("import.detail.duplicateSkipped", { group: group.id }) });
      }
    } else if (action === "merge") {
      const kept = choice?.keep && group.files.includes(choice.keep) ? choice.keep : group.keep;
      group.kept = kept;
      for (const f of group.files) {
        if (f === kept) continue;
        mergedInto.set(f, kept);
        Object.assign(byFile.get(f)!.report, { outcome: "skipped", reason: "duplicate", duplicateOf: { file: kept }, detail: msg("import.detail.duplicateOf", { file: kept }) });
      }
    }
  }
  return mergedInto;
}

/** The predicted (dry run) or issued numbers for every file that will be imported, in reading order. */
function predictNumbers(prepared: Prepared[], numbers: ReturnType<typeof numberingState>): void {
  for (const p of prepared) {
    if (p.report.outcome !== "ready" || !p.meta) continue;
    if (p.report.numberFrom === "file") {
      const parsed = parseNumber(p.meta.number)!;
      numbers.highest.set(parsed.category, Math.max(numbers.highest.get(parsed.category) ?? 0, parsed.seq));
    }
  }
  for (const p of prepared) {
    if (p.report.outcome !== "ready" || !p.meta || p.report.numberFrom === "file") continue;
    const seq = (numbers.highest.get(p.meta.category) ?? 0) + 1;
    numbers.highest.set(p.meta.category, seq);
    p.meta = { ...p.meta, number: formatNumber(p.meta.category, seq) };
    p.report.number = p.meta.number;
    p.report.numberFrom = "assigned";
  }
}

/** Rewrites links between the files to document numbers and records each file's links in its report. */
function linkDocuments(prepared: Prepared[], mergedInto: Map<string, string>): void {
  const importable = new Map<string, Prepared>();
  for (const p of prepared) if (p.report.outcome === "ready" && p.meta && p.body !== undefined) importable.set(p.report.file, p);
  const allFiles = new Map(prepared.map((p) => [p.report.file, p]));
  const find = fileFinder(allFiles);
  const targets = new Map<string, LinkTarget>();
  const targetOf = (p: Prepared): LinkTarget => {
    let t = targets.get(p.report.file);
    if (!t) targets.set(p.report.file, (t = { number: p.meta!.number, anchors: headingAnchors(p.body!) }));
    return t;
  };
  const lookup = (path: string): LinkTarget | "not-imported" | undefined => {
    const hit = find(path);
    if (!hit) return undefined;
    const kept = mergedInto.get(hit.report.file);
    const doc = importable.get(kept ?? hit.report.file);
    return doc ? targetOf(doc) : "not-imported";
  };
  const rewritten = new Map<string, string>();
  for (const p of importable.values()) {
    const r = rewriteLinks(p.body!, p.report.file, lookup, p.lineOffset ?? 0);
    if (r.rewritten || r.outside.length || r.unknownAnchors.length) p.report.links = { rewritten: r.rewritten, outside: r.outside, unknownAnchors: r.unknownAnchors };
    else delete p.report.links;
    rewritten.set(p.report.file, r.body);
  }
  for (const [file, body] of rewritten) importable.get(file)!.body = body;
  // A merged file's report names the number of the document it became part of.
  for (const [file, kept] of mergedInto) {
    const report = allFiles.get(file)!.report;
    const number = importable.get(kept)?.meta?.number;
    if (number && report.duplicateOf) {
      report.duplicateOf.number = number;
      report.detail = msg("import.detail.duplicateOfNumber", { file: kept, number });
    }
  }
}

/** An exported document's attachments sit beside it: <NUMBER>.attachments/<name> and the manifest <NUMBER>.attachments.json. */
const ATTACHMENT_DIR = /^(.*)\.attachments\/([^/]+)$/;
const ATTACHMENT_MANIFEST = /^(.*)\.attachments\.json$/;

interface AttachmentGroup {
  files: ImportFile[];
  manifest?: ImportFile;
}

/** Separates the documents from the attachment files beside them (keyed by the document's path without extension). */
function splitAttachments(files: ImportFile[]): { documents: ImportFile[]; groups: Map<string, AttachmentGroup> } {
  const documents: ImportFile[] = [];
  const groups = new Map<string, AttachmentGroup>();
  const group = (key: string) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { files: [] }));
    return g;
  };
  for (const f of files) {
    const inDir = ATTACHMENT_DIR.exec(f.name);
    const manifest = ATTACHMENT_MANIFEST.exec(f.name);
    if (inDir) group(inDir[1]).files.push(f);
    else if (manifest) group(manifest[1]).manifest = f;
    else documents.push(f);
  }
  return { documents, groups };
}

const stemOf = (name: string) => name.replace(/\.(md|markdown|docx)$/i, "");

/** Checks a document's attachments (type, size, name, the manifest's hashes): all of them pass, or the document is left out. */
async function prepareAttachments(item: Prepared, group: AttachmentGroup | undefined): Promise<void> {
  if (!group || item.report.outcome !== "ready") return;
  const listed = group.manifest ? parseManifest(group.manifest.data.toString("utf8")) : [];
  const out: { info: AttachmentInfo; bytes: Buffer }[] = [];
  try {
    for (const f of sortFiles(group.files)) {
      const raw = f.name.split("/").pop() ?? f.name;
      if (f.bytes !== undefined && f.bytes !== f.data.length) throw new Skip("oversized", msg("import.detail.attachmentTooLarge", { name: raw }));
      let checked;
      try {
        checked = await checkFile(raw, f.data);
      } catch (error) {
        if (error instanceof DomainError) throw new Skip("invalid", msg("import.detail.attachmentBad", { name: raw, message: error.message }));
        throw error;
      }
      const sha256 = createHash("sha256").update(checked.bytes).digest("hex");
      const stated = listed.find((e) => e.name === checked.name);
      if (stated && stated.sha256 !== sha256) throw new Skip("invalid", msg("import.detail.attachmentChanged", { name: checked.name }));
      out.push({ info: { name: checked.name, size: checked.bytes.length, sha256, type: checked.type }, bytes: checked.bytes });
    }
    const missing = listed.filter((e) => !out.some((a) => a.info.name === e.name));
    if (missing.length) throw new Skip("invalid", msg("import.detail.attachmentMissing", { name: missing[0].name }));
    const sizes = new Map(out.map((a) => [a.info.sha256, a.info.size]));
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    if (total > maxVersionBytes()) throw new Skip("oversized", msg("import.detail.attachmentsTooLarge", { size: kb(total), limit: kb(maxVersionBytes()) }));
  } catch (error) {
    if (error instanceof Skip) {
      Object.assign(item.report, { outcome: "skipped", reason: error.reason, detail: error.detail });
      return;
    }
    throw error;
  }
  if (out.length) {
    item.attachments = out;
    item.report.attachments = out.length;
  }
}

/** The files that write a document's attachment folder in its publication commit. */
function attachmentFiles(number: string, list: { info: AttachmentInfo; bytes: Buffer }[]): FileChange[] {
  const files: FileChange[] = [{ path: manifestPath(number), content: manifestText(list.map((a) => a.info)) }];
  const written = new Set<string>();
  for (const a of list) {
    if (written.has(a.info.sha256)) continue;
    written.add(a.info.sha256);
    files.push({ path: attachmentFilePath(number, a.info.sha256), content: a.bytes });
  }
  return files;
}

async function prepareAll(files: ImportFile[], options: ImportOptions): Promise<{ prepared: Prepared[]; duplicates: DuplicateGroup[]; mergedInto: Map<string, string> }> {
  const numbers = numberingState();
  const batch = new Map<string, string>();
  const prepared: Prepared[] = [];
  const { documents, groups } = splitAttachments(files);
  const used = new Set<string>();
  for (const file of sortFiles(documents)) {
    const item = await prepare(file, options, numbers, batch);
    const key = stemOf(file.name);
    if (groups.has(key)) used.add(key);
    await prepareAttachments(item, groups.get(key));
    prepared.push(item);
  }
  // Attachments without their document are reported, not imported.
  for (const [key, group] of groups) {
    if (used.has(key)) continue;
    for (const f of [...group.files, ...(group.manifest ? [group.manifest] : [])]) {
      prepared.push({
        report: { file: f.name, format: "other", bytes: f.bytes ?? f.data.length, outcome: "skipped", reason: "unsupported", detail: msg("import.detail.attachmentOrphan", { file: `${key}.md` }), warnings: [] },
      });
    }
  }
  const duplicates = findDuplicates(prepared, options.similarity ?? 0.8);
  const mergedInto = applyDuplicateDecisions(prepared, duplicates, options);
  for (const p of prepared) delete p.sketch;
  // Copies of documents already in the portal are reported, not decided: consolidating them is a document controller's work.
  const ready = prepared.filter((p) => p.report.outcome === "ready" && p.meta && p.body !== undefined);
  const copies = await currentCopiesOfMany(ready.map((p) => ({ title: p.meta!.title, text: p.body! })));
  ready.forEach((p, i) => {
    if (copies[i].length) p.report.copiesOf = copies[i];
  });
  return { prepared, duplicates, mergedInto };
}

/** Checks every file and says what an import would do (numbers as they would be issued now, links as they would be rewritten). Writes nothing. */
export async function planImport(files: ImportFile[], options: ImportOptions): Promise<ImportResult> {
  const { prepared, duplicates, mergedInto } = await prepareAll(files, options);
  predictNumbers(prepared, numberingState());
  linkDocuments(prepared, mergedInto);
  return { files: prepared.map((p) => p.report), duplicates };
}

export interface ImportProgress {
  done: number;
  total: number;
  file?: string;
}

/**
 * Imports the files: checks all of them first, issues the numbers of every
 * file that passed, rewrites the links between them to those numbers, then
 * publishes each one as a new document (one commit each: a document arrives
 * whole — text, title, kept front matter, links — or not at all). Returns the
 * report for every file and the duplicate groups.
 */
export async function runImport(
  files: ImportFile[],
  options: ImportOptions,
  onProgress: (progress: ImportProgress, report?: FileReport) => Promise<void> | void = () => {},
): Promise<ImportResult> {
  const { prepared, duplicates, mergedInto } = await prepareAll(files, options);
  const total = prepared.length;
  await onProgress({ done: 0, total });
  // Numbers first, so that links between the files can name them before any is published: the
  // numbers the files state, then the issued ones in reading order (as the dry run predicted them).
  const order = [...prepared.filter((p) => p.report.numberFrom === "file"), ...prepared.filter((p) => p.report.numberFrom !== "file")];
  for (const item of order) {
    const report = item.report;
    if (report.outcome !== "ready" || !item.meta) continue;
    try {
      if (report.numberFrom === "file") {
        await claimNumber(item.meta.number, new Set(allNumbers()), options.actor.username, `import ${report.file}`);
      } else {
        item.meta = { ...item.meta, number: await allocateNumber(item.meta.category, allNumbers(), options.actor.username, `import ${report.file}`) };
        report.numberFrom = "assigned";
      }
      report.number = item.meta.number;
    } catch (error) {
      const duplicate = error instanceof ValidationError && error.fieldErrors.number === "already used";
      Object.assign(report, {
        outcome: duplicate ? "skipped" : "failed",
        reason: duplicate ? "duplicate-number" : "publish-failed",
        detail: duplicate ? msg("import.detail.numberUsed", { number: item.meta.number }) : msg("import.detail.publishFailed", { message: (error as Error).message.slice(0, 300) }),
      });
    }
  }
  linkDocuments(prepared, mergedInto);
  const mergedFrom = new Map<string, string[]>();
  for (const [file, kept] of mergedInto) mergedFrom.set(kept, [...(mergedFrom.get(kept) ?? []), file]);
  const reports: FileReport[] = [];
  let done = 0;
  for (const item of prepared) {
    const report = item.report;
    if (report.outcome === "ready" && item.meta && item.body !== undefined) {
      try {
        checkBody(item.body); // links rewritten: the text may have grown
        const merged = mergedFrom.get(report.file);
        const from = report.file.split("/").pop();
        await publishVersion({
          number: item.meta.number,
          meta: item.meta,
          body: item.body,
          author: { username: options.actor.username, name: options.actor.name, email: options.actor.email },
          change: "new",
          summary: (merged?.length ? `Imported from ${from} (duplicates not imported: ${merged.join(", ")})` : `Imported from ${from}`).slice(0, 200),
          expectedVersion: 0,
          // The attachments arrive in the document's one commit: with it, or not at all.
          extraFiles: item.attachments?.length ? attachmentFiles(item.meta.number, item.attachments) : undefined,
        });
        report.outcome = "imported";
      } catch (error) {
        if (error instanceof Skip) Object.assign(report, { outcome: "skipped", reason: error.reason, detail: error.detail });
        else Object.assign(report, { outcome: "failed", reason: "publish-failed", detail: msg("import.detail.publishFailed", { message: (error as Error).message.slice(0, 300) }) });
      }
    }
    reports.push(report);
    done++;
    await onProgress({ done, total, file: report.file }, report);
  }
  return { files: reports, duplicates };
}

/** Counts per outcome, for summaries. */
export function summarizeReports(reports: FileReport[]) {
  const count = (o: FileReport["outcome"]) => reports.filter((r) => r.outcome === o).length;
  return {
    total: reports.length,
    ready: count("ready"),
    imported: count("imported"),
    skipped: count("skipped"),
    failed: count("failed"),
    linksRewritten: reports.reduce((n, r) => n + (r.outcome === "ready" || r.outcome === "imported" ? (r.links?.rewritten ?? 0) : 0), 0),
    linksOutside: reports.reduce((n, r) => n + (r.outcome === "ready" || r.outcome === "imported" ? (r.links?.outside.length ?? 0) : 0), 0),
  };
}


/** The account an import runs as: an existing user (CLI --as), else a neutral "import" author. */
export function importActor(username: string): ImportOptions["actor"] {
  const user = getUserByUsername(username);
  if (!user) throw new ValidationError(msg("import.err.noAccount", { username }), { as: "unknown user" });
  return { username: user.username, name: user.name, email: user.email, departmentId: user.departmentId };
}
