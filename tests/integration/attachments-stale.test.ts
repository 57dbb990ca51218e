/**
 * A stale proposal brought up to the current version keeps the attachment
 * changes published meanwhile and its own: files only one side added,
 * removed or replaced take that side's change; a file both sides replaced
 * with different content is refused until the author chooses, and the choice
 * is what gets published. Nothing is lost silently.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { as, PASSWORD, publishDoc } from "./revisions-helpers";
import { pdf, png } from "../fixtures/attachment-files";
import { proposals } from "../helpers/proposals";

let world: World;

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
});
afterAll(async () => world?.cleanup());

const BODY = "# 叉车使用规程\n\n## 检查\n\n每班检查制动。\n";
const S = () => import("~/attachments/store.server");

async function draftFor(number: string, body = `${BODY}\n见附件。\n`) {
  const { createProposal } = await proposals();
  return createProposal(await as("editor"), { kind: "revision", number, change: "minor", body, summary: "附件" });
}

async function publish(id: string) {
  const { submitProposal, decideProposal } = await proposals();
  await submitProposal(await as("editor"), id);
  const out = await decideProposal(await as("approver"), id, { decision: "approve", password: PASSWORD });
  expect(out.result).toBe("published");
  return out.proposal;
}

const names = (list: { name: string }[]) => list.map((x) => x.name).sort();

describe("updating a stale proposal merges attachments", () => {
  it("carries the other publication's added, removed and replaced files, keeps the proposal's, and asks about a file both replaced", async () => {
    const { addDraftAttachment, removeDraftAttachment, listAttachments, listDraftAttachments, readAttachment, readDraftAttachment } = await S();
    const { updateToCurrent } = await import("~/revisions/rebase.server");
    const { mergeView } = await import("~/revisions/rebase.server");
    const { getProposal } = await import("~/revisions/proposals.server");
    const editor = await as("editor");
    const doc = await publishDoc({ title: "叉车规程", body: BODY });

    // v2: the starting attachments.
    const start = await draftFor(doc.number);
    const files: Record<string, Buffer> = {
      "keep.png": png(4, 4, [1, 1, 1]),
      "theirs-replace.pdf": await pdf(["old B"]),
      "theirs-remove.png": png(4, 4, [3, 3, 3]),
      "mine-replace.pdf": await pdf(["old D"]),
      "mine-remove.png": png(4, 4, [5, 5, 5]),
      "both-replace.pdf": await pdf(["old X"]),
      "same-replace.png": png(4, 4, [7, 7, 7]),
    };
    const sha: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) sha[name] = (await addDraftAttachment(editor, start.id, { name, bytes })).sha256;
    await publish(start.id);

    // Two proposals start from v2.
    const theirs = await draftFor(doc.number);
    const mine = await draftFor(doc.number);
    const theirB = await pdf(["new B from the other proposal"]);
    const theirX = await pdf(["X as the other proposal has it"]);
    const sameY = png(4, 4, [8, 8, 8]);
    await addDraftAttachment(editor, theirs.id, { name: "x.pdf", bytes: theirB, replace: "theirs-replace.pdf", expected: sha["theirs-replace.pdf"] });
    await removeDraftAttachment(editor, theirs.id, "theirs-remove.png", sha["theirs-remove.png"]);
    await addDraftAttachment(editor, theirs.id, { name: "theirs-add.png", bytes: png(4, 4, [9, 9, 9]) });
    await addDraftAttachment(editor, theirs.id, { name: "x.pdf", bytes: theirX, replace: "both-replace.pdf", expected: sha["both-replace.pdf"] });
    await addDraftAttachment(editor, theirs.id, { name: "y.png", bytes: sameY, replace: "same-replace.png", expected: sha["same-replace.png"] });

    const myD = await pdf(["new D from my proposal"]);
    const myX = await pdf(["X as my proposal has it"]);
    await addDraftAttachment(editor, mine.id, { name: "x.pdf", bytes: myD, replace: "mine-replace.pdf", expected: sha["mine-replace.pdf"] });
    await removeDraftAttachment(editor, mine.id, "mine-remove.png", sha["mine-remove.png"]);
    await addDraftAttachment(editor, mine.id, { name: "mine-add.png", bytes: png(4, 4, [10, 10, 10]) });
    await addDraftAttachment(editor, mine.id, { name: "x.pdf", bytes: myX, replace: "both-replace.pdf", expected: sha["both-replace.pdf"] });
    await addDraftAttachment(editor, mine.id, { name: "y.png", bytes: sameY, replace: "same-replace.png", expected: sha["same-replace.png"] });

    await publish(theirs.id); // v3
    const view = await mergeView(getProposal(mine.id));
    expect(view.stale).toBe(true);
    expect(view.clean).toBe(false);
    expect(view.attachmentsFromCurrent.sort()).toEqual(["theirs-add.png", "theirs-remove.png", "theirs-replace.pdf"]);
    expect(view.attachmentConflicts.map((c) => c.name)).toEqual(["both-replace.pdf"]);
    expect(view.attachmentConflicts[0].base?.sha256).toBe(sha["both-replace.pdf"]);

    // Without a choice the update is refused and the draft keeps what it had.
    const before = await listDraftAttachments(mine.id);
    const headBefore = getProposal(mine.id).headCommit;
    await expect(updateToCurrent(editor, mine.id, {})).rejects.toMatchObject({ key: "revisions.err.chooseAttachment" });
    expect(getProposal(mine.id).headCommit).toBe(headBefore);
    expect(await listDraftAttachments(mine.id)).toEqual(before);

    await updateToCurrent(editor, mine.id, { attachments: { "both-replace.pdf": "proposal" } });
    const merged = await listDraftAttachments(mine.id);
    expect(names(merged)).toEqual(
      ["both-replace.pdf", "keep.png", "mine-add.png", "mine-replace.pdf", "same-replace.png", "theirs-add.png", "theirs-replace.pdf"].sort(),
    );
    expect(Buffer.compare((await readDraftAttachment(mine.id, "theirs-replace.pdf")).bytes, theirB)).toBe(0);
    expect(Buffer.compare((await readDraftAttachment(mine.id, "both-replace.pdf")).bytes, myX)).toBe(0);

    const published = await publish(mine.id); // v4
    expect(published.publishedVersion).toBe(4);
    expect(names(await listAttachments(doc.number, 4))).toEqual(names(merged));
    expect(Buffer.compare(await readAttachment(doc.number, 4, "mine-replace.pdf"), myD)).toBe(0);
    expect(Buffer.compare(await readAttachment(doc.number, 4, "theirs-replace.pdf"), theirB)).toBe(0);
    expect(Buffer.compare(await readAttachment(doc.number, 4, "both-replace.pdf"), myX)).toBe(0);
    expect(Buffer.compare(await readAttachment(doc.number, 4, "same-replace.png"), sameY)).toBe(0);
    // v3 still has the other proposal's edition.
    expect(Buffer.compare(await readAttachment(doc.number, 3, "both-replace.pdf"), theirX)).toBe(0);
  });

  it("keeps the current version's file when the author chooses it, and a removal against a replacement is a choice too", async () => {
    const { addDraftAttachment, removeDraftAttachment, listDraftAttachments, readDraftAttachment } = await S();
    const { updateToCurrent, mergeView } = await import("~/revisions/rebase.server");
    const { getProposal } = await import("~/revisions/proposals.server");
    const editor = await as("editor");
    const doc = await publishDoc({ title: "叉车规程二", body: BODY });
    const start = await draftFor(doc.number);
    const form = await addDraftAttachment(editor, start.id, { name: "表单.pdf", bytes: await pdf(["form v1"]) });
    const photo = await addDraftAttachment(editor, start.id, { name: "照片.png", bytes: png(4, 4, [20, 20, 20]) });
    await publish(start.id);

    const theirs = await draftFor(doc.number);
    const mine = await draftFor(doc.number);
    const theirForm = await pdf(["form v2 (theirs)"]);
    await addDraftAttachment(editor, theirs.id, { name: "a.pdf", bytes: theirForm, replace: "表单.pdf", expected: form.sha256 });
    await removeDraftAttachment(editor, theirs.id, "照片.png", photo.sha256);
    await addDraftAttachment(editor, mine.id, { name: "b.pdf", bytes: await pdf(["form v2 (mine)"]), replace: "表单.pdf", expected: form.sha256 });
    await addDraftAttachment(editor, mine.id, { name: "c.png", bytes: png(4, 4, [30, 30, 30]), replace: "照片.png", expected: photo.sha256 });
    await publish(theirs.id);

    const view = await mergeView(getProposal(mine.id));
    expect(view.attachmentConflicts.map((c) => c.name).sort()).toEqual(["照片.png", "表单.pdf"].sort());
    expect(view.attachmentConflicts.find((c) => c.name === "照片.png")?.current).toBeNull();
    await expect(updateToCurrent(editor, mine.id, { attachments: { "表单.pdf": "current" } })).rejects.toMatchObject({
      key: "revisions.err.chooseAttachment",
    });
    await updateToCurrent(editor, mine.id, { attachments: { "表单.pdf": "current", "照片.png": "current" } });
    expect(names(await listDraftAttachments(mine.id))).toEqual(["表单.pdf"]);
    expect(Buffer.compare((await readDraftAttachment(mine.id, "表单.pdf")).bytes, theirForm)).toBe(0);
  });
});
