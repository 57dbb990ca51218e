/**
 * Three departments' copies of one process manual (generated: Chinese, about
 * 40 % of their articles differing) go from import to one approved document
 * over real HTTP: the import's dry run shows them as copies of each other
 * and of the document already imported; the duplicate report lists them; an
 * editor consolidates them clause by clause; the proposal is approved through
 * the normal routing; on publication the copies are retired and linked both
 * ways, readers of a copy are sent to the new document, and the person who
 * had acknowledged a copy is asked to read the new one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { manualCopies } from "../fixtures/manual-copies";
import { mainText } from "./revisions-helpers";

let world: World;
let server: RunningServer;
const manual = manualCopies({ articles: 30, seed: 11 });
const TITLES = ["生产运营流程手册", "生产运营流程手册（2019版）", "仓储组生产运营流程手册"];

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
});
afterAll(async () => {
  await world?.cleanup();
});

function file(i: number) {
  return { name: `copies/copy-${i + 1}.md`, data: `# ${TITLES[i]}\n\n${manual.copies[i]}` };
}

async function importFiles(admin: Client, files: { name: string; data: string }[]) {
  const res = await admin.postFiles("/admin/import", { intent: "check", category: "EXE", type: "manual", ownerDepartment: "ops", confidentiality: "internal" }, files);
  expect(res.status).toBe(302);
  const plan = await admin.get(res.location);
  expect((await admin.post(res.location, { intent: "run" })).status).toBe(302);
  for (let i = 0; i < 300; i++) {
    const done = await admin.get(res.location);
    if (!done.text_.includes('id="import-progress"')) {
      const numbers = [...done.text_.matchAll(/<a class="doc-number"[^>]* href="\/docs\/(EXE-\d+)"/g)].map((m) => m[1]);
      return { plan: plan.text_, numbers };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("import did not finish");
}

function proposalIdFrom(res: Response): string {
  const m = /\/proposals\/(P-\d+)/.exec(res.headers.get("location") ?? "");
  if (!m) throw new Error(`expected a redirect to a proposal, got ${res.status} ${res.headers.get("location")}`);
  return m[1];
}

describe("consolidating three copies of a manual", () => {
  it("goes from import to one approved document with the copies retired and linked", async () => {
    const admin = await signIn(server.url, "admin");
    await admin.get("/admin/import");

    // The first department's copy arrives first.
    const first = await importFiles(admin, [file(0)]);
    expect(first.numbers).toHaveLength(1);
    const [a] = first.numbers;

    // The other two: the dry run groups them and says each looks like the document already imported.
    const rest = await importFiles(admin, [file(1), file(2)]);
    expect(rest.plan).toContain("Duplicates and near-duplicates");
    expect([...rest.plan.matchAll(/data-copy-of="(EXE-\d+)"/g)].map((m) => m[1])).toEqual([a, a]);
    expect(rest.plan).toMatch(/Same or similar title as EXE-\d+ “生产运营流程手册” \(\d+ % of the text the same\)/);
    expect(rest.numbers).toHaveLength(2);
    const [b, c] = rest.numbers;

    // The staff member reads and acknowledges copy B.
    const staff = await signIn(server.url, "staff");
    expect((await staff.get(`/docs/${b}`)).status).toBe(200);
    expect((await staff.post(`/docs/${b}/ack`, { intent: "acknowledge", version: "1" })).status).toBe(302);

    // The duplicate report (computed once, kept up to date) lists the three as one group.
    const editor = await signIn(server.url, "editor");
    expect((await staff.get("/consolidations")).status).toBe(403);
    const report = await editor.get("/consolidations");
    expect(report.status).toBe(200);
    expect(report.text_).toContain(`data-numbers="${[a, b, c].join(",")}"`);
    const dashboard = await admin.get("/dashboard");
    expect(Number(/data-figure="duplicates.groups" data-value="(\d+)"/.exec(dashboard.text_)?.[1])).toBeGreaterThanOrEqual(1);

    // Start: the view aligns the copies clause by clause.
    const started = await editor.post("/consolidations", { intent: "start", numbers: [a, b, c].join(",") });
    expect(started.status).toBe(302);
    const view = started.headers.get("location")!;
    expect(view).toMatch(/^\/consolidations\/K-\d{4}$/);
    const page = await editor.get(view);
    expect(page.status).toBe(200);
    const states = [...page.text_.matchAll(/data-state="(same|differ|partial)"/g)].map((m) => m[1]);
    const articleRows = states.length - 1 - 6; // the opening text and six chapter headings
    expect(articleRows).toBe(30);
    const differing = states.filter((s) => s !== "same").length;
    expect(differing).toBe(manual.divergent);
    expect(differing / 30).toBeGreaterThan(0.35);
    expect(page.text_).toMatch(/<del class="w-del">\d+<\/del><ins class="w-add">\d+<\/ins>/);

    // Nothing can be proposed while clauses are undecided.
    const early = await editor.post(view, { intent: "propose", title: "生产运营流程手册", category: "EXE", type: "manual", ownerDepartment: "ops" });
    expect(early.status).toBe(400);
    expect(early.text_).toContain("still to decide");

    // One clause gets the editor's own words; every other undecided clause takes copy B's text.
    const firstOpen = /data-row="(r\d+)" data-state="differ"/.exec(page.text_)![1];
    const own = "第三十一条 本条由文控中心统一解释（合并修订）。";
    const chose = await editor.post(view, { intent: "choose", fill: "1", [`pick.${firstOpen}`]: "edit", [`text.${firstOpen}`]: own });
    expect(chose.status).toBe(302);
    const decided = await editor.get(view);
    expect(decided.text_).toContain("Every clause is decided.");
    expect(decided.text_).toContain(own);

    const proposed = await editor.post(view, { intent: "propose", title: "生产运营流程手册", category: "EXE", type: "manual", ownerDepartment: "ops", summary: "合并三个部门的副本" });
    const id = proposalIdFrom(proposed);
    const proposalPage = await editor.get(`/proposals/${id}`);
    expect(proposalPage.text_).toContain("This proposal consolidates 3 copies");
    const number = /<span class="doc-number">(EXE-\d+)<\/span>/.exec(proposalPage.text_)![1];

    // Normal routing: the owner department's head, then the final review.
    expect((await editor.post(`/proposals/${id}`, { intent: "submit" })).status).toBe(302);
    const approver = await signIn(server.url, "approver");
    expect((await approver.post(`/proposals/${id}`, { intent: "approve", password: "demo1234", comment: "同意" })).status).toBe(302);
    const final = await admin.post(`/proposals/${id}`, { intent: "approve", password: "demo1234", comment: "同意合并" });
    expect(final.headers.get("location")).toContain("done=published");

    // The consolidated document: the chosen text, and where it came from.
    const doc = await staff.get(`/docs/${number}`);
    expect(doc.status).toBe(200);
    expect(doc.text_).toContain("本条由文控中心统一解释（合并修订）");
    expect(doc.text_).toContain(`This document consolidates the copies ${[a, b, c].join(", ")}, now retired.`);

    for (const copy of [a, b, c]) {
      // Retired in git, with the link to the consolidated document in its front matter.
      const text = mainText(world.dataDir, copy);
      expect(text).toContain("retired: true");
      expect(text).toContain(`consolidated-into: ${number} v1`);
      // Editors see the retired copy with the link; readers are sent to the consolidated document.
      const seen = await editor.get(`/docs/${copy}`);
      expect(seen.status).toBe(200);
      expect(seen.text_).toContain(`This document was consolidated into ${number} v1 and is retired.`);
      expect(seen.text_).toContain(`href="/docs/${number}"`);
      const sent = await staff.get(`/docs/${copy}`);
      expect(sent.status).toBe(302);
      expect(sent.headers.get("location")).toBe(`/docs/${number}?from=${copy}`);
    }

    // The person who had acknowledged copy B is asked to read the new document.
    const owed = await staff.get("/acknowledgements");
    expect(owed.text_).toContain(number);
    expect(owed.text_).toContain("Replaces a copy you had read");

    // The consolidation is done and the report no longer lists the copies.
    const after = await editor.get("/consolidations");
    expect(after.text_).not.toContain(`data-numbers="${[a, b, c].join(",")}"`);
    expect(after.text_).toContain("Done: copies retired");

    // A new document proposed with the same text is told it looks like the consolidated one, in Chinese too.
    const again = await editor.post("/proposals/new", {
      intent: "create",
      category: "EXE",
      type: "manual",
      title: "生产运营流程手册（新版）",
      ownerDepartment: "ops",
      confidentiality: "internal",
      body: manual.copies[1],
      summary: "新建",
    });
    const other = proposalIdFrom(again);
    const hint = await editor.get(`/proposals/${other}`);
    expect(hint.text_).toContain(`data-looks-like="${number}"`);
    expect(hint.text_).toMatch(new RegExp(`This has the same or a similar title as ${number}, and \\d+ % of the text is the same — revise that instead\\?`));
    const zh = await signIn(server.url, "editor", { lang: "zh-CN" });
    expect((await zh.get(`/proposals/${other}`)).text_).toMatch(new RegExp(`这份文档与 ${number} 标题相同或相近，且 \\d+% 的正文相同——是否改为修订该文档？`));
  });

  it("refuses bad input with clear messages and changes nothing", async () => {
    const editor = await signIn(server.url, "editor");
    const one = await editor.post("/consolidations", { intent: "start", numbers: "EXE-001" });
    expect(one.status).toBe(400);
    expect(one.text_).toContain("Choose between 2 and 5 copies.");
    const unknown = await editor.post("/consolidations", { intent: "start", numbers: "EXE-001 EXE-999" });
    expect(unknown.status).toBe(400);
    const zh = await signIn(server.url, "editor", { lang: "zh-CN" });
    const zhOne = await zh.post("/consolidations", { intent: "start", numbers: "EXE-001" });
    expect(zhOne.text_).toContain("请选择 2 至 5 份副本。");
    expect((await editor.get("/consolidations/K-9999")).status).toBe(404);
  });
});
