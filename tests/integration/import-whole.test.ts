/**
 * Imports that arrive whole, through `npm run import` on a folder of our own
 * Chinese regulation-shaped files and English handbook-shaped files
 * (tests/fixtures/import-corpus): titles from the front matter or the top
 * heading (emphasis stripped, subtitles joined, folders naming README/index
 * files), duplicate groups in the dry run and their merge or skip, links
 * between the files rewritten to numbers with anchors kept and links leading
 * outside reported, unknown front matter kept through an export, and every
 * report message in both languages.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";

let world: World;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-import-whole-"));
const CORPUS = path.join(ROOT, "tests/fixtures/import-corpus");
const actor = { username: "admin", name: "陈文控", email: "admin@regula.example", departmentId: "docctl" };

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
});
afterAll(async () => {
  await world?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function cli(script: "import" | "export", args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, `scripts/${script}.ts`), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: world.dataDir, CONTENT_DIR: path.join(ROOT, "content"), LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" },
    encoding: "utf8",
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function reload() {
  const db = await import("~/data/db.server");
  const index = await import("~/documents/version-index.server");
  db.resetDbForTests();
  index.resetVersionIndexForTests();
  await db.loadDb();
  await index.loadVersionIndex();
}

/** The corpus as files with paths relative to its top (what the CLI reads and a folder upload sends). */
function corpusFiles(): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  const visit = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(path.join(dir, e.name), r);
      else out.push({ name: r, data: fs.readFileSync(path.join(dir, e.name)) });
    }
  };
  visit(CORPUS, "");
  return out;
}

interface JsonReport {
  dryRun: boolean;
  files: {
    file: string;
    outcome: string;
    reason?: string;
    message?: string;
    number?: string;
    title?: string;
    titleFrom?: string;
    extraKeys?: string[];
    duplicateOf?: { file: string; number?: string };
    links?: { rewritten: number; outside: { target: string; line: number; why: string }[] };
  }[];
  duplicates: { id: number; files: string[]; keep: string; action: string; kept?: string; pairs: { a: string; b: string; sameTitle: boolean; identical: boolean; similarity: number }[] }[];
}

const LABOUR = ["regulations/labour-law-2009.md", "regulations/labour-law-2018-copy.md", "regulations/labour-law-2018.md"];

describe("a dry run of the regulations and handbook folder", () => {
  let report: JsonReport;
  let stdout: string;

  beforeAll(async () => {
    const r = cli("import", [CORPUS, "--dry-run", "--lang", "en", "--report", path.join(tmp, "dry.json")]);
    expect(r.status, r.stderr).toBe(0);
    stdout = r.stdout;
    report = JSON.parse(fs.readFileSync(path.join(tmp, "dry.json"), "utf8"));
  });

  const of = (file: string) => report.files.find((f) => f.file === file)!;

  it("takes titles from the front matter or the top heading, without markdown, with subtitles, never README or index", () => {
    expect(of("handbook/README.md")).toMatchObject({ title: "Employee Handbook", titleFrom: "heading" });
    expect(of("handbook/security/access-control.md")).toMatchObject({ title: "Access Control policy", titleFrom: "heading" });
    expect(of("handbook/finance/expenses.md")).toMatchObject({ title: "Expense claims", titleFrom: "front-matter" });
    expect(of("regulations/civil-code/part-1.md").title).toBe("中华人民共和国民法典 · 第一编 总则");
    expect(of("regulations/civil-code/part-3.md").title).toBe("中华人民共和国民法典 · 第三编 合同");
    expect(of("departments/finance/README.md")).toMatchObject({ title: "Finance", titleFrom: "folder" });
    expect(of("regulations/index.md")).toMatchObject({ title: "Regulations", titleFrom: "folder" });
    expect(stdout).toContain("no heading: title from the folder name");
    expect(report.files.filter((f) => /^(README|index)$/i.test(f.title ?? ""))).toEqual([]);
  });

  it("shows the labour law's copies and editions as one group of duplicates, and the code's parts apart", () => {
    expect(report.duplicates).toHaveLength(1);
    const group = report.duplicates[0];
    expect([...group.files].sort()).toEqual(LABOUR);
    expect(group.action).toBe("import");
    const pair = (a: string, b: string) => group.pairs.find((p) => p.a === a && p.b === b)!;
    expect(pair("regulations/labour-law-2018-copy.md", "regulations/labour-law-2018.md")).toMatchObject({ sameTitle: true, identical: true, similarity: 1 });
    const edition = pair("regulations/labour-law-2009.md", "regulations/labour-law-2018.md");
    expect(edition.sameTitle).toBe(true);
    expect(edition.identical).toBe(false);
    expect(edition.similarity).toBeGreaterThan(0.8);
    expect(edition.similarity).toBeLessThan(1);
    expect(stdout).toContain("Duplicates and near-duplicates: 1 group(s)");
    expect(stdout).toContain("regulations/labour-law-2018-copy.md ↔ regulations/labour-law-2018.md: same title, identical text");
    expect(stdout).toMatch(/regulations\/labour-law-2009\.md ↔ regulations\/labour-law-2018\.md: same title, \d\d% of the text in common/);
    expect(stdout).toContain("--duplicates skip|merge");
    // Every file of the group would be imported unless the importer decides otherwise.
    for (const f of LABOUR) expect(of(f).outcome).toBe("ready");
  });

  it("lists the links it will rewrite and the links that lead outside the import", () => {
    expect(of("handbook/README.md").links).toEqual({
      rewritten: 4,
      outside: [{ target: "travel/policy.md", line: 10, why: "missing" }],
      unknownAnchors: [],
    });
    expect(of("handbook/security/access-control.md").links!.outside).toEqual([{ target: "../../facilities/building-rules.md", line: 15, why: "missing" }]);
    expect(of("handbook/people/onboarding.md").links).toMatchObject({ rewritten: 3, outside: [] });
    expect(stdout).toContain("Link to travel/policy.md (line 10): there is no such file in the import");
    expect(stdout).toContain("Links: 13 rewritten to document numbers, 2 lead outside the import.");
  });

  it("lists the front matter keys it keeps", () => {
    expect(of("regulations/labour-law-2018.md").extraKeys).toEqual(["issuer", "promulgated", "source_id"]);
    expect(of("handbook/finance/expenses.md").extraKeys).toEqual(["reviewed_by", "review_cycle"]);
    expect(stdout).toContain("Front matter kept as written: issuer, promulgated, source_id");
  });

  it("writes nothing", async () => {
    const { allNumbers } = await import("~/documents/version-index.server");
    const before = allNumbers().length;
    await reload();
    expect(allNumbers().length).toBe(before);
  });

  it("speaks Chinese when asked, reasons and details included", () => {
    const r = cli("import", [CORPUS, "--dry-run", "--lang", "zh-CN"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("已跳过  import-mapping.yaml  — 映射文件: 这是本次导入的分类映射文件：只用于映射，不作为文档导入。");
    expect(r.stdout).toContain("重复与近似重复的文件：1 组");
    expect(r.stdout).toContain("指向 travel/policy.md 的链接（第 10 行）：本次导入中没有这个文件");
    expect(r.stdout).toContain("按原样保留的前置元数据：issuer, promulgated, source_id");
    expect(r.stdout).toContain("试运行：共 12 个文件，将导入 11 个，跳过 1 个，失败 0 个。未写入任何内容。");
    expect(r.stdout).not.toMatch(/would import|skipped|Duplicates|Link to/);
  });
});

describe("skipping and merging duplicates", () => {
  it("skips every file of a group with --duplicates skip (dry run)", async () => {
    const { mappingAmong, planImport } = await import("~/import/import.server");
    const files = corpusFiles();
    const plan = await planImport(files, { actor, duplicates: "skip", mapping: mappingAmong(files) });
    for (const f of LABOUR) {
      const r = plan.files.find((x) => x.file === f)!;
      expect(r).toMatchObject({ outcome: "skipped", reason: "duplicate", detail: { key: "import.detail.duplicateSkipped", vars: { group: 1 } } });
    }
    expect(plan.duplicates[0].action).toBe("skip");
    // The index links to the labour law's editions, none of which is imported now: reported, not rewritten.
    expect(plan.files.find((x) => x.file === "regulations/index.md")!.links!.outside).toEqual([
      { target: "labour-law-2018.md#第四章-工作时间和休息休假", line: 3, why: "not-imported" },
      { target: "./labour-law-2009.md", line: 5, why: "not-imported" },
    ]);
  });

  it("imports one file of the group with --duplicates merge --keep, records the others as its duplicates and sends their links to it", async () => {
    const r = cli("import", [CORPUS, "--duplicates", "merge", "--keep", "regulations/labour-law-2018.md", "--lang", "en", "--report", path.join(tmp, "run.json")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Imported 9, skipped 3, failed 0 (of 12)");
    const report = JSON.parse(fs.readFileSync(path.join(tmp, "run.json"), "utf8")) as JsonReport;
    const of = (file: string) => report.files.find((f) => f.file === file)!;
    const labour = of("regulations/labour-law-2018.md");
    expect(labour.outcome).toBe("imported");
    for (const f of ["regulations/labour-law-2009.md", "regulations/labour-law-2018-copy.md"]) {
      expect(of(f)).toMatchObject({ outcome: "skipped", reason: "duplicate", duplicateOf: { file: "regulations/labour-law-2018.md", number: labour.number } });
      expect(of(f).message).toBe(`A duplicate of regulations/labour-law-2018.md, imported as ${labour.number}; links to this file lead there.`);
    }
    expect(report.duplicates[0]).toMatchObject({ action: "merge", kept: "regulations/labour-law-2018.md" });
    // Links leading outside are in the final report too.
    expect(of("handbook/README.md").links!.outside).toEqual([{ target: "travel/policy.md", line: 10, why: "missing" }]);

    await reload();
    const { latestVersion } = await import("~/documents/version-index.server");
    const { readVersionContent, renderVersion } = await import("~/documents/documents.server");
    const num = (file: string) => of(file).number!;
    const handbook = latestVersion(num("handbook/README.md"))!;
    expect(handbook.meta.title).toBe("Employee Handbook");
    const body = (await readVersionContent(handbook)).body;
    expect(body).toContain(`[Access control](/docs/${num("handbook/security/access-control.md")}#badges)`);
    expect(body).toContain(`[Expense claims](/docs/${num("handbook/finance/expenses.md")})`);
    expect(body).toContain(`[finance department](/docs/${num("departments/finance/README.md")})`);
    expect(body).toContain("[Travel policy](travel/policy.md)"); // outside: left as written, and reported
    expect(num("departments/finance/README.md")).toMatch(/^INI-/);
    // The anchor leads to a heading the portal renders with that id.
    const access = await renderVersion(latestVersion(num("handbook/security/access-control.md"))!);
    expect(access.html).toContain('<h3 id="badges">Badges</h3>');
    const rendered = await renderVersion(handbook);
    expect(rendered.html).toContain(`href="/docs/${num("handbook/security/access-control.md")}#badges"`);
    // Chinese anchors are kept; a link to a merged file leads to the file kept.
    const index = (await readVersionContent(latestVersion(num("regulations/index.md"))!)).body;
    expect(index).toContain(`[劳动法第四章](/docs/${labour.number}#第四章-工作时间和休息休假)`);
    expect(index).toContain(`[民法典合同编](/docs/${num("regulations/civil-code/part-3.md")}#第二章-合同的订立)`);
    expect(index).toContain(`[2009 年版](/docs/${labour.number})`);
    const civil = await renderVersion(latestVersion(num("regulations/civil-code/part-3.md"))!);
    expect(civil.html).toContain('id="第二章-合同的订立"');
    expect(latestVersion(num("regulations/civil-code/part-3.md"))!.meta.title).toBe("中华人民共和国民法典 · 第三编 合同");
    // The kept file's commit names the duplicates it stands for.
    expect(latestVersion(labour.number!)!.summary).toContain("duplicates not imported: regulations/labour-law-2009.md, regulations/labour-law-2018-copy.md");
  });

  it("keeps unknown front matter keys in the document and writes them back on export", async () => {
    const { allLatest } = await import("~/documents/version-index.server");
    const labour = allLatest().find((v) => v.meta.title === "中华人民共和国劳动法")!;
    expect(labour.meta.extra).toEqual({ issuer: "全国人民代表大会常务委员会", promulgated: "2018-12-29", source_id: "LAW-0042" });
    const expenses = allLatest().find((v) => v.meta.title === "Expense claims")!;
    expect(expenses.meta.extra).toEqual({ reviewed_by: "J. Smith", review_cycle: "yearly" });
    expect(expenses.meta.type).toBe("policy");

    const out = path.join(tmp, "export");
    const e = cli("export", [out]);
    expect(e.status, e.stderr).toBe(0);
    const text = fs.readFileSync(path.join(out, labour.meta.category, `${labour.number}.md`), "utf8");
    expect(text).toMatch(/\nissuer: 全国人民代表大会常务委员会\npromulgated: 2018-12-29\nsource_id: LAW-0042\n---\n/);
    const { parseDocument } = await import("~/documents/front-matter");
    expect(parseDocument(text).meta).toEqual(labour.meta);
    // Imported again (elsewhere), the keys are listed and kept once more.
    const { planImport } = await import("~/import/import.server");
    const plan = await planImport([{ name: `${labour.number}.md`, data: Buffer.from(text) }], { actor });
    expect(plan.files[0]).toMatchObject({ outcome: "skipped", reason: "duplicate-number" }); // same portal: the number is taken
    const renamed = text.replace(/^number: .*\n/m, "").replace(/^category: .*\n/m, "");
    const again = await planImport([{ name: "labour.md", data: Buffer.from(renamed) }], { actor, category: "APR" });
    expect(again.files[0]).toMatchObject({ outcome: "ready", extraKeys: ["issuer", "promulgated", "source_id"] });
  });
});

describe("report messages", () => {
  it("exist in Chinese and English for every reason a file can be left out", async () => {
    const { planImport } = await import("~/import/import.server");
    const catalog = (await import("~/i18n/messages/import")).default;
    const bad = [
      { name: "photo.png", data: Buffer.from([0x89, 0x50]) },
      { name: "binary.md", data: Buffer.from([0x41, 0x00, 0x42]) },
      { name: "renamed.docx", data: Buffer.from("not a zip") },
      { name: "broken.md", data: Buffer.from("---\ntitle: [unclosed\n---\n\nText.\n") },
      { name: "list.md", data: Buffer.from("---\n- a\n- b\n---\n\nText.\n") },
      { name: "date.md", data: Buffer.from("---\neffective_date: 2024-13-45\n---\n\nText.\n") },
      { name: "secret.md", data: Buffer.from("---\nconfidentiality: secret\n---\n\nText.\n") },
      { name: "empty.md", data: Buffer.from("# Only a title\n") },
      { name: "nocat.md", data: Buffer.from("# No category\n\nText.\n") },
      { name: "type.md", data: Buffer.from("---\ncategory: EXE\ntype: poem\n---\n\nText.\n") },
      { name: "dept.md", data: Buffer.from("---\ncategory: EXE\nowner_department: nowhere\n---\n\nText.\n") },
      { name: "cat.md", data: Buffer.from("---\ncategory: XYZ\n---\n\nText.\n") },
      { name: "a-EXE-001.md", data: Buffer.from("---\nnumber: EXE-001\n---\n\nText.\n") },
      { name: "huge-keys.md", data: Buffer.from(`---\ncategory: EXE\nnotes: "${"x".repeat(20_000)}"\n---\n\nText.\n`) },
    ];
    const plan = await planImport(bad, { actor });
    const skipped = plan.files.filter((f) => f.outcome !== "ready");
    expect(skipped.map((f) => [f.file, f.reason])).toEqual([
      ["a-EXE-001.md", "duplicate-number"],
      ["binary.md", "binary"],
      ["broken.md", "front-matter"],
      ["cat.md", "invalid"],
      ["date.md", "front-matter"],
      ["dept.md", "invalid"],
      ["empty.md", "empty"],
      ["huge-keys.md", "front-matter"],
      ["list.md", "front-matter"],
      ["nocat.md", "no-category"],
      ["photo.png", "unsupported"],
      ["renamed.docx", "corrupt-docx"],
      ["secret.md", "front-matter"],
      ["type.md", "invalid"],
    ]);
    const han = /[\u4e00-\u9fff]/;
    for (const f of skipped) {
      const detail = f.detail as { key: string };
      expect(typeof detail, f.file).toBe("object");
      expect(catalog.en[detail.key], detail.key).toBeTruthy();
      expect(catalog["zh-CN"][detail.key], detail.key).toMatch(han);
      expect(catalog["zh-CN"][`import.reason.${f.reason}`]).toMatch(han);
    }
    // The Chinese catalogue has every import message the English one has, and no English sentence in it.
    for (const key of Object.keys(catalog.en)) {
      expect(catalog["zh-CN"][key], key).toBeTruthy();
      if (key.startsWith("import.detail.") || key.startsWith("import.reason.")) expect(catalog["zh-CN"][key].replace(/\{\w+\}/g, ""), key).not.toMatch(/\b(the|is|not|file|document)\b/);
    }
  });
});
