/**
 * Attachment text in the embedded index: a phrase found only in an attachment
 * makes a hit that names the attachment and the PDF page, with the snippet cut
 * from it; the same read rule as the body applies (restricted documents, and
 * grants for named sections only, do not open attachment text); a match in the
 * body keeps the snippet in the body. The Meilisearch document carries the
 * same text in its own field.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDb, resetDbForTests, updateDb } from "~/data/db.server";
import { resetEnvForTests } from "~/utils/env.server";
import { EmbeddedEngine } from "~/search/embedded.server";
import type { SearchDoc, SearchReader } from "~/search/engine.server";
import { toMeiliDoc } from "~/search/meili.server";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-search-att-"));
const engine = new EmbeddedEngine();
const admin: SearchReader = { id: "u-admin", roles: ["admin"], departmentId: "qa" };
const staff: SearchReader = { id: "u-staff", roles: ["staff"], departmentId: "ops" };

function doc(over: Partial<SearchDoc> & Pick<SearchDoc, "number" | "title" | "text">): SearchDoc {
  return {
    category: "EXE",
    type: "manual",
    ownerDepartment: "ops",
    audienceDepartments: [],
    confidentiality: "internal",
    version: 1,
    effectiveDate: null,
    retired: false,
    blob: `blob-${over.number}`,
    ...over,
  };
}

const filler = "本程序规定设备日常点检的职责与方法。".repeat(300);

beforeAll(async () => {
  process.env.DATA_DIR = dataDir;
  resetEnvForTests();
  resetDbForTests();
  await loadDb();
  await engine.indexDocument(
    doc({
      number: "EXE-101",
      title: "设备点检程序",
      text: "设备点检按月进行。Inspection is monthly.",
      attachments: [
        { name: "点检表.xlsx", locator: { kind: "sheet", value: "一月" }, text: "压缩机 正常" },
        { name: "2019年纸质记录扫描件.pdf", locator: { kind: "page", value: "1" }, text: filler },
        { name: "2019年纸质记录扫描件.pdf", locator: { kind: "page", value: "2" }, text: `${filler}琥珀色巡检牌须挂在配电柜门上。Amber inspection tags hang on the switchboard door.${filler}` },
      ],
    }),
  );
  await engine.indexDocument(
    doc({
      number: "MON-201",
      title: "审计工作底稿",
      text: "审计底稿的保管。",
      confidentiality: "restricted",
      ownerDepartment: "fin",
      attachments: [{ name: "证人名单.pdf", locator: { kind: "page", value: "3" }, text: "紫藤密码本由审计组保管。Wisteria codebook." }],
    }),
  );
});

afterAll(() => {
  resetDbForTests();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("attachment text in search", () => {
  it("finds a phrase that exists only inside an attachment, naming the file and the page", async () => {
    const result = await engine.search("琥珀色巡检牌", { reader: staff });
    expect(result.total).toBe(1);
    const hit = result.hits[0];
    expect(hit.number).toBe("EXE-101");
    expect(hit.attachment).toEqual({
      name: "2019年纸质记录扫描件.pdf",
      locator: { kind: "page", value: "2" },
      url: `/docs/EXE-101/v/1/attachments/${encodeURIComponent("2019年纸质记录扫描件.pdf")}#page=2`,
    });
    expect(hit.snippetHtml).toContain("<mark>");
    expect(hit.snippetHtml).toContain("配电柜");
    // The snippet is a window of the long page, not its start.
    expect(hit.snippetHtml!.length).toBeLessThan(1500);
  });

  it("finds English phrases and sheet text in attachments too", async () => {
    const phrase = await engine.search('"amber inspection tags"', { reader: staff });
    expect(phrase.hits.map((h) => h.number)).toEqual(["EXE-101"]);
    expect(phrase.hits[0].attachment?.locator).toEqual({ kind: "page", value: "2" });
    const sheet = await engine.search("压缩机", { reader: staff });
    expect(sheet.hits[0].attachment).toMatchObject({ name: "点检表.xlsx", locator: { kind: "sheet", value: "一月" } });
    expect(sheet.hits[0].attachment?.url).not.toContain("#page");
  });

  it("keeps the snippet in the body when the body matches", async () => {
    const result = await engine.search("点检", { reader: staff });
    expect(result.hits[0].number).toBe("EXE-101");
    expect(result.hits[0].attachment).toBeNull();
    expect(result.hits[0].snippetHtml).toContain("按月进行");
  });

  it("does not search a restricted document's attachments for a reader without access", async () => {
    expect((await engine.search("紫藤密码本", { reader: staff })).total).toBe(0);
    expect((await engine.search("wisteria codebook", { reader: staff })).total).toBe(0);
    const asAdmin = await engine.search("紫藤密码本", { reader: admin });
    expect(asAdmin.hits.map((h) => [h.number, h.attachment?.name, h.attachment?.locator?.value])).toEqual([["MON-201", "证人名单.pdf", "3"]]);
  });

  it("a grant for named sections does not open attachment text; a grant for the whole document does", async () => {
    const base = { userId: staff.id, number: "MON-201", history: false, kind: "request" as const, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
    await updateDb((data) => {
      (data as unknown as { grants: unknown[] }).grants = [{ ...base, id: "g-sections", sections: ["heading-1"] }];
    });
    expect((await engine.search("紫藤密码本", { reader: staff })).total).toBe(0);
    await updateDb((data) => {
      (data as unknown as { grants: unknown[] }).grants.push({ ...base, id: "g-all", sections: "all" });
    });
    const granted = await engine.search("紫藤密码本", { reader: staff });
    expect(granted.hits[0]?.attachment?.name).toBe("证人名单.pdf");
  });

  it("gives Meilisearch the attachment text in its own searchable field", () => {
    const meili = toMeiliDoc(
      doc({ number: "EXE-9", title: "t", text: "body", attachments: [{ name: "a.pdf", locator: { kind: "page", value: "1" }, text: "扫描件文字" }] }),
    );
    expect(meili.body).toBe("body");
    expect(meili.attachmentText).toBe("扫描件文字");
    expect(meili.attachmentPairs.length).toBeGreaterThan(0);
    expect(meili.attachments).toHaveLength(1);
    expect("attachments" in toMeiliDoc(doc({ number: "EXE-10", title: "t", text: "b" }))).toBe(true);
  });
});
