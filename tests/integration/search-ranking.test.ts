/**
 * Ranking on long text, with the embedded engine and documents written for
 * each case: a title or an article heading beats passing mentions, parts of a
 * query standing together beat the same words pages apart, and documents
 * matching more parts come first.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchDoc } from "~/search/engine.server";
import type { EmbeddedEngine } from "~/search/embedded.server";

let dataDir: string;
let engine: EmbeddedEngine;
const reader = { id: "reader", roles: ["staff" as const], departmentId: "ops" };

function doc(number: string, title: string, text: string): SearchDoc {
  return {
    number,
    title,
    category: number.slice(0, 3),
    type: "policy",
    ownerDepartment: "ops",
    audienceDepartments: [],
    confidentiality: "internal",
    version: 1,
    effectiveDate: null,
    retired: false,
    text,
    blob: number,
  };
}

/** Filler articles of ordinary legal wording (no query word in them). */
function filler(from: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`第${from + i}条　有关部门应当依照本办法履行职责，做好统计、分析和报告工作，接受社会监督。`);
  return out.join("\n\n");
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-ranking-"));
  process.env.DATA_DIR = dataDir;
  const { resetEnvForTests } = await import("~/utils/env.server");
  resetEnvForTests();
  const { loadDb, resetDbForTests } = await import("~/data/db.server");
  resetDbForTests();
  await loadDb();
  const { EmbeddedEngine } = await import("~/search/embedded.server");
  engine = new EmbeddedEngine({ file: null });
  const docs = [
    // Mentions 商业秘密 twice, in passing, inside articles about something else (not in their opening clause).
    doc("APR-001", "商业银行监督管理办法", `${filler(1, 30)}\n\n第三十一条　银行工作人员应当遵守职业操守，不得泄露客户的商业秘密和个人隐私。\n\n${filler(32, 30)}\n\n第六十二条　资料应当妥善保管，涉及商业秘密的，从其规定。`),
    // Mentions it once, but in an article heading.
    doc("APR-002", "经营者行为规范", `${filler(1, 30)}\n\n第三十一条　【商业秘密】经营者应当采取保密措施。\n\n${filler(32, 31)}`),
    // In the title.
    doc("APR-003", "商业秘密保护办法", `${filler(1, 61)}\n\n第六十二条　本办法自发布之日起施行，商业秘密的认定另行规定。`),
    // 会计 档案 保管 together in one sentence…
    doc("EXE-001", "财务管理规定", `${filler(1, 20)}\n\n第二十一条　会计档案的保管期限为三十年。\n\n${filler(22, 20)}`),
    // …and the same words far apart.
    doc("EXE-002", "行政事务规定", `第一条　会计人员应当持证上岗。\n\n${filler(2, 20)}\n\n第二十二条　人事档案由人力资源部管理。\n\n${filler(23, 20)}\n\n第四十三条　印章由办公室保管。`),
    // Only two of the three words.
    doc("EXE-003", "档案室规定", `第一条　档案应当按期保管。\n\n${filler(2, 20)}`),
  ];
  for (const d of docs) await engine.indexDocument(d);
});
afterAll(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("ranking on long text", () => {
  it("puts the title first, then the article heading, then passing mentions", async () => {
    const { hits } = await engine.search("商业秘密", { reader });
    expect(hits.map((h) => h.number)).toEqual(["APR-003", "APR-002", "APR-001"]);
  });

  it("ranks words standing together above the same words pages apart, and both above a document missing one", async () => {
    const { hits } = await engine.search("会计 档案 保管", { reader });
    expect(hits.map((h) => [h.number, h.missing])).toEqual([
      ["EXE-001", []],
      ["EXE-002", []],
      ["EXE-003", ["会计"]],
    ]);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
  });

  it("marks the match in a snippet cut from the middle of a long document", async () => {
    const [hit] = (await engine.search("保管期限", { reader })).hits;
    expect(hit.number).toBe("EXE-001");
    expect(hit.snippetHtml).toContain("会计档案的<mark>保管期限</mark>为三十年");
    expect(hit.snippetHtml!.startsWith("…")).toBe(true);
  });
});
