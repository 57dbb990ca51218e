/**
 * The update page's attachment conflicts over HTTP, as a browser without
 * JavaScript uses it: three proposals started from the same version replaced
 * the form 表单.pdf, and another revision published meanwhile replaced it too
 * (and added a sign-in sheet). On /proposals/<id>/update the author sees the
 * conflict with both files (size, hash, a link to each) and chooses: keeping
 * the draft's file or taking the current one is what the draft then holds
 * (and what the proposal page shows); an invalid or missing choice is refused
 * with the reason in the reader's language and the draft is left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { pdf, png } from "../fixtures/attachment-files";
import { as, PASSWORD, publishDoc } from "./revisions-helpers";
import { proposals } from "../helpers/proposals";

let world: World;
let server: RunningServer;
let number = "";
const ids = { keepMine: "", takeCurrent: "", invalid: "" };
const sha = { base: "", current: "", mine: "", sheet: "" };
const FORM = "表单.pdf";
const SHEET = "签到表.png";
const BODY = "# 叉车使用规程\n\n## 检查\n\n每班检查制动。\n\n见 [表单](attachments/表单.pdf)。\n";

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  const { createProposal, submitProposal, decideProposal } = await proposals();
  const { addDraftAttachment } = await import("~/attachments/store.server");
  const editor = await as("editor");
  const approver = await as("approver");
  const publish = async (id: string) => {
    await submitProposal(editor, id);
    const out = await decideProposal(approver, id, { decision: "approve", password: PASSWORD });
    expect(out.result).toBe("published");
  };
  const doc = await publishDoc({ title: "叉车使用规程", body: "# 叉车使用规程\n\n## 检查\n\n每班检查制动。\n" });
  number = doc.number;
  const draft = (summary: string, body = BODY) => createProposal(editor, { kind: "revision", number, change: "minor", body, summary });

  // v2 has the form.
  const start = await draft("附表单");
  sha.base = (await addDraftAttachment(editor, start.id, { name: FORM, bytes: await pdf(["Form, edition 1"]) })).sha256;
  await publish(start.id);

  // Three drafts replace the form with the same new edition; each also changes its text.
  const mine = await pdf(["Form, edition 2 (proposal)", "with a second page"]);
  for (const key of ["keepMine", "takeCurrent", "invalid"] as const) {
    const p = await draft(`更新表单 ${key}`, `${BODY}\n表单已更新（${key}）。\n`);
    sha.mine = (await addDraftAttachment(editor, p.id, { name: "x.pdf", bytes: mine, replace: FORM, expected: sha.base })).sha256;
    ids[key] = p.id;
  }
  // Meanwhile another revision replaces the form differently and adds a sign-in sheet: v3.
  const theirs = await draft("另一版表单");
  sha.current = (await addDraftAttachment(editor, theirs.id, { name: "x.pdf", bytes: await pdf(["Form, edition 2 (published)"]), replace: FORM, expected: sha.base })).sha256;
  sha.sheet = (await addDraftAttachment(editor, theirs.id, { name: SHEET, bytes: png(6, 6, [40, 90, 160]) })).sha256;
  await publish(theirs.id);
  server = await world.server();
});
afterAll(async () => world?.cleanup());

type Listed = { name: string; sha256: string; size: number }[];
async function draftFiles(c: Client, id: string): Promise<Listed> {
  const res = await c.json<{ attachments: Listed }>(`/proposals/${id}/attachments`);
  expect(res.status).toBe(200);
  return [...res.body.attachments].sort((a, b) => (a.name < b.name ? -1 : 1));
}
const shaOf = (list: Listed, name: string) => list.find((a) => a.name === name)?.sha256;

describe("the update page's attachment conflicts over HTTP", () => {
  it("shows the conflict with both files, the file carried from the current version, and needs no JavaScript", async () => {
    const editor = await signIn(server.url, "editor", { lang: "zh-CN" });
    const page = await editor.get(`/proposals/${ids.keepMine}/update`);
    expect(page.status).toBe(200);
    const html = page.text_;
    expect(html).toContain(`附件“${FORM}”在现行版本和您的申请中都被修改了`);
    // A plain form: method post, the radio pair, the name it refers to.
    expect(html).toMatch(/<form method="post"[^>]*>/);
    expect(html).toContain(`name="attachment-name-0" value="${FORM}"`);
    expect(html).toMatch(/<input[^>]*name="attachment-0"[^>]*value="current"/);
    expect(html).toMatch(/<input[^>]*name="attachment-0"[^>]*value="proposal"/);
    // Both sides by hash, each with a link to the file itself.
    for (const h of [sha.current, sha.mine, sha.base]) expect(html).toContain(h.slice(0, 12));
    expect(html).toContain(`href="/docs/${number}/v/3/attachments/${encodeURIComponent(FORM)}?download=1"`);
    expect(html).toContain(`href="/proposals/${ids.keepMine}/attachments/${encodeURIComponent(FORM)}?download=1"`);
    // The sheet published meanwhile is carried without a question.
    expect(html).toContain(`v3 中发布的附件变更将并入您的申请：${SHEET}`);
    expect(html).not.toContain('name="attachment-1"');
  });

  it("keeps the draft's file when the author chooses it; the proposal page shows the replacement against v3", async () => {
    const editor = await signIn(server.url, "editor");
    await editor.get(`/proposals/${ids.keepMine}/update`);
    const res = await editor.post(`/proposals/${ids.keepMine}/update`, { intent: "resolve", "attachment-name-0": FORM, "attachment-0": "proposal" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/proposals/${ids.keepMine}?done=updated`);
    const files = await draftFiles(editor, ids.keepMine);
    expect(files.map((f) => f.name)).toEqual([SHEET, FORM].sort());
    expect(shaOf(files, FORM)).toBe(sha.mine);
    expect(shaOf(files, SHEET)).toBe(sha.sheet);
    const page = await editor.get(`/proposals/${ids.keepMine}?done=updated`);
    expect(page.text_).toContain("The proposal is now based on the current version.");
    const changes = /<section class="attachment-changes"[\s\S]*?<\/section>/.exec(page.text_)?.[0] ?? "";
    expect(changes).toContain(FORM);
    expect(changes).toContain(sha.current.slice(0, 12)); // before: v3's file
    expect(changes).toContain(sha.mine.slice(0, 12)); // after: the draft's
    expect(changes).not.toContain(SHEET); // carried from v3: no change against it
    // No longer stale: the update page says so.
    expect((await editor.get(`/proposals/${ids.keepMine}/update`)).text_).toContain("already based on the current version");
  });

  it("takes the current version's file when the author chooses it; the form is then no change at all", async () => {
    const editor = await signIn(server.url, "editor", { lang: "zh-CN" });
    await editor.get(`/proposals/${ids.takeCurrent}/update`);
    const res = await editor.post(`/proposals/${ids.takeCurrent}/update`, { intent: "resolve", "attachment-name-0": FORM, "attachment-0": "current" });
    expect(res.status).toBe(302);
    const files = await draftFiles(editor, ids.takeCurrent);
    expect(shaOf(files, FORM)).toBe(sha.current);
    expect(shaOf(files, SHEET)).toBe(sha.sheet);
    const page = await editor.get(`/proposals/${ids.takeCurrent}?done=updated`);
    expect(page.text_).toContain("申请已基于现行版本，请检查后重新提交。");
    const changes = /<section class="attachment-changes"[\s\S]*?<\/section>/.exec(page.text_)?.[0] ?? "";
    expect(changes).toContain("附件没有变化。");
  });

  it("refuses an invalid, a missing or a misnamed choice in the reader's language and changes nothing", async () => {
    const zh = await signIn(server.url, "editor", { lang: "zh-CN" });
    const en = await signIn(server.url, "editor", { lang: "en" });
    const before = await draftFiles(en, ids.invalid);
    const record = async () => {
      const { proposal: p } = (await en.json<{ proposal: { headCommit: string; baseVersion: number; status: string; updatedAt: string; decisions: unknown[] } }>(`/api/v1/proposals/${ids.invalid}`)).body;
      return { headCommit: p.headCommit, baseVersion: p.baseVersion, status: p.status, updatedAt: p.updatedAt, decisions: p.decisions.length };
    };
    const headBefore = await record();
    expect(headBefore.baseVersion).toBe(2);
    const attempts: Record<string, string>[] = [
      { intent: "resolve", "attachment-name-0": FORM, "attachment-0": "both" },
      { intent: "resolve", "attachment-name-0": FORM, "attachment-0": "" },
      { intent: "resolve", "attachment-name-0": FORM },
      { intent: "resolve", "attachment-name-0": "别的文件.pdf", "attachment-0": "proposal" },
    ];
    for (const fields of attempts) {
      await zh.get(`/proposals/${ids.invalid}/update`);
      const r1 = await zh.post(`/proposals/${ids.invalid}/update`, fields);
      expect(r1.status, JSON.stringify(fields)).toBe(400);
      expect(r1.text_).toContain(`附件“${FORM}”在现行版本和申请中都被修改了：请选择保留哪一个文件`);
      // The page is shown again with the question, so the author can answer it.
      expect(r1.text_).toContain(`name="attachment-name-0" value="${FORM}"`);
      await en.get(`/proposals/${ids.invalid}/update`);
      const r2 = await en.post(`/proposals/${ids.invalid}/update`, fields);
      expect(r2.status).toBe(400);
      expect(r2.text_).toContain(`The attachment “${FORM}” was changed both in the current version and in the proposal: choose which file to keep`);
    }
    // A plain merge (the clean-merge button) does not slip past the question either.
    await en.get(`/proposals/${ids.invalid}/update`);
    const merge = await en.post(`/proposals/${ids.invalid}/update`, { intent: "merge" });
    expect(merge.status).toBe(400);
    expect(await draftFiles(en, ids.invalid)).toEqual(before);
    expect(await record()).toEqual(headBefore);
    expect((await en.get(`/proposals/${ids.invalid}/update`)).text_).toContain(`Attachment “${FORM}” was changed both in the current version and in your proposal`);
  });
});
