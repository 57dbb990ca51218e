/**
 * Attachments in the repository (in process, real git): added, replaced and
 * removed only on a proposal's draft, published in the same commit as the
 * version, every old version keeps its own; bad files are refused with a
 * clear error and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { as, git, mainCommits, PASSWORD, publishDoc } from "./revisions-helpers";
import { docx, pdf, png, xlsx, zipBomb } from "../fixtures/attachment-files";
import { proposals } from "../helpers/proposals";

let world: World;

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world, { ATTACHMENT_MAX_MB: "5", ATTACHMENT_VERSION_MAX_MB: "8" });
});
afterAll(async () => world?.cleanup());

const BODY = "# 设备点检规程\n\n## 记录\n\n点检结果记入点检表。\n";
const P = () => proposals();
const S = () => import("~/attachments/store.server");

async function draftFor(number: string) {
  const { createProposal } = await P();
  return createProposal(await as("editor"), { kind: "revision", number, change: "minor", body: `${BODY}\n见附件。\n`, summary: "附件" });
}

async function publish(id: string) {
  const { submitProposal, decideProposal } = await P();
  await submitProposal(await as("editor"), id);
  const out = await decideProposal(await as("approver"), id, { decision: "approve", password: PASSWORD });
  expect(out.result).toBe("published");
  return out.proposal;
}

describe("attachments of versions", () => {
  it("publishes a draft's attachments in the version's one commit and keeps every old version's", async () => {
    const { addDraftAttachment, removeDraftAttachment, listAttachments, readAttachment, listDraftAttachments } = await S();
    const doc = await publishDoc({ title: "附件规程", body: BODY });
    const editor = await as("editor");
    const form1 = await docx({ heading: "点检表", paragraphs: ["设备编号", "点检人"] });
    const photo = png(4, 4, [10, 200, 10]);

    const d1 = await draftFor(doc.number);
    const a = await addDraftAttachment(editor, d1.id, { name: "点检表.docx", bytes: form1 });
    expect(a).toMatchObject({ name: "点检表.docx", size: form1.length, type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" });
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.markdown).toBe("[点检表.docx](attachments/点检表.docx)");
    const img = await addDraftAttachment(editor, d1.id, { name: "现场 照片.png", bytes: photo });
    expect(img.markdown).toBe("![现场 照片](<attachments/现场 照片.png>)");
    expect((await listDraftAttachments(d1.id)).map((x) => x.name)).toEqual(["点检表.docx", "现场 照片.png"].sort());
    // Nothing reaches the main line before approval.
    expect(await listAttachments(doc.number, 1)).toEqual([]);

    const commitsBefore = mainCommits(world.dataDir).length;
    const published = await publish(d1.id);
    expect(published.publishedVersion).toBe(2);
    // One commit for the whole publication, holding the text and the attachments.
    expect(mainCommits(world.dataDir).length).toBe(commitsBefore + 1);
    const files = git(world.dataDir, "ls-tree", "-r", "--name-only", "main", `attachments/EXE/${doc.number}`).trim().split("\n");
    expect(files).toContain(`attachments/EXE/${doc.number}/manifest.json`);
    expect(files.filter((f) => f.includes("/files/"))).toHaveLength(2);
    const v2 = await listAttachments(doc.number, 2);
    expect(v2.map((x) => x.name).sort()).toEqual(["点检表.docx", "现场 照片.png"].sort());
    expect(Buffer.compare(await readAttachment(doc.number, 2, "现场 照片.png"), photo)).toBe(0);

    // Version 3 replaces the form and removes the photo; version 2 keeps both.
    const d2 = await draftFor(doc.number);
    const form2 = await docx({ heading: "点检表", paragraphs: ["设备编号", "点检人", "点检日期"] });
    await addDraftAttachment(editor, d2.id, { name: "anything.docx", bytes: form2, replace: "点检表.docx", expected: a.sha256 });
    await removeDraftAttachment(editor, d2.id, "现场 照片.png", img.sha256);
    await publish(d2.id);
    const v3 = await listAttachments(doc.number, 3);
    expect(v3.map((x) => x.name)).toEqual(["点检表.docx"]);
    expect(v3[0].sha256).not.toBe(a.sha256);
    expect((await listAttachments(doc.number, 2)).map((x) => x.name).sort()).toEqual(["点检表.docx", "现场 照片.png"].sort());
    expect(Buffer.compare(await readAttachment(doc.number, 2, "点检表.docx"), form1)).toBe(0);
    expect(Buffer.compare(await readAttachment(doc.number, 3, "点检表.docx"), form2)).toBe(0);
    // The removed photo's file is gone from the new version's tree, not from history.
    expect(git(world.dataDir, "ls-tree", "-r", "--name-only", "main", `attachments/EXE/${doc.number}/files`).trim().split("\n")).toHaveLength(1);
  });

  it("gives a taken name a free one, answers the same file again with the one there, and refuses a replacement of a file someone changed", async () => {
    const { addDraftAttachment, listDraftAttachments } = await S();
    const doc = await publishDoc({ title: "重名附件", body: BODY });
    const editor = await as("editor");
    const d = await draftFor(doc.number);
    const one = await pdf(["one"]);
    const first = await addDraftAttachment(editor, d.id, { name: "form.pdf", bytes: one });
    const again = await addDraftAttachment(editor, d.id, { name: "form.pdf", bytes: Buffer.from(one) });
    expect(again.name).toBe("form.pdf");
    const other = await addDraftAttachment(editor, d.id, { name: "form.pdf", bytes: await pdf(["two"]) });
    expect(other.name).toBe("form-2.pdf");
    // Two editors replace the same file: the second one still names the hash it saw, and is refused.
    const mine = await addDraftAttachment(editor, d.id, { name: "x.pdf", bytes: await pdf(["mine"]), replace: "form.pdf", expected: first.sha256 });
    await expect(
      addDraftAttachment(editor, d.id, { name: "y.pdf", bytes: await pdf(["theirs"]), replace: "form.pdf", expected: first.sha256 }),
    ).rejects.toMatchObject({ code: "conflict", key: "attachments.err.changedMeanwhile" });
    const list = await listDraftAttachments(d.id);
    expect(list.find((x) => x.name === "form.pdf")?.sha256).toBe(mine.sha256);
    expect(list).toHaveLength(2);
  });

  it("refuses bad files with a clear error and changes nothing", async () => {
    const { addDraftAttachment, listDraftAttachments } = await S();
    const { getProposal } = await P();
    const doc = await publishDoc({ title: "坏文件", body: BODY });
    const editor = await as("editor");
    const d = await draftFor(doc.number);
    const headBefore = getProposal(d.id).headCommit;
    const branchBefore = git(world.dataDir, "rev-parse", d.ref).trim();
    const cases: [string, Buffer, string][] = [
      ["empty.pdf", Buffer.alloc(0), "attachments.err.empty"],
      ["fake.pdf", Buffer.from("<html><script>alert(1)</script></html>"), "attachments.err.notWhatItSays"],
      ["../../etc/passwd", Buffer.from("x"), "attachments.err.nameChars"],
      ["a\\b.txt", Buffer.from("x"), "attachments.err.nameChars"],
      ["bell\u0007.txt", Buffer.from("x"), "attachments.err.nameChars"],
      [`${"长".repeat(500)}.txt`, Buffer.from("x"), "attachments.err.nameLong"],
      ["photo.png", Buffer.from("GIF89a not a png"), "attachments.err.notWhatItSays"],
      ["bomb.docx", await zipBomb(), "attachments.err.zipBomb"],
      ["big.bin", Buffer.alloc(5 * 1024 * 1024 + 1, 1), "attachments.err.fileTooLarge"],
    ];
    for (const [name, bytes, key] of cases) {
      await expect(addDraftAttachment(editor, d.id, { name, bytes }), name.slice(0, 20)).rejects.toMatchObject({ key });
    }
    // Per version: 8 MB in all.
    await addDraftAttachment(editor, d.id, { name: "a.bin", bytes: Buffer.alloc(4 * 1024 * 1024, 2) });
    await expect(addDraftAttachment(editor, d.id, { name: "b.bin", bytes: Buffer.alloc(4 * 1024 * 1024 + 10, 3) })).rejects.toMatchObject({
      code: "too_large",
      key: "attachments.err.versionTooLarge",
    });
    expect((await listDraftAttachments(d.id)).map((x) => x.name)).toEqual(["a.bin"]);
    // Only the one good upload moved the branch.
    expect(git(world.dataDir, "rev-list", "--count", `${branchBefore}..${d.ref}`).trim()).toBe("1");
    expect(getProposal(d.id).headCommit).not.toBe(headBefore);
  });

  it("accepts an SVG and a PNG carrying a script in its metadata, and types them by content", async () => {
    const { addDraftAttachment } = await S();
    const doc = await publishDoc({ title: "图片", body: BODY });
    const editor = await as("editor");
    const d = await draftFor(doc.number);
    const svg = await addDraftAttachment(editor, d.id, { name: "flow.svg", bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
    expect(svg.type).toBe("image/svg+xml");
    // An SVG is not shown in the text: the markdown is a link.
    expect(svg.markdown).toBe("[flow.svg](attachments/flow.svg)");
    const evil = await addDraftAttachment(editor, d.id, { name: "evil.png", bytes: png(2, 2, [0, 0, 0], "<script>alert(document.cookie)</script>") });
    expect(evil.type).toBe("image/png");
    const sheet = await addDraftAttachment(editor, d.id, { name: "台账.xlsx", bytes: await xlsx("台账", [["设备", "状态"], ["泵", "正常"]]) });
    expect(sheet.type).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  });

  it("lets only the author change a draft's attachments, and only while it is editable", async () => {
    const { addDraftAttachment } = await S();
    const { submitProposal } = await P();
    const doc = await publishDoc({ title: "权限", body: BODY });
    const d = await draftFor(doc.number);
    await expect(addDraftAttachment(await as("staff"), d.id, { name: "a.txt", bytes: Buffer.from("x") })).rejects.toMatchObject({ code: "forbidden" });
    await submitProposal(await as("editor"), d.id);
    await expect(addDraftAttachment(await as("editor"), d.id, { name: "a.txt", bytes: Buffer.from("x") })).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("text of Word and Excel attachments", () => {
  it("extracts the text of a .docx and a .xlsx, and diffs a replaced form", async () => {
    const { docxText, xlsxText } = await import("~/attachments/extract.server");
    expect(await docxText(await docx({ heading: "点检表", paragraphs: ["设备编号"], table: [["项目", "结果"]] }))).toContain("设备编号");
    const text = await xlsxText(await xlsx("台账", [["设备", "状态"], ["泵", "正常"]]));
    expect(text).toContain("## 台账");
    expect(text).toContain("泵\t正常");
    const { attachmentChanges } = await import("~/attachments/changes.server");
    const a = { name: "a.png", size: 1, sha256: "1".repeat(64), type: "image/png" };
    const b = { name: "b.pdf", size: 1, sha256: "2".repeat(64), type: "application/pdf" };
    const c = { name: "c.pdf", size: 1, sha256: "3".repeat(64), type: "application/pdf" };
    expect(attachmentChanges([a, b], [{ ...a, sha256: "4".repeat(64) }, c]).map((x) => [x.kind, x.name, x.image])).toEqual([
      ["replaced", "a.png", true],
      ["removed", "b.pdf", false],
      ["added", "c.pdf", false],
    ]);
  });
});
