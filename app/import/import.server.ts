/**
 * Import of existing documents: markdown files (with or without front
 * matter) and Word .docx files. Every file is first checked completely —
 * type, size, text, conversion, metadata, number — and only then published,
 * one commit per file through publishVersion, so a bad file is reported and
 * never half-imported. A dry run does the checks and reports what would happen.
 */
import mammoth from "mammoth";
import YAML from "yaml";
import { z } from "zod";
import { getUserByUsername } from "~/access/users.server";
import { readDb } from "~/data/db.server";
import { getConfig } from "~/documents/config.server";
import { publishVersion, validateBody, validateMeta } from "~/documents/documents.server";
import { CONFIDENTIALITY, FrontMatterError, FrontMatterSchema, splitFrontMatter, type Confidentiality, type DocumentMeta } from "~/documents/front-matter";
import { allocateNumber, claimNumber, formatNumber, parseNumber } from "~/documents/numbering.server";
import { allNumbers } from "~/documents/version-index.server";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg, ValidationError, type Msg } from "~/utils/errors.server";
import { translate } from "~/i18n/i18n";
import { htmlToMarkdown } from "./html-to-markdown";

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

export interface ImportOptions {
  /** Category chosen in the upload form (or --category) for files that do not state theirs. */
  category?: string;
  type?: string;
  ownerDepartment?: string;
  confidentiality?: Confidentiality;
  mapping?: ImportMapping;
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
  | "no-category"
  | "invalid"
  | "publish-failed";

export interface FileReport {
  file: string;
  format: "markdown" | "docx" | "other";
  bytes: number;
  outcome: "ready" | "imported" | "skipped" | "failed";
  reason?: ReasonCode;
  detail?: string;
  /** The detail as a catalogue message, for the report page (detail is its English text, for the command line). */
  detailMsg?: Msg;
  number?: string;
  numberFrom?: "file" | "assigned";
  title?: string;
  category?: string;
  type?: string;
  ownerDepartment?: string;
  warnings: string[];
  /** The warnings as catalogue messages, in the same order. */
  warningMsgs?: Msg[];
}

interface Prepared {
  report: FileReport;
  meta?: DocumentMeta;
  body?: string;
}

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

function titleFromName(name: string): string {
  const base = (name.split("/").pop() ?? name).replace(/\.[^.]+$/, "");
  return base.replace(/^[A-Za-z][A-Za-z0-9]{1,7}-\d{1,6}[\s_.-]*/, "").replace(/[_]+/g, " ").trim() || base;
}

/** Takes a leading "# Title" out of the body when it is the document's title. */
function leadingHeading(body: string): { title?: string; rest: string } {
  const m = /^\s*#\s+(.+?)\s*#*\s*(?:\n|$)/.exec(body);
  if (!m) return { rest: body };
  return { title: m[1].replace(/\\([\\`*_[\]<>])/g, "$1").trim(), rest: body.slice(m[0].length) };
}

function str(v: unknown): string | undefined {
  if (typeof v === "string" && v.trim()) return v.trim();
  if (typeof v === "number") return String(v);
  return undefined;
}

class Skip extends Error {
  public detail: Msg;
  constructor(
    public reason: ReasonCode,
    message: Msg,
  ) {
    super(translate("en", message.key, message.vars));
    this.detail = message;
  }
}

/** A skip for a domain error: its own catalogue message when it has one. */
function skipFor(reason: ReasonCode, error: DomainError | FrontMatterError): Skip {
  if (error instanceof DomainError && error.key) return new Skip(reason, msg(error.key, error.vars));
  if (error instanceof FrontMatterError) return new Skip(reason, msg("import.skip.frontMatter", { problem: error.message }));
  return new Skip(reason, msg("import.skip.asIs", { text: error.message }));
}

function warn(report: FileReport, message: Msg) {
  report.warnings.push(translate("en", message.key, message.vars));
  (report.warningMsgs ??= []).push(message);
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

async function readBody(file: ImportFile, report: FileReport): Promise<{ data: Record<string, unknown>; body: string }> {
  const limits = importLimits();
  if (report.format === "markdown") {
    if (report.bytes > limits.markdownBytes) {
      throw new Skip("oversized", msg("import.skip.oversized", { kb: Math.round(report.bytes / 1024), limit: Math.round(limits.markdownBytes / 1024) }));
    }
    const text = decodeText(file.data);
    if (text === null) throw new Skip("binary", msg("import.skip.notUtf8"));
    try {
      return splitFrontMatter(text);
    } catch (error) {
      throw error instanceof FrontMatterError ? skipFor("front-matter", error) : new Skip("front-matter", msg("import.skip.asIs", { text: (error as Error).message }));
    }
  }
  if (report.bytes > limits.docxBytes) {
    throw new Skip("oversized", msg("import.skip.oversized", { kb: Math.round(report.bytes / 1024), limit: Math.round(limits.docxBytes / 1024) }));
  }
  if (file.data.length < 4 || file.data.readUInt32LE(0) !== 0x04034b50) throw new Skip("corrupt-docx", msg("import.skip.notZip"));
  let html: string;
  try {
    const result = await mammoth.convertToHtml({ buffer: file.data }, { externalFileAccess: false } as Parameters<typeof mammoth.convertToHtml>[1]);
    html = result.value;
  } catch (error) {
    throw new Skip("corrupt-docx", msg("import.skip.docxUnreadable", { problem: (error as Error).message.split("\n")[0].slice(0, 160) }));
  }
  const { markdown, imagesDropped } = htmlToMarkdown(html);
  if (imagesDropped) warn(report, msg("import.warn.images", { count: imagesDropped }));
  return { data: {}, body: markdown };
}

async function prepare(file: ImportFile, options: ImportOptions, numbers: ReturnType<typeof numberingState>, batch: Set<string>): Promise<Prepared> {
  const report: FileReport = { file: file.name, format: formatOf(file.name), bytes: file.bytes ?? file.data.length, outcome: "ready", warnings: [] };
  try {
    if (isMappingFile(file.name)) throw new Skip("mapping-file", msg("import.skip.mapping"));
    if (report.format === "other") throw new Skip("unsupported", msg("import.skip.unsupported"));
    const { data, body: rawBody } = await readBody(file, report);
    const fm = FrontMatterSchema.partial().safeParse(data);
    if (!fm.success) {
      const issue = fm.error.issues[0];
      throw new Skip("front-matter", msg("import.skip.field", { field: issue.path.join("."), problem: issue.message }));
    }
    const heading = leadingHeading(rawBody);
    const title = str(data.title) ?? heading.title ?? titleFromName(file.name);
    const body = str(data.title) && heading.title !== str(data.title) ? rawBody : heading.rest;
    if (!body.trim()) throw new Skip("empty", msg("import.skip.empty"));

    // Number: from the front matter or the file name when valid and free; otherwise issued.
    const stated = str(data.number) ?? numberFromName(file.name);
    let number: string | undefined;
    if (stated) {
      if (!parseNumber(stated)) {
        warn(report, msg("import.warn.badNumber", { number: stated }));
      } else if (numbers.used.has(stated) || batch.has(stated)) {
        throw new Skip("duplicate-number", msg(batch.has(stated) ? "import.skip.numberInBatch" : "import.skip.numberUsed", { number: stated }));
      } else {
        number = stated;
        report.numberFrom = "file";
      }
    }
    const mapped = mappingFor(options.mapping, file.name);
    const category = number ? parseNumber(number)!.category : (str(data.category) ?? options.category ?? mapped.category);
    if (!category) throw new Skip("no-category", msg("import.skip.noCategory"));
    if (!getConfig().categories.some((c) => c.code === category)) throw new Skip("invalid", msg("import.skip.unknownCategory", { category }));
    if (str(data.category) && str(data.category) !== category) throw new Skip("invalid", msg("import.skip.categoryMismatch", { number: number ?? "", category, stated: str(data.category) ?? "" }));
    if (!number) {
      const seq = (numbers.highest.get(category) ?? 0) + 1;
      number = formatNumber(category, seq);
      report.numberFrom = "assigned";
    }
    const meta: DocumentMeta = {
      number,
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
    };
    try {
      validateMeta(meta, { checkDepartments: true });
      validateBody(body);
    } catch (error) {
      if (error instanceof DomainError && error.code === "too_large") throw skipFor("oversized", error);
      if (error instanceof DomainError && /binary/.test(error.message)) throw skipFor("binary", error);
      if (error instanceof DomainError || error instanceof FrontMatterError) throw skipFor("invalid", error);
      throw error;
    }
    // Reserve the number in the simulation so later files see it as taken.
    const p = parseNumber(number)!;
    numbers.highest.set(p.category, Math.max(numbers.highest.get(p.category) ?? 0, p.seq));
    batch.add(number);
    Object.assign(report, { number, title, category, type: meta.type, ownerDepartment: meta.ownerDepartment });
    return { report, meta, body };
  } catch (error) {
    if (error instanceof Skip) {
      Object.assign(report, { outcome: "skipped", reason: error.reason, detail: error.message, detailMsg: error.detail });
      return { report };
    }
    Object.assign(report, { outcome: "failed", reason: "invalid", detail: (error as Error).message });
    return { report };
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

/** Checks every file and says what an import would do (numbers as they would be issued now). Writes nothing. */
export async function planImport(files: ImportFile[], options: ImportOptions): Promise<FileReport[]> {
  return (await prepareAll(files, options)).map((p) => p.report);
}

async function prepareAll(files: ImportFile[], options: ImportOptions): Promise<Prepared[]> {
  const numbers = numberingState();
  const batch = new Set<string>();
  const out: Prepared[] = [];
  for (const file of sortFiles(files)) out.push(await prepare(file, options, numbers, batch));
  return out;
}

export interface ImportProgress {
  done: number;
  total: number;
  file?: string;
}

/**
 * Imports the files: checks all of them first, then publishes each valid one
 * as a new document (one commit each). Returns the report for every file.
 */
export async function runImport(
  files: ImportFile[],
  options: ImportOptions,
  onProgress: (progress: ImportProgress, report?: FileReport) => Promise<void> | void = () => {},
): Promise<FileReport[]> {
  const prepared = await prepareAll(files, options);
  const total = prepared.length;
  await onProgress({ done: 0, total });
  const reports: FileReport[] = [];
  let done = 0;
  for (const item of prepared) {
    const report = item.report;
    if (report.outcome === "ready" && item.meta && item.body !== undefined) {
      try {
        const meta = { ...item.meta };
        if (report.numberFrom === "file") {
          await claimNumber(meta.number, new Set(allNumbers()), options.actor.username, `import ${report.file}`);
        } else {
          meta.number = await allocateNumber(meta.category, allNumbers(), options.actor.username, `import ${report.file}`);
        }
        await publishVersion({
          number: meta.number,
          meta,
          body: item.body,
          author: { username: options.actor.username, name: options.actor.name, email: options.actor.email },
          change: "new",
          summary: `Imported from ${report.file.split("/").pop()}`.slice(0, 200),
          expectedVersion: 0,
        });
        Object.assign(report, { outcome: "imported", number: meta.number });
      } catch (error) {
        const duplicate = error instanceof ValidationError && error.fieldErrors.number === "already used";
        Object.assign(report, {
          outcome: duplicate ? "skipped" : "failed",
          reason: duplicate ? "duplicate-number" : "publish-failed",
          detail: (error as Error).message,
          ...(error instanceof DomainError && error.key ? { detailMsg: msg(error.key, error.vars) } : {}),
        });
      }
    }
    reports.push(report);
    done++;
    await onProgress({ done, total, file: report.file }, report);
  }
  return reports;
}

/** Counts per outcome, for summaries. */
export function summarizeReports(reports: FileReport[]) {
  const count = (o: FileReport["outcome"]) => reports.filter((r) => r.outcome === o).length;
  return { total: reports.length, ready: count("ready"), imported: count("imported"), skipped: count("skipped"), failed: count("failed") };
}

/** The account an import runs as: an existing user (CLI --as), else a neutral "import" author. */
export function importActor(username: string): ImportOptions["actor"] {
  const user = getUserByUsername(username);
  if (!user) throw new ValidationError(msg("import.err.noAccount", { username }), { as: "unknown user" });
  return { username: user.username, name: user.name, email: user.email, departmentId: user.departmentId };
}
