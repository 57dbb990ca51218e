/**
 * npm run import -- <folder> [--dry-run] [--category CODE] [--type TYPE] [--owner DEPT]
 *                            [--confidentiality internal|department|restricted]
 *                            [--mapping FILE] [--as USERNAME] [--report FILE.json]
 *                            [--duplicates import|skip|merge] [--keep FILE]... [--lang zh-CN|en]
 *
 * Imports markdown (.md, with or without front matter) and Word (.docx) files
 * from a folder (recursively) as new documents. Every file is checked before
 * anything is written; bad files are listed with the reason and left out.
 * Duplicates and near-duplicates are listed in groups (--duplicates decides
 * what happens to them, --keep names the file kept of a group); links between
 * the files become links to their numbers, and links leading outside the
 * folder are listed. The report is written in --lang (default: from LANG).
 * It writes to DATA_DIR directly, so it refuses to run while the portal is
 * serving it: use the admin upload page (/admin/import) then.
 */
import fs from "node:fs";
import path from "node:path";
import { acquireDataDirLock, DataDirBusyError } from "~/utils/process-lock.server";
import { maxFileBytes } from "~/attachments/checks.server";
import { loadDb } from "~/data/db.server";
import { seedPeople } from "~/demo/seed.server";
import { ensureRepo } from "~/documents/repo.server";
import { loadVersionIndex } from "~/documents/version-index.server";
import { appendAudit } from "~/audit/audit.server";
import { CONFIDENTIALITY, type Confidentiality } from "~/documents/front-matter";
import { isLocale, translator, type Locale, type Translate } from "~/i18n/i18n";
import {
  DUPLICATE_POLICIES,
  importActor,
  importLimits,
  mappingAmong,
  parseMapping,
  planImport,
  runImport,
  reportText,
  summarizeReports,
  type DuplicateChoice,
  type DuplicateGroup,
  type DuplicatePolicy,
  type FileReport,
  type ImportFile,
  type ImportOptions,
} from "~/import/import.server";

const USAGE = `Usage: npm run import -- <folder> [--dry-run] [--category CODE] [--type TYPE] [--owner DEPARTMENT]
         [--confidentiality internal|department|restricted] [--mapping FILE] [--as USERNAME] [--report FILE.json]
         [--duplicates import|skip|merge] [--keep FILE]... [--lang zh-CN|en]`;

function parseArgs(argv: string[]) {
  const args: Record<string, string | boolean> = {};
  const keep: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--dry-run" || a === "--help" || a === "-h") args[a.replace(/^-+/, "")] = true;
    else if (a.startsWith("--")) {
      const [key, inline] = a.slice(2).split("=", 2);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${key} needs a value`);
      if (key === "keep") keep.push(value.replace(/\\/g, "/"));
      else args[key] = value;
    } else positional.push(a);
  }
  return { args, keep, positional };
}

/** The report's language: --lang, else the shell's LANG (Chinese when it says zh), else English. */
function reportLocale(arg: string | boolean | undefined): Locale {
  if (typeof arg === "string") {
    if (isLocale(arg)) return arg;
    if (/^zh/i.test(arg)) return "zh-CN";
    if (/^en/i.test(arg)) return "en";
    throw new Error(`--lang must be zh-CN or en`);
  }
  const env = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || "";
  return /^zh/i.test(env) ? "zh-CN" : "en";
}

/** Every file under the folder (hidden files and folders left out), with paths relative to it. */
function readFolder(root: string): { files: ImportFile[]; hidden: number } {
  const files: ImportFile[] = [];
  let hidden = 0;
  const limit = Math.max(importLimits().docxBytes, importLimits().markdownBytes);
  // An exported document's attachments (<NUMBER>.attachments/) may be as large as an attachment may be.
  const attachmentLimit = maxFileBytes();
  const visit = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) {
        hidden++;
        continue;
      }
      const full = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(full, relPath);
      else if (entry.isFile()) {
        const size = fs.statSync(full).size;
        // Oversized files are reported without being read.
        const max = /\.attachments\/[^/]+$/.test(relPath) ? attachmentLimit : limit;
        files.push({ name: relPath, data: size > max ? Buffer.alloc(0) : fs.readFileSync(full), bytes: size });
      }
    }
  };
  visit(root, "");
  return { files, hidden };
}

function progressBar(done: number, total: number, file?: string) {
  if (process.stderr.isTTY) {
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    const name = file ? ` ${file.length > 40 ? "…" + file.slice(-39) : file}` : "";
    process.stderr.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}${name}`.padEnd(90));
    if (done === total) process.stderr.write("\n");
  } else if (total && done > 0 && (done === total || done % Math.max(10, Math.ceil(total / 10)) === 0)) {
    process.stderr.write(`progress: ${done}/${total}\n`);
  }
}

function line(t: Translate, r: FileReport, dryRun: boolean): string[] {
  const out: string[] = [];
  if (r.outcome === "imported") out.push(`  ${t("import.outcome.imported").toLowerCase()}  ${r.number}  ${r.file}  “${r.title}”`);
  else if (r.outcome === "ready")
    out.push(`  ${dryRun ? t("import.cli.wouldImport") : t("import.outcome.ready")}  ${r.number}${r.numberFrom === "assigned" ? ` ${t("import.cli.newNumber")}` : ""}  ${r.file}  “${r.title}”`);
  else out.push(`  ${t(`import.outcome.${r.outcome}`).toLowerCase()}  ${r.file}  — ${r.reason ? t(`import.reason.${r.reason}`) : ""}: ${reportText(t, r.detail)}`);
  if (r.outcome === "ready" || r.outcome === "imported") {
    if (r.titleFrom && r.titleFrom !== "heading" && r.titleFrom !== "front-matter") out.push(`      ${t(`import.titleFrom.${r.titleFrom}`)}`);
    if (r.extraKeys?.length) out.push(`      ${t("import.extraKeys", { keys: r.extraKeys.join(", ") })}`);
    if (r.attachments) out.push(`      ${t("import.attachmentsWith", { count: r.attachments })}`);
    if (r.links?.rewritten) out.push(`      ${t("import.links.rewritten", { count: r.links.rewritten })}`);
    for (const o of r.links?.outside ?? []) out.push(`      ${t(`import.links.${o.why}`, { target: o.target, line: o.line })}`);
    for (const a of r.links?.unknownAnchors ?? []) out.push(`      ${t("import.links.unknownAnchor", { target: a.target, line: a.line })}`);
  }
  for (const c of r.copiesOf ?? []) out.push(`      ${t(c.sameTitle || c.similarTitle ? "consolidation.import.looksLikeTitle" : "consolidation.import.looksLike", { number: c.number, title: c.title, percent: c.percent })}`);
  for (const w of r.warnings) out.push(`      ${reportText(t, w)}`);
  return out;
}

function groupLines(t: Translate, groups: DuplicateGroup[], reports: FileReport[], dryRun: boolean): string[] {
  if (!groups.length) return [];
  const byFile = new Map(reports.map((r) => [r.file, r]));
  const out = [t("import.cli.duplicates", { count: groups.length })];
  for (const g of groups) {
    const action = g.action === "merge" ? t("import.dup.action.merge", { file: g.kept ?? g.keep }) : t(`import.dup.action.${g.action}`);
    out.push(`  ${t("import.dup.group", { id: g.id })}: ${dryRun && g.action === "import" ? "" : action}`.trimEnd());
    for (const f of g.files) {
      const r = byFile.get(f);
      const kept = g.action === "merge" ? f === (g.kept ?? g.keep) : f === g.keep;
      out.push(`    ${f}  ${r?.number ?? ""}  “${r?.title ?? ""}”${kept ? `  (${t("import.cli.kept")}${g.action === "merge" ? "" : ` ${t("import.dup.suggested")}`})` : ""}`);
    }
    for (const p of g.pairs) {
      const why = [p.sameTitle ? t("import.dup.sameTitle") : "", p.identical ? t("import.dup.identical") : t("import.dup.similar", { percent: Math.round(p.similarity * 100) })].filter(Boolean);
      out.push(`      ${p.a} ↔ ${p.b}: ${why.join(", ")}`);
    }
    if (g.morePairs) out.push(`      ${t("import.dup.more", { count: g.morePairs })}`);
  }
  if (dryRun && groups.some((g) => g.action === "import")) out.push(`  ${t("import.cli.duplicatesHint")}`);
  return out;
}

async function main() {
  const { args, keep, positional } = parseArgs(process.argv.slice(2));
  const t = translator(reportLocale(args.lang));
  if (args.help || positional.length !== 1) {
    console.log(USAGE);
    process.exit(args.help ? 0 : 2);
  }
  const folder = path.resolve(positional[0]);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    console.error(`import: ${folder} is not a folder`);
    process.exit(2);
  }
  if (args.confidentiality && !CONFIDENTIALITY.includes(args.confidentiality as Confidentiality)) {
    console.error(`import: --confidentiality must be one of ${CONFIDENTIALITY.join(", ")}`);
    process.exit(2);
  }
  if (args.duplicates !== undefined && !DUPLICATE_POLICIES.includes(args.duplicates as DuplicatePolicy)) {
    console.error(`import: --duplicates must be one of ${DUPLICATE_POLICIES.join(", ")}`);
    process.exit(2);
  }
  try {
    acquireDataDirLock("the import command");
  } catch (error) {
    if (error instanceof DataDirBusyError) {
      console.error(
        `import: ${error.message}\n` +
          `The portal is serving this DATA_DIR, and only one process may write to it. ` +
          `Import through the portal instead: sign in as an administrator and open /admin/import (Administration → Import documents).`,
      );
      process.exit(3);
    }
    throw error;
  }
  await loadDb();
  await ensureRepo();
  await seedPeople();
  await loadVersionIndex();

  const { files, hidden } = readFolder(folder);
  let mapping = mappingAmong(files);
  if (typeof args.mapping === "string") mapping = parseMapping(fs.readFileSync(path.resolve(args.mapping), "utf8"), args.mapping);
  const options: ImportOptions = {
    category: typeof args.category === "string" ? args.category.toUpperCase() : undefined,
    type: typeof args.type === "string" ? args.type : undefined,
    ownerDepartment: typeof args.owner === "string" ? args.owner : undefined,
    confidentiality: args.confidentiality as Confidentiality | undefined,
    mapping,
    duplicates: (args.duplicates as DuplicatePolicy | undefined) ?? (keep.length ? "import" : undefined),
    actor: importActor(typeof args.as === "string" ? args.as : "admin"),
  };
  const dryRun = args["dry-run"] === true;
  console.log(
    t(dryRun ? "import.cli.dryRunStart" : "import.cli.importStart", { count: files.length, folder }) +
      (mapping ? t("import.cli.withMapping") : "") +
      (hidden ? t("import.cli.hidden", { count: hidden }) : ""),
  );
  if (keep.length) {
    // --keep FILE: merge the group that FILE belongs to, importing FILE. Groups are known after a first check.
    const names = new Set(files.map((f) => f.name));
    const unknown = keep.filter((k) => !names.has(k));
    if (unknown.length) {
      console.error(`import: --keep ${unknown[0]}: there is no such file in ${folder}`);
      process.exit(2);
    }
    const plan = await planImport(files, options);
    const choices: DuplicateChoice[] = [];
    for (const k of keep) {
      const group = plan.duplicates.find((g) => g.files.includes(k));
      if (!group) {
        console.error(`import: --keep ${k}: this file is in no group of duplicates`);
        process.exit(2);
      }
      choices.push({ files: group.files, action: "merge", keep: k });
    }
    options.duplicateChoices = choices;
  }
  const started = Date.now();
  const result = dryRun ? await planImport(files, options) : await runImport(files, options, (p) => progressBar(p.done, p.total, p.file));
  const reports = result.files;
  for (const r of reports) for (const l of line(t, r, dryRun)) console.log(l);
  for (const l of groupLines(t, result.duplicates, reports, dryRun)) console.log(l);
  const s = summarizeReports(reports);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (s.linksRewritten || s.linksOutside) console.log(t("import.summaryLinks", { rewritten: s.linksRewritten, outside: s.linksOutside }));
  if (dryRun) {
    console.log(t("import.cli.dryRunSummary", { ready: s.ready, skipped: s.skipped, failed: s.failed, total: s.total }));
  } else {
    console.log(t("import.cli.summary", { imported: s.imported, skipped: s.skipped, failed: s.failed, total: s.total, seconds }));
    await appendAudit({
      actor: options.actor.username,
      action: "import.run",
      object: `folder:${path.basename(folder)}`,
      outcome: s.failed ? "failed" : "ok",
      details: { via: "cli", imported: s.imported, skipped: s.skipped, failed: s.failed, linksOutside: s.linksOutside, numbers: reports.filter((r) => r.outcome === "imported").map((r) => r.number) },
    });
    console.log(t("import.cli.restart"));
  }
  if (typeof args.report === "string") {
    // Every message in the JSON report is written out in the report's language next to its key.
    const files = reports.map((r) => ({ ...r, message: r.detail === undefined ? undefined : reportText(t, r.detail), warnings: r.warnings.map((w) => reportText(t, w)) }));
    fs.writeFileSync(path.resolve(args.report), JSON.stringify({ dryRun, summary: s, files, duplicates: result.duplicates }, null, 2) + "\n");
    console.log(t("import.cli.reportWritten", { file: args.report }));
  }
  process.exit(s.failed ? 1 : 0);
}

main().catch((error) => {
  console.error(`import: ${(error as Error).message}`);
  process.exit(1);
});
