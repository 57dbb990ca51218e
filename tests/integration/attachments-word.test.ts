/**
 * A Word file uploaded as a proposal's new text: its images become
 * attachments of the draft (in the same commit as the text), its tables and
 * lists survive as markdown, and the proposal's diff shows what changed
 * against the current version. The .docx is made here with the docx package.
 */
import { Document, HeadingLevel, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from "docx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { png } from "../fixtures/attachment-files";
import { proposals } from "../helpers/proposals";
import { as, git, publishDoc } from "./revisions-helpers";

let world: World;

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
});
afterAll(async () => world?.cleanup());

const CURRENT = "# 来料检验规程\n\n## 抽样\n\n按批抽样。\n\n## 判定\n\n合格后入库。\n";

async function wordFile(image: Buffer): Promise<Buffer> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: "来料检验规程", heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ text: "抽样", heading: HeadingLevel.HEADING_2 }),
          new Paragraph({ children: [new TextRun("按批抽样，每批至少五件。")] }),
          new Paragraph({ text: "核对送货单", bullet: { level: 0 } }),
          new Paragraph({ text: "检查外包装", bullet: { level: 0 } }),
          new Paragraph({ text: "判定", heading: HeadingLevel.HEADING_2 }),
          new Table({
            rows: [
              new TableRow({ children: [cell("项目"), cell("标准")] }),
              new TableRow({ children: [cell("外观"), cell("无划伤")] }),
              new TableRow({ children: [cell("尺寸"), cell("±0.1 mm")] }),
            ],
          }),
          new Paragraph({ children: [new ImageRun({ type: "png", data: image, transformation: { width: 60, height: 30 } })] }),
          new Paragraph({ children: [new TextRun("合格后入库。")] }),
        ],
      },
    ],
  });
  return Buffer.from(await Packer.toBuffer(doc));
}

describe("a Word file as a proposal's new text", () => {
  it("turns images into attachments, keeps tables and lists, and the diff shows the change against the current version", async () => {
    const { createProposal } = await proposals();
    const { getProposal } = await import("~/revisions/proposals.server");
    const { replaceTextWithWord } = await import("~/attachments/word.server");
    const { listDraftAttachments, readDraftAttachment } = await import("~/attachments/store.server");
    const { readDraft } = await import("~/revisions/drafts.server");
    const { diffBodies } = await import("~/documents/documents.server");
    const editor = await as("editor");
    const doc = await publishDoc({ title: "来料检验规程", body: CURRENT });
    const d = await createProposal(editor, { kind: "revision", number: doc.number, change: "minor", summary: "Word 修订", body: CURRENT });
    const image = png(6, 3, [30, 160, 60]);
    const headBefore = getProposal(d.id).headCommit;

    const result = await replaceTextWithWord(editor, d.id, { name: "来料检验 修订.docx", bytes: await wordFile(image) });

    // The image is an attachment of the draft, shown where it was.
    const list = await listDraftAttachments(d.id);
    expect(list).toHaveLength(1);
    expect(list[0].type).toBe("image/png");
    expect(Buffer.compare((await readDraftAttachment(d.id, list[0].name)).bytes, image)).toBe(0);
    const p = getProposal(d.id);
    const draft = await readDraft(p.headCommit, p.number);
    expect(draft.body.trim()).toBe(result.markdown.trim());
    expect(draft.body).toMatch(new RegExp(`!\\[[^\\]]*\\]\\(<?attachments/${list[0].name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}>?\\)`));
    // Text and image arrived in one commit on the draft's branch.
    expect(git(world.dataDir, "rev-list", "--count", `${headBefore}..${p.headCommit}`).trim()).toBe("1");
    // Table and list survive as markdown.
    expect(draft.body).toMatch(/\|\s*项目\s*\|\s*标准\s*\|/);
    expect(draft.body).toMatch(/\|\s*尺寸\s*\|\s*±0\.1 mm\s*\|/);
    expect(draft.body).toMatch(/^[-*] 核对送货单$/m);
    expect(draft.body).toMatch(/^[-*] 检查外包装$/m);
    expect(draft.body).toMatch(/^## 判定$/m);

    // The diff against the current version shows what changed, and only that.
    const diff = diffBodies(CURRENT, draft.body);
    const added = JSON.stringify(diff);
    expect(added).toContain("每批至少五件");
    expect(added).toContain("核对送货单");
    expect(added).toContain("无划伤");
    expect(diff.tooLarge).toBe(false);
    if (!diff.tooLarge) expect(diff.stats.added + diff.stats.changed).toBeGreaterThan(0);
  });
});
