/**
 * npm run import -- <folder> [--dry-run] [--category CODE] [--type TYPE] [--owner DEPT]
 *                            [--confidentiality internal|department|restricted]
 *                            [--mapping FILE] [--as USERNAME] [--report FILE.json]
 *
 * Imports markdown (.md, with or without front matter) and Word (.docx) files
 * from a folder (recursively) as new documents. Every file is checked before
 * anything is written; bad files are listed with the reason and left out.
 * It writes to DATA_DIR directly, so it refuses to run while the portal is
 * serving it: use the admin upload page (/admin/import) then.
 */
import fs from "node:fs";
import path from "node:path";
import { acquireDataDirLock, DataDirBusyError } from "~/utils/process-lock.server";
import { loadDb } from "~/data/db.server";
import { seedPeople } from "~/data/seed.server";
import { ensureRepo } from "~/documents/repo.server";
import { loadVersionIndex } from "~/documents/version-index.server";
import { appendAudit } from "~/audit/audit.server";
import { CONFIDENTIALITY, type Confidentiality } from "~/documents/front-matter";
import {
  importActor,
  importLimits,
  mappingAmong,
  parseMapping,
  planImport,
  runImport,
  summarizeReports,
  type FileReport,
  type ImportFile,
  type ImportOptions,
} from "~/import/import.server";

const USAGE = `Usage: npm run import -- <folder> [--dry-run] [--category CODE] [--type TYPE] [--owner DEPARTMENT]
         [--confidentiality internal|department|restricted] [--mapping FILE] [--as USERNAME] [--report FILE.json]`;

function parseArgs(argv: string[]) {
  const args: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--dry-run" || a === "--help" || a === "-h") args[a.replace(/^-+/, "")] = true;
    else if (a.startsWith("--")) {
      const [key, inline] = a.slice(2).split("=", 2);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${key} needs a value`);
      args[key] = value;
    } else positional.push(a);
  }
  return { args, positional };
}

/** Every file under the folder (hidden files and folders left out), with paths relative to it. */
function readFolder(root: string): { files: ImportFile[]; hidden: number } {
  const files: ImportFile[] = [];
  let hidden = 0;
  const limit = Math.max(importLimits().docxBytes, importLimits().markdownBytes);
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
        files.push({ name: relPath, data: size > limit ? Buffer.alloc(0) : fs.readFileSync(full), bytes: size });
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

function line(r: FileReport, dryRun: boolean): string {
  if (r.outcome === "imported") return `  imported  ${r.number}  ${r.file}  “${r.title}”`;
  if (r.outcome === "ready") return `  ${dryRun ? "would import" : "ready"}  ${r.number}${r.numberFrom === "assigned" ? " (new number)" : ""}  ${r.file}  “${r.title}”`;
  return `  ${r.outcome}  ${r.file}  — ${r.reason}: ${r.detail}`;
}

async function main() {
  const { args, positional } = parseArgs(process.argv.slice(2));
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
    actor: importActor(typeof args.as === "string" ? args.as : "admin"),
  };
  const dryRun = args["dry-run"] === true;
  console.log(`${dryRun ? "Dry run: checking" : "Importing"} ${files.length} file(s) from ${folder}${mapping ? " with the mapping file" : ""}${hidden ? ` (${hidden} hidden entr${hidden === 1 ? "y" : "ies"} left out)` : ""}`);
  const started = Date.now();
  const reports = dryRun ? await planImport(files, options) : await runImport(files, options, (p) => progressBar(p.done, p.total, p.file));
  for (const r of reports) console.log(line(r, dryRun));
  const s = summarizeReports(reports);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (dryRun) {
    console.log(`Dry run: ${s.ready} would be imported, ${s.skipped} skipped, ${s.failed} failed (of ${s.total}). Nothing was written.`);
  } else {
    console.log(`Imported ${s.imported}, skipped ${s.skipped}, failed ${s.failed} (of ${s.total}) in ${seconds} s.`);
    await appendAudit({
      actor: options.actor.username,
      action: "import.run",
      object: `folder:${path.basename(folder)}`,
      outcome: s.failed ? "failed" : "ok",
      details: { via: "cli", imported: s.imported, skipped: s.skipped, failed: s.failed, numbers: reports.filter((r) => r.outcome === "imported").map((r) => r.number) },
    });
    console.log("Start (or restart) the portal to bring its search index up to date.");
  }
  if (typeof args.report === "string") {
    fs.writeFileSync(path.resolve(args.report), JSON.stringify({ dryRun, summary: s, files: reports }, null, 2) + "\n");
    console.log(`Report written to ${args.report}`);
  }
  process.exit(s.failed ? 1 : 0);
}

main().catch((error) => {
  console.error(`import: ${(error as Error).message}`);
  process.exit(1);
});
