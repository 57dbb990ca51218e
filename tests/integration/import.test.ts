/**
 * Importing existing documents: the Word fixture converted with headings,
 * lists and tables intact; a generated folder of 200 documents (with a
 * mapping file and a set of bad files) through `npm run import`, dry run
 * first; the refusal while the portal holds DATA_DIR; and `npm run export`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-import-"));
const FIXTURES = path.join(ROOT, "tests/fixtures/docx");
const actor = { username: "admin", name: "陈文控", email: "admin@regula.example", departmentId: "docctl" };

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
});
afterAll(async () => {
  await world?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function cli(script: "import" | "export", args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, `scripts/${script}.ts`), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: world.dataDir, CONTENT_DIR: path.join(ROOT, "content"), LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "", ...env },
    encoding: "utf8",
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Re-reads the database and version index from disk after a command wrote to them. */
async function reload() {
  const db = await import("~/data/db.server");
  const index = await import("~/documents/version-index.server");
  db.resetDbForTests();
  index.resetVersionIndexForTests();
  await db.loadDb();
  await index.loadVersionIndex();
}

describe("Word files", () => {
  it("keeps headings, emphasis, nested and numbered lists and tables, and takes the number from the file name", async () => {
    const { planImport, runImport } = await import("~/import/import.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const { readVersionContent, renderVersion } = await import("~/documents/documents.server");
    const files = ["procedure.docx", "EXE-120 Warehouse checklist.docx", "corrupt.docx"].map((name) => ({ name, data: fs.readFileSync(path.join(FIXTURES, name)) }));
    const options = { category: "EXE", ownerDepartment: "qa", actor };

    const plan = (await planImport(files, options)).files;
    const byFile = Object.fromEntries(plan.map((r) => [r.file, r]));
    expect(byFile["procedure.docx"]).toMatchObject({ outcome: "ready", title: "Incoming goods inspection procedure", category: "EXE", numberFrom: "assigned" });
    expect(byFile["EXE-120 Warehouse checklist.docx"]).toMatchObject({ outcome: "ready", number: "EXE-120", numberFrom: "file", title: "Warehouse opening checklist" });
    expect(byFile["corrupt.docx"]).toMatchObject({ outcome: "skipped", reason: "corrupt-docx" });
    expect(latestVersion("EXE-120")).toBeUndefined(); // a plan writes nothing

    const reports = (await runImport(files, options)).files;
    const imported = reports.filter((r) => r.outcome === "imported");
    expect(imported.map((r) => r.file).sort()).toEqual(["EXE-120 Warehouse checklist.docx", "procedure.docx"]);
    const procedure = latestVersion(imported.find((r) => r.file === "procedure.docx")!.number!)!;
    expect(procedure.meta).toMatchObject({ title: "Incoming goods inspection procedure", ownerDepartment: "qa", type: "manual" });
    const { body } = await readVersionContent(procedure);
    expect(body).toContain("This procedure applies to **every delivery** received at the *main warehouse*. 来料检验须在收货后 24 小时内完成。");
    expect(body).toContain("## 1 Scope\n\n- Raw materials and purchased parts.\n- Returned goods from customers.\n   - Only when the returns desk asks for it.");
    expect(body).toContain("1. Check the delivery note against the order.\n2. Take samples as the table below requires.\n3. Record the result in the inspection log.");
    expect(body).toContain("### 2.1 Sample sizes");
    expect(body).toContain("| **Lot size** | **Samples** | **备注** |\n| --- | --- | --- |\n| 1–50 | 5 | 全部目检 |\n| 51–500 | 20 | 抽检 \\| 记录 |");
    expect(body).not.toContain("# Incoming goods inspection procedure"); // the title heading became the title
    const html = (await renderVersion(procedure)).html;
    expect(html).toMatch(/<h2 id="1-scope">1 Scope<\/h2>/);
    expect(html).toMatch(/<ul>\s*<li>Raw materials and purchased parts\.<\/li>/);
    expect(html).toMatch(/<ol>\s*<li>Check the delivery note/);
    expect(html).toMatch(/<table>[\s\S]*<th><strong>Lot size<\/strong><\/th>[\s\S]*<td>抽检 \| 记录<\/td>/);
    // Literal brackets and asterisks in Word text stay literal.
    expect(html).toContain("Use [[form]] names as written, e.g. *QC-7*.");
    expect(latestVersion("EXE-120")!.meta.title).toBe("Warehouse opening checklist");
  });
});

describe("a folder of 200 documents through npm run import", () => {
  const folder = path.join(tmp, "legacy");
  let taken = "";

  beforeAll(async () => {
    taken = (await publishTestDoc({ title: "Already here", body: "An existing document." })).number;
    fs.mkdirSync(path.join(folder, "policies"), { recursive: true });
    fs.mkdirSync(path.join(folder, "reports/2024"), { recursive: true });
    fs.mkdirSync(path.join(folder, "manuals"), { recursive: true });
    fs.mkdirSync(path.join(folder, "zz-bad"), { recursive: true });
    fs.writeFileSync(
      path.join(folder, "import-mapping.yaml"),
      [
        "default:",
        "  category: EXE",
        "  type: manual",
        "  owner_department: ops",
        "rules:",
        '  - match: "policies/**"',
        "    category: APR",
        "    type: policy",
        "    owner_department: hr",
        '  - match: "reports/**"',
        "    category: MON",
        "    type: report",
        "    owner_department: qa",
        "",
      ].join("\n"),
    );
    for (let i = 1; i <= 200; i++) {
      const dir = i <= 60 ? "policies" : i <= 120 ? "reports/2024" : "manuals";
      const name = `doc-${String(i).padStart(3, "0")}.md`;
      let text: string;
      if (i % 4 === 0) {
        text = `---\ntitle: Legacy document ${i}\n---\n\n## Purpose\n\nLegacy text number ${i}.\n\n- item a\n- item b\n`;
      } else if (i === 7) {
        text = `---\nnumber: ACC-500\ntitle: Legacy document 7\ntype: record\nowner_department: qa\n---\n\nAcceptance record ${i}.\n`;
      } else {
        text = `# Legacy document ${i}\n\n遗留文档第 ${i} 号的正文。\n\n| a | b |\n|---|---|\n| ${i} | ${i * 2} |\n`;
      }
      fs.writeFileSync(path.join(folder, dir, name), text);
    }
    fs.writeFileSync(path.join(folder, "zz-bad/corrupt.docx"), fs.readFileSync(path.join(FIXTURES, "corrupt.docx")));
    fs.writeFileSync(path.join(folder, "zz-bad/renamed-text.docx"), "this is not a word file");
    fs.writeFileSync(path.join(folder, "zz-bad/binary.md"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe]));
    fs.writeFileSync(path.join(folder, "zz-bad/huge.md"), `# Huge\n\n${"x".repeat(200 * 1024)}\n`);
    fs.writeFileSync(path.join(folder, "zz-bad/same-number.md"), `---\nnumber: ACC-500\ntitle: Second claim on ACC-500\n---\n\nText.\n`);
    fs.writeFileSync(path.join(folder, "zz-bad/taken-number.md"), `---\nnumber: ${taken}\ntitle: Claims an existing number\n---\n\nText.\n`);
    fs.writeFileSync(path.join(folder, "zz-bad/empty.md"), "---\ntitle: Nothing inside\n---\n\n");
    fs.writeFileSync(path.join(folder, "zz-bad/broken-front-matter.md"), "---\ntitle: [unclosed\n---\n\nText.\n");
    fs.writeFileSync(path.join(folder, "zz-bad/photo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    fs.writeFileSync(path.join(folder, ".DS_Store"), "junk");
  });

  const env = { MAX_DOCUMENT_BYTES: String(128 * 1024) };
  const badReasons: Record<string, string> = {
    "zz-bad/corrupt.docx": "corrupt-docx",
    "zz-bad/renamed-text.docx": "corrupt-docx",
    "zz-bad/binary.md": "binary",
    "zz-bad/huge.md": "oversized",
    "zz-bad/same-number.md": "duplicate-number",
    "zz-bad/taken-number.md": "duplicate-number",
    "zz-bad/empty.md": "empty",
    "zz-bad/broken-front-matter.md": "front-matter",
    "zz-bad/photo.png": "unsupported",
    "import-mapping.yaml": "mapping-file",
  };

  it("shows in a dry run what would happen, and writes nothing", async () => {
    const { allNumbers } = await import("~/documents/version-index.server");
    const before = allNumbers().length;
    const r = cli("import", [folder, "--dry-run", "--report", path.join(tmp, "dry.json")], env);
    expect(r.stderr).not.toMatch(/Error|at .*\.ts:/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Dry run: 200 would be imported, 10 skipped, 0 failed (of 210). Nothing was written.");
    expect(r.stdout).toMatch(/would import {2}APR-\d+ \(new number\) {2}policies\/doc-001\.md/);
    const report = JSON.parse(fs.readFileSync(path.join(tmp, "dry.json"), "utf8"));
    expect(report.dryRun).toBe(true);
    await reload();
    expect(allNumbers().length).toBe(before);
  });

  it("imports every good file once, maps categories, reports every bad file with its reason", async () => {
    const { allNumbers, latestVersion } = await import("~/documents/version-index.server");
    const { readVersionContent } = await import("~/documents/documents.server");
    const before = allNumbers().length;
    const started = Date.now();
    const r = cli("import", [folder, "--report", path.join(tmp, "report.json")], env);
    const seconds = (Date.now() - started) / 1000;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Imported 200, skipped 10, failed 0 (of 210)");
    expect(r.stderr).toContain("progress: 210/210");
    console.log(`[figure] CLI import of 200 documents (+10 bad files): ${seconds.toFixed(1)} s`);

    const report = JSON.parse(fs.readFileSync(path.join(tmp, "report.json"), "utf8")) as { files: { file: string; outcome: string; reason?: string; number?: string }[] };
    expect(report.files).toHaveLength(210);
    const skipped = Object.fromEntries(report.files.filter((f) => f.outcome !== "imported").map((f) => [f.file, f.reason]));
    expect(skipped).toEqual(badReasons);

    await reload();
    const numbers = report.files.filter((f) => f.outcome === "imported").map((f) => f.number!);
    expect(new Set(numbers).size).toBe(200);
    expect(allNumbers().length).toBe(before + 200);
    const of = (file: string) => latestVersion(report.files.find((f) => f.file === file)!.number!)!;
    expect(of("policies/doc-001.md").meta).toMatchObject({ category: "APR", type: "policy", ownerDepartment: "hr", title: "Legacy document 1" });
    expect(of("reports/2024/doc-061.md").meta).toMatchObject({ category: "MON", type: "report", ownerDepartment: "qa" });
    expect(of("manuals/doc-199.md").meta).toMatchObject({ category: "EXE", type: "manual", ownerDepartment: "ops" });
    expect(of("policies/doc-007.md").number).toBe("ACC-500");
    expect(of("policies/doc-007.md").meta).toMatchObject({ category: "ACC", type: "record", ownerDepartment: "qa" });
    const body = (await readVersionContent(of("manuals/doc-121.md"))).body;
    expect(body).toContain("遗留文档第 121 号的正文。");
    expect(body).not.toContain("# Legacy document 121");
    // The existing document that a bad file claimed is untouched.
    expect(latestVersion(taken)!.version).toBe(1);
    expect(latestVersion(taken)!.meta.title).toBe("Already here");

    const { readAuditEntries, resetAuditForTests } = await import("~/audit/audit.server");
    resetAuditForTests();
    const audit = readAuditEntries().filter((e) => e.action === "import.run");
    expect(audit.at(-1)?.details).toMatchObject({ via: "cli", imported: 200, skipped: 10, failed: 0 });
  });

  it("imported again, every file is refused as a duplicate number or left as it is", async () => {
    const exportDir = path.join(tmp, "export");
    const { allLatest } = await import("~/documents/version-index.server");
    const r = cli("export", [exportDir]);
    expect(r.status, r.stderr).toBe(0);
    const current = allLatest().filter((v) => !v.meta.retired);
    expect(r.stdout).toContain(`Exported ${current.length} document(s)`);
    const { parseDocument } = await import("~/documents/front-matter");
    const { readVersionContent } = await import("~/documents/documents.server");
    for (const v of current.slice(0, 25)) {
      const text = fs.readFileSync(path.join(exportDir, v.meta.category, `${v.number}.md`), "utf8");
      expect(text.startsWith("---\nnumber: " + v.number)).toBe(true);
      expect(parseDocument(text).meta).toEqual(v.meta);
      expect(text).toBe((await readVersionContent(v)).raw);
    }
    const again = cli("import", [exportDir, "--dry-run"]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Dry run: 0 would be imported, ${current.length} skipped`);
  });
});

describe("while the portal is running", () => {
  it("the import command refuses and points to the upload page", async () => {
    const server = await world.server();
    try {
      const r = cli("import", [path.join(tmp, "legacy")]);
      expect(r.status).toBe(3);
      expect(r.stderr).toContain("is in use by");
      expect(r.stderr).toContain("/admin/import");
      // Export only reads, so it works alongside the portal.
      const e = cli("export", [path.join(tmp, "export-live")]);
      expect(e.status, e.stderr).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
