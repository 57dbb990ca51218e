/**
 * The revision workflow against a real repository (in process): proposals on
 * git branches, one- and two-stage approval with signatures, rejections with
 * reasons, stale proposals merged or resolved, effective dates, new documents,
 * retirement and restoration, suggestions, service levels — checked with
 * native git on the main line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { as, bodyOf, DAY, git, mainCommits, mainText, PASSWORD, publishDoc } from "./revisions-helpers";
import { proposals } from "../helpers/proposals";

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  // Subscriptions and jobs the portal registers at start-up.
  await import("~/revisions/boot.server");
});
afterAll(async () => {
  const { setClockOffset } = await import("~/utils/clock.server");
  setClockOffset(0);
  await world?.cleanup();
});

const P = () => proposals();

const BODY = [
  "# 出差报销流程",
  "",
  "1. 填写报销单。",
  "2. 部门主管签字。",
  "3. 财务审核。",
  "4. 出纳付款。",
  "",
  "## 附则",
  "",
  "本流程自发布之日起执行。",
  "",
].join("\n");

async function approve(username: string, id: string) {
  const { decideProposal } = await P();
  return decideProposal(await as(username), id, { decision: "approve", password: PASSWORD });
}

async function revise(number: string, edit: (body: string) => string, change: "minor" | "major" = "minor", summary = "Revision") {
  const { createProposal } = await P();
  const { latestVersion } = await import("~/documents/version-index.server");
  const { readVersionContent } = await import("~/documents/documents.server");
  const current = (await readVersionContent(latestVersion(number)!)).body;
  return createProposal(await as("editor"), { kind: "revision", number, change, body: edit(current), summary });
}

describe("proposals and one-stage approval", () => {
  it("keeps the draft on its own branch, publishes one commit with trailers on approval, version + 1", async () => {
    const { submitProposal, getProposal, readProposalText } = await P();
    const doc = await publishDoc({ title: "出差报销流程", body: BODY });
    const draft = await revise(doc.number, (b) => b.replace("3. 财务审核。", "3. 财务部在 3 个工作日内审核。"), "minor", "明确财务审核时限");
    expect(draft.status).toBe("draft");
    expect(draft.baseVersion).toBe(1);
    expect(draft.ref).toBe(`refs/heads/proposals/${draft.id}`);
    // The draft is on its branch, never on main.
    expect(git(world.dataDir, "show", `${draft.ref}:documents/EXE/${doc.number}.md`)).toContain("3 个工作日内审核");
    expect(mainText(world.dataDir, doc.number)).not.toContain("3 个工作日内审核");
    expect((await readProposalText(draft)).body).toContain("3 个工作日内审核");

    const submitted = await submitProposal(await as("editor"), draft.id);
    expect(submitted.status).toBe("in-review");
    expect(submitted.stages).toEqual(["owner-head"]);
    const approver = await as("approver");
    expect(submitted.stage?.approverIds).toEqual([approver.id]);

    const outcome = await approve("approver", draft.id);
    expect(outcome.result).toBe("published");
    const after = getProposal(draft.id);
    expect(after.status).toBe("published");
    expect(after.publishedVersion).toBe(2);
    const signed = after.decisions.find((d) => d.decision === "approved")!;
    expect(signed).toMatchObject({ signed: true, meaning: "approved", by: { username: "approver" }, contentCommit: draft.headCommit });

    const [head] = mainCommits(world.dataDir);
    expect(head.trailers).toMatchObject({
      Document: [doc.number],
      Version: ["2"],
      Change: ["minor"],
      Proposal: [draft.id],
      "Approved-by": ["approver"],
    });
    expect(bodyOf(mainText(world.dataDir, doc.number))).toContain("3. 财务部在 3 个工作日内审核。");
    const log = git(world.dataDir, "log", "-1", "--format=%s", "main");
    expect(log).toBe(`${doc.number} v2: 明确财务审核时限\n`);
    git(world.dataDir, "fsck", "--full", "--strict");
  });

  it("keeps the signed approval when another instance's leader finishes the publication while its handlers still run", async () => {
    const { submitProposal, getProposal, SYSTEM } = await P();
    const { finishPublication } = await import("~/revisions/steps.server");
    const { on } = await import("~/documents/events.server");
    const { readAuditEntries } = await import("~/audit/audit.server");
    const doc = await publishDoc({ title: "差旅住宿标准", body: BODY });
    const draft = await revise(doc.number, (b) => b.replace("4. 出纳付款。", "4. 出纳在 2 个工作日内付款。"), "minor", "明确付款时限");
    await submitProposal(await as("editor"), draft.id);
    // The leader's reconcile job on another instance sees the pushed commit before this one marks the proposal.
    let finishedByLeader = false;
    on("document.published", "test.leader-finishes-first", async ({ record }) => {
      if (record.proposal !== draft.id || finishedByLeader) return;
      finishedByLeader = true;
      await finishPublication(getProposal(draft.id), record, SYSTEM);
    });
    try {
      const outcome = await approve("approver", draft.id);
      expect(outcome.result).toBe("published");
    } finally {
      on("document.published", "test.leader-finishes-first", () => undefined);
    }
    expect(finishedByLeader).toBe(true);
    const after = getProposal(draft.id);
    expect(after.status).toBe("published");
    expect(after.decisions.map((d) => `${d.decision}:${d.by.username}`).slice(-2)).toEqual(["approved:approver", "published:system"]);
    expect(after.decisions.find((d) => d.decision === "approved")).toMatchObject({ signed: true, contentCommit: draft.headCommit });
    const entries = readAuditEntries().filter((e) => e.details?.proposal === draft.id);
    expect(entries.filter((e) => e.action === "proposal.approve" && e.actor === "approver")).toHaveLength(1);
    expect(entries.filter((e) => e.action === "proposal.publish")).toHaveLength(1);
  });

  it("refuses staff and refuses submitting without a summary or without a change", async () => {
    const { createProposal, submitProposal, updateDraft } = await P();
    const doc = await publishDoc({ title: "办公用品领用", body: "# 办公用品领用\n\n每月第一周领用。\n" });
    await expect(createProposal(await as("staff"), { kind: "revision", number: doc.number, change: "minor" })).rejects.toMatchObject({ code: "forbidden" });
    const draft = await createProposal(await as("editor"), { kind: "revision", number: doc.number, change: "minor" });
    await expect(submitProposal(await as("editor"), draft.id)).rejects.toMatchObject({ code: "bad_request", fieldErrors: { summary: "required" } });
    await updateDraft(await as("editor"), draft.id, { summary: "无实质修改" });
    await expect(submitProposal(await as("editor"), draft.id)).rejects.toMatchObject({ fieldErrors: { body: "unchanged" } });
    // Only the author edits or submits.
    await expect(updateDraft(await as("admin"), draft.id, { body: "x" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("never lets an approver approve their own proposal", async () => {
    const { createProposal, submitProposal, decideProposal, getProposal } = await P();
    const { updateUser, getUserByUsername } = await import("~/org/users.server");
    const head = getUserByUsername("approver")!;
    await updateUser(head.id, { name: head.name, email: head.email, departmentId: head.departmentId, roles: ["approver", "editor"], active: true });
    try {
      const doc = await publishDoc({ title: "会议室预订", body: "# 会议室预订\n\n提前一天预订。\n" });
      const own = await createProposal(await as("approver"), {
        kind: "revision",
        number: doc.number,
        change: "minor",
        body: "# 会议室预订\n\n提前两天预订。\n",
        summary: "延长预订时间",
      });
      const submitted = await submitProposal(await as("approver"), own.id);
      // The department head is the author, so the stage falls to the admins.
      const admin = await as("admin");
      expect(submitted.stage?.approverIds).toEqual([admin.id]);
      await expect(decideProposal(await as("approver"), own.id, { decision: "approve", password: PASSWORD })).rejects.toMatchObject({
        code: "forbidden",
        message: "You cannot decide on your own proposal",
      });
      expect(getProposal(own.id).status).toBe("in-review");
      expect((await approve("admin", own.id)).result).toBe("published");
    } finally {
      await updateUser(head.id, { name: head.name, email: head.email, departmentId: head.departmentId, roles: ["approver"], active: true });
    }
  });

  it("does not sign with a wrong password, and records the failed attempt", async () => {
    const { submitProposal, decideProposal, getProposal } = await P();
    const { readAuditEntries } = await import("~/audit/audit.server");
    const doc = await publishDoc({ title: "访客登记", body: "# 访客登记\n\n访客须登记。\n" });
    const p = await revise(doc.number, (b) => b.replace("访客须登记。", "访客须登记并佩戴访客证。"), "minor", "增加访客证要求");
    await submitProposal(await as("editor"), p.id);
    await expect(decideProposal(await as("approver"), p.id, { decision: "approve", password: "not-my-password" })).rejects.toMatchObject({
      code: "bad_request",
      fieldErrors: { password: "wrong password" },
    });
    expect(getProposal(p.id).status).toBe("in-review");
    expect(getProposal(p.id).decisions.some((d) => d.decision === "approved")).toBe(false);
    const failed = readAuditEntries().filter((e) => e.action === "proposal.approve" && e.outcome === "failed");
    expect(failed.at(-1)).toMatchObject({ actor: "approver", object: doc.number });
    // Someone who is not an approver of the stage cannot decide either.
    await expect(decideProposal(await as("qahead"), p.id, { decision: "approve", password: PASSWORD })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("routing is configuration", () => {
  it("follows the configured stages and each category's final reviewer", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { resetEnvForTests } = await import("~/utils/env.server");
    const { resetConfigForTests } = await import("~/documents/config.server");
    const { createProposal, submitProposal, decideProposal } = await P();
    const original = process.env.CONTENT_DIR!;
    const config = JSON.parse(fs.readFileSync(path.join(original, "config.json"), "utf8"));
    config.categories.find((c: { code: string }) => c.code === "MON").finalReviewer = "qahead";
    config.approval.minor = ["owner-head", "user:finhead"];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-config-"));
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
    process.env.CONTENT_DIR = dir;
    resetEnvForTests();
    resetConfigForTests();
    try {
      const mon = await publishDoc({ title: "能耗监控记录", body: "# 能耗监控\n\n每月汇总。\n", category: "MON" });
      const major = await createProposal(await as("editor"), {
        kind: "revision",
        number: mon.number,
        change: "major",
        body: "# 能耗监控\n\n每周汇总。\n",
        summary: "改为每周",
      });
      await submitProposal(await as("editor"), major.id);
      await approve("approver", major.id);
      const { getProposal } = await P();
      expect(getProposal(major.id).stage).toMatchObject({ role: "final", approverIds: [(await as("qahead")).id] });
      await expect(decideProposal(await as("admin"), major.id, { decision: "approve", password: PASSWORD })).rejects.toMatchObject({ code: "forbidden" });
      expect((await approve("qahead", major.id)).result).toBe("published");

      const minor = await createProposal(await as("editor"), {
        kind: "revision",
        number: mon.number,
        change: "minor",
        body: "# 能耗监控\n\n每周五汇总。\n",
        summary: "明确汇总日",
      });
      const s = await submitProposal(await as("editor"), minor.id);
      expect(s.stages).toEqual(["owner-head", "user:finhead"]);
      await approve("approver", minor.id);
      expect(getProposal(minor.id).stage).toMatchObject({ role: "final", approverIds: [(await as("finhead")).id] });
      expect((await approve("finhead", minor.id)).result).toBe("published");
      expect(mainCommits(world.dataDir)[0].trailers["Approved-by"]).toEqual(["approver", "finhead"]);
    } finally {
      process.env.CONTENT_DIR = original;
      resetEnvForTests();
      resetConfigForTests();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("two-stage approval, rejection and resubmission", () => {
  it("routes a major change through pre-review by the head and final review by an admin", async () => {
    const { submitProposal, decideProposal, getProposal } = await P();
    const doc = await publishDoc({ title: "采购审批规则", body: "# 采购审批规则\n\n单笔 5 万元以上需总经理审批。\n" });
    const p = await revise(doc.number, (b) => b.replace("5 万元", "10 万元"), "major", "提高审批门槛");
    const s = await submitProposal(await as("editor"), p.id);
    expect(s.stages).toEqual(["owner-head", "category-final"]);
    expect(s.stage?.role).toBe("pre-review");
    // Admins are not approvers of the pre-review stage.
    await expect(decideProposal(await as("admin"), p.id, { decision: "approve", password: PASSWORD })).rejects.toMatchObject({ code: "forbidden" });
    expect((await approve("approver", p.id)).result).toBe("next-stage");
    const mid = getProposal(p.id);
    expect(mid.status).toBe("in-review");
    expect(mid.stage?.role).toBe("final");
    expect(mainText(world.dataDir, doc.number)).toContain("5 万元");
    // The pre-reviewer cannot also give the final review.
    await expect(decideProposal(await as("approver"), p.id, { decision: "approve", password: PASSWORD })).rejects.toMatchObject({ code: "forbidden" });
    expect((await approve("admin", p.id)).result).toBe("published");
    const done = getProposal(p.id);
    expect(done.decisions.filter((d) => d.decision === "approved").map((d) => d.meaning)).toEqual(["approved as pre-review", "approved as final review"]);
    const [head] = mainCommits(world.dataDir);
    expect(head.trailers.Change).toEqual(["major"]);
    expect(head.trailers["Approved-by"]).toEqual(["approver", "admin"]);
  });

  it("requires a reason to reject or request changes; the editor revises and resubmits", async () => {
    const { submitProposal, decideProposal, getProposal, updateDraft } = await P();
    const doc = await publishDoc({ title: "仓库盘点", body: "# 仓库盘点\n\n每季度盘点一次。\n" });
    const p = await revise(doc.number, (b) => b.replace("每季度", "每年"), "minor", "减少盘点次数");
    await submitProposal(await as("editor"), p.id);
    await expect(decideProposal(await as("approver"), p.id, { decision: "reject", reason: "  " })).rejects.toMatchObject({
      fieldErrors: { reason: "required" },
    });
    const rejected = await decideProposal(await as("approver"), p.id, { decision: "request-changes", reason: "盘点频率不能低于每季度一次，请保留。" });
    expect(rejected.result).toBe("changes-requested");
    const back = getProposal(p.id);
    expect(back.status).toBe("changes-requested");
    expect(back.decisions.at(-1)).toMatchObject({
      decision: "changes-requested",
      reason: "盘点频率不能低于每季度一次，请保留。",
      by: { username: "approver" },
    });
    await updateDraft(await as("editor"), p.id, { body: "# 仓库盘点\n\n每季度盘点一次，年末全面盘点。\n", summary: "增加年末全面盘点" });
    await submitProposal(await as("editor"), p.id);
    const final = await decideProposal(await as("approver"), p.id, { decision: "reject", reason: "年末盘点另有制度规定。" });
    expect(final.result).toBe("rejected");
    expect(getProposal(p.id).status).toBe("rejected");
    expect(mainText(world.dataDir, doc.number)).toContain("每季度盘点一次。");
  });
});

describe("stale proposals", () => {
  it("two proposals on the same base: the second goes back, merges cleanly, and both changes end up published", async () => {
    const { submitProposal, getProposal, decideProposal } = await P();
    const { mergeView, updateToCurrent } = await import("~/revisions/rebase.server");
    const doc = await publishDoc({ title: "差旅标准", body: BODY });
    const first = await revise(doc.number, (b) => b.replace("2. 部门主管签字。", "2. 部门负责人签字。"), "minor", "统一称谓");
    const second = await revise(doc.number, (b) => b.replace("本流程自发布之日起执行。", "本流程由财务部负责解释。"), "minor", "明确解释部门");
    expect(second.baseVersion).toBe(first.baseVersion);
    await submitProposal(await as("editor"), first.id);
    await submitProposal(await as("editor"), second.id);
    expect((await approve("approver", first.id)).result).toBe("published");

    // Publishing the first returned the second to its author: its approval would no longer describe what gets published.
    const returned = getProposal(second.id);
    expect(returned.status).toBe("needs-update");
    expect(returned.decisions.at(-1)).toMatchObject({ decision: "returned" });
    await expect(decideProposal(await as("approver"), second.id, { decision: "approve", password: PASSWORD })).rejects.toMatchObject({ code: "conflict" });
    await expect(submitProposal(await as("editor"), second.id)).rejects.toMatchObject({ code: "conflict" });

    const view = await mergeView(returned);
    expect(view).toMatchObject({ stale: true, baseVersion: 1, currentVersion: 2, clean: true, conflicts: 0 });
    const updated = await updateToCurrent(await as("editor"), second.id);
    expect(updated).toMatchObject({ baseVersion: 2, status: "draft" });
    await submitProposal(await as("editor"), second.id);
    expect((await approve("approver", second.id)).result).toBe("published");
    const text = mainText(world.dataDir, doc.number);
    expect(text).toContain("2. 部门负责人签字。");
    expect(text).toContain("本流程由财务部负责解释。");
    expect(mainCommits(world.dataDir)[0].trailers.Version).toEqual(["3"]);
  });

  it("a stale proposal with a conflict shows both sides; the editor's resolution is published, nothing is overwritten", async () => {
    const { submitProposal, getProposal } = await P();
    const { mergeView, updateToCurrent } = await import("~/revisions/rebase.server");
    const doc = await publishDoc({ title: "付款流程", body: BODY });
    const first = await revise(doc.number, (b) => b.replace("4. 出纳付款。", "4. 出纳在 5 个工作日内付款。"), "minor", "付款时限");
    const second = await revise(doc.number, (b) => b.replace("4. 出纳付款。", "4. 出纳通过银行转账付款。"), "minor", "付款方式");
    await submitProposal(await as("editor"), first.id);
    await submitProposal(await as("editor"), second.id);
    await approve("approver", first.id);
    const view = await mergeView(getProposal(second.id));
    expect(view.clean).toBe(false);
    expect(view.conflicts).toBe(1);
    const conflict = view.chunks.find((c) => c.kind === "conflict");
    expect(conflict).toEqual({ kind: "conflict", base: ["4. 出纳付款。"], current: ["4. 出纳在 5 个工作日内付款。"], proposal: ["4. 出纳通过银行转账付款。"] });
    // Without a choice for the conflict nothing is saved.
    await expect(updateToCurrent(await as("editor"), second.id)).rejects.toMatchObject({ code: "bad_request" });
    expect(getProposal(second.id).baseVersion).toBe(1);
    await updateToCurrent(await as("editor"), second.id, { body: [{ custom: "4. 出纳在 5 个工作日内通过银行转账付款。" }] });
    await submitProposal(await as("editor"), second.id);
    await approve("approver", second.id);
    const text = mainText(world.dataDir, doc.number);
    expect(text).toContain("4. 出纳在 5 个工作日内通过银行转账付款。");
    expect(getProposal(second.id).decisions.map((d) => d.decision)).toEqual([
      "created",
      "submitted",
      "returned",
      "updated",
      "submitted",
      "approved",
      "published",
    ]);
  });
});

describe("effective dates", () => {
  it("keeps the old version current until the date, then publishes once (idempotent catch-up)", async () => {
    const { submitProposal, getProposal, publishDueRevisions } = await P();
    const { setClockOffset, today } = await import("~/utils/clock.server");
    const { noticesFor } = await import("~/reading/notices.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const doc = await publishDoc({ title: "考勤制度", body: "# 考勤制度\n\n上班时间 9:00。\n" });
    const inFiveDays = new Date(Date.parse(`${today()}T00:00:00Z`) + 5 * DAY).toISOString().slice(0, 10);
    const { createProposal } = await P();
    const p = await createProposal(await as("editor"), {
      kind: "revision",
      number: doc.number,
      change: "minor",
      body: "# 考勤制度\n\n上班时间 8:30。\n",
      summary: "提前上班时间",
      effectiveDate: inFiveDays,
    });
    await submitProposal(await as("editor"), p.id);
    expect((await approve("approver", p.id)).result).toBe("scheduled");
    expect(getProposal(p.id)).toMatchObject({ status: "scheduled", scheduledFor: inFiveDays });
    expect(latestVersion(doc.number)!.version).toBe(1);
    expect(mainText(world.dataDir, doc.number)).toContain("9:00");
    const notices = await noticesFor(await as("staff"), latestVersion(doc.number)!);
    expect(notices).toContainEqual(
      expect.objectContaining({ key: "revisions.notice.scheduled", vars: { version: 2, date: inFiveDays }, href: `/docs/${doc.number}/upcoming` })
    );

    expect(await publishDueRevisions()).toEqual({ published: [], returned: [] });
    try {
      setClockOffset(6 * DAY);
      expect(await publishDueRevisions()).toEqual({ published: [p.id], returned: [] });
      expect(await publishDueRevisions()).toEqual({ published: [], returned: [] });
    } finally {
      setClockOffset(0);
    }
    const record = latestVersion(doc.number)!;
    expect(record.version).toBe(2);
    expect(record.meta.effectiveDate).toBe(inFiveDays);
    expect(getProposal(p.id).status).toBe("published");
    expect(mainText(world.dataDir, doc.number)).toContain("8:30");
    expect(mainCommits(world.dataDir).filter((c) => c.trailers.Document?.[0] === doc.number)).toHaveLength(2);
  });

  it("refuses an effective date in the past", async () => {
    const { createProposal } = await P();
    const doc = await publishDoc({ title: "停车管理", body: "# 停车管理\n\n凭证停车。\n" });
    await expect(
      createProposal(await as("editor"), { kind: "revision", number: doc.number, change: "minor", effectiveDate: "2001-01-01" })
    ).rejects.toMatchObject({
      fieldErrors: { effectiveDate: "in the past" },
    });
  });
});

describe("new documents, retirement and restoration", () => {
  it("reserves the number at creation and never reuses it, even when the proposal is withdrawn", async () => {
    const { createProposal, withdrawProposal, submitProposal } = await P();
    const { allocateNumber } = await import("~/documents/numbering.server");
    const { allNumbers, latestVersion } = await import("~/documents/version-index.server");
    const editor = await as("editor");
    const a = await createProposal(editor, {
      kind: "new",
      category: "MON",
      type: "report",
      title: "月度安全检查报告",
      ownerDepartment: "ops",
      confidentiality: "internal",
      audienceDepartments: [],
      body: "# 月度安全检查\n\n检查项目……\n",
      summary: "新建",
    });
    expect(a.number).toMatch(/^MON-\d{3}$/);
    expect(latestVersion(a.number)).toBeUndefined();
    await withdrawProposal(editor, a.id, "重复");
    const b = await createProposal(editor, {
      kind: "new",
      category: "MON",
      type: "report",
      title: "季度安全检查报告",
      ownerDepartment: "ops",
      confidentiality: "internal",
      audienceDepartments: [],
      body: "# 季度安全检查\n\n检查项目。\n",
      summary: "新建季度报告",
    });
    expect(Number(b.number.slice(4))).toBe(Number(a.number.slice(4)) + 1);
    const next = await allocateNumber("MON", allNumbers(), "test", "probe");
    expect(Number(next.slice(4))).toBe(Number(b.number.slice(4)) + 1);

    const s = await submitProposal(editor, b.id);
    expect(s.stages).toEqual(["owner-head", "category-final"]);
    await approve("approver", b.id);
    expect((await approve("admin", b.id)).result).toBe("published");
    expect(latestVersion(b.number)).toMatchObject({ version: 1, change: "new", proposal: b.id, approvedBy: ["approver", "admin"] });
    expect(mainText(world.dataDir, b.number)).toContain("季度安全检查");
    expect(() => mainText(world.dataDir, a.number)).toThrow();
  });

  it("retires through two stages; the document leaves the lists but stays readable with its history; an old version can be restored", async () => {
    const { createProposal, submitProposal, getProposal } = await P();
    const { listDocuments } = await import("~/documents/documents.server");
    const { openCurrent, historyOf } = await import("~/reading/open.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const doc = await publishDoc({ title: "旧版复印机使用说明", body: "# 复印机\n\n第一版。\n" });
    const v2 = await revise(doc.number, () => "# 复印机\n\n第二版。\n", "minor", "第二版");
    await submitProposal(await as("editor"), v2.id);
    await approve("approver", v2.id);

    const retire = await createProposal(await as("editor"), { kind: "retire", number: doc.number, summary: "设备已淘汰" });
    await submitProposal(await as("editor"), retire.id);
    await approve("approver", retire.id);
    expect((await approve("admin", retire.id)).result).toBe("published");
    expect(latestVersion(doc.number)).toMatchObject({ version: 3, change: "retire" });
    expect(latestVersion(doc.number)!.meta.retired).toBe(true);
    expect(listDocuments().some((d) => d.number === doc.number)).toBe(false);
    expect(listDocuments({ includeRetired: true }).find((d) => d.number === doc.number)?.retired).toBe(true);
    const view = await openCurrent(await as("staff"), doc.number);
    expect(view.access === "full" && view.body).toContain("第二版");
    expect((await historyOf(await as("staff"), doc.number)).versions).toHaveLength(3);

    // Only a restoration can be proposed for a retired document.
    await expect(createProposal(await as("editor"), { kind: "revision", number: doc.number, change: "minor" })).rejects.toMatchObject({ code: "conflict" });
    const restore = await createProposal(await as("editor"), { kind: "restore", number: doc.number, version: 1, summary: "恢复第一版" });
    expect(restore).toMatchObject({ change: "restore", restoreOf: 1 });
    await submitProposal(await as("editor"), restore.id);
    await approve("approver", restore.id);
    await approve("admin", restore.id);
    expect(getProposal(restore.id).status).toBe("published");
    expect(latestVersion(doc.number)).toMatchObject({ version: 4, change: "restore" });
    expect(latestVersion(doc.number)!.meta.retired).toBe(false);
    expect(bodyOf(mainText(world.dataDir, doc.number))).toBe("# 复印机\n\n第一版。\n");
  });
});

describe("suggestions", () => {
  it("staff suggest; editors of the owning department accept (a draft proposal) or decline with a reason; the report counts them", async () => {
    const { createSuggestion, acceptSuggestion, declineSuggestion, listSuggestions, suggestionStats } = await import("~/revisions/suggestions.server");
    const { getProposal } = await P();
    const doc = await publishDoc({ title: "门禁卡管理", body: "# 门禁卡管理\n\n丢失门禁卡需在一周内补办。\n" });
    const qaDoc = await publishDoc({ title: "质量抽检", body: "# 质量抽检\n\n每批抽检 5%。\n", ownerDepartment: "qa" });
    const staff = await as("staff");
    const before = suggestionStats();
    const s1 = await createSuggestion(staff, doc.number, "补办时间应改为三个工作日内，一周太长，存在安全隐患。");
    const s2 = await createSuggestion(staff, doc.number, "建议增加门禁卡照片。");
    const s3 = await createSuggestion(await as("itstaff"), qaDoc.number, "抽检比例应提高到 10%。");
    await expect(createSuggestion(staff, doc.number, "短")).rejects.toMatchObject({ code: "bad_request" });

    // Editors of other departments, and staff, cannot triage.
    await expect(declineSuggestion(await as("editor"), s3.id, "不是我们的")).rejects.toMatchObject({ code: "forbidden" });
    await expect(declineSuggestion(staff, s2.id, "x y z")).rejects.toMatchObject({ code: "forbidden" });
    await expect(declineSuggestion(await as("editor"), s2.id, "")).rejects.toMatchObject({ fieldErrors: { reason: "required" } });

    const { proposal } = await acceptSuggestion(await as("editor"), s1.id, "minor");
    expect(getProposal(proposal.id)).toMatchObject({ status: "draft", fromSuggestion: s1.id, number: doc.number, author: { username: "editor" } });
    await declineSuggestion(await as("editor"), s2.id, "照片涉及个人信息，暂不采纳。");
    const mine = listSuggestions({ byUserId: staff.id });
    expect(mine.find((s) => s.id === s1.id)).toMatchObject({ status: "accepted", proposalId: proposal.id, decidedBy: { username: "editor" } });
    expect(mine.find((s) => s.id === s2.id)).toMatchObject({ status: "declined", reason: "照片涉及个人信息，暂不采纳。" });
    await expect(declineSuggestion(await as("editor"), s1.id, "again")).rejects.toMatchObject({ code: "conflict" });

    const stats = suggestionStats();
    expect(stats.total - before.total).toBe(3);
    expect(stats.accepted - before.accepted).toBe(1);
    expect(stats.declined - before.declined).toBe(1);
    expect(stats.open - before.open).toBe(1);
    expect(stats.byDepartment.find((d) => d.department === "qa")).toMatchObject({ open: 1 });
  });

  it("keeps suggestions on a restricted document from editors who may not read it", async () => {
    const { createSuggestion, declineSuggestion } = await import("~/revisions/suggestions.server");
    const { mySuggestionsPage } = await import("~/revisions/pages.server");
    const secret = await publishDoc({ title: "供应商返利条款", body: "# 返利\n\n返利比例 7%。\n", confidentiality: "restricted" });
    await expect(createSuggestion(await as("staff"), secret.number, "返利比例应每年复核。")).rejects.toMatchObject({ code: "forbidden" });
    // The department head reads restricted documents of the department; the editor does not.
    const s = await createSuggestion(await as("approver"), secret.number, "返利比例 7% 应改为阶梯比例。");
    expect(mySuggestionsPage(await as("editor")).toTriage.map((x) => x.id)).not.toContain(s.id);
    await expect(declineSuggestion(await as("editor"), s.id, "不需要")).rejects.toMatchObject({ code: "forbidden" });
    expect(mySuggestionsPage(await as("admin")).toTriage.map((x) => x.id)).toContain(s.id);
  });
});

describe("service level", () => {
  it("flags a stage overdue after 3 working days, once, to its approvers and the admins", async () => {
    const { submitProposal, flagOverdueApprovals, waitingFor, overdueApprovals, proposalStats } = await P();
    const { on } = await import("~/documents/events.server");
    const { setClockOffset } = await import("~/utils/clock.server");
    const raised: string[] = [];
    on("approval.overdue", "test.overdue", (e) => {
      raised.push(e.id);
    });
    const doc = await publishDoc({ title: "印章使用", body: "# 印章使用\n\n用印须登记。\n" });
    const p = await revise(doc.number, (b) => b.replace("用印须登记。", "用印须登记并由部门负责人签字。"), "minor", "增加签字");
    const submitted = await submitProposal(await as("editor"), p.id);
    const approver = await as("approver");
    expect(waitingFor(approver).find((w) => w.proposal.id === p.id)?.overdue).toBe(false);
    const due = Date.parse(submitted.stage!.dueAt);
    const started = Date.parse(submitted.stage!.startedAt);
    expect(due - started).toBeGreaterThanOrEqual(3 * DAY);
    expect(due - started).toBeLessThanOrEqual(5 * DAY);
    try {
      setClockOffset(due - Date.now() + 60_000);
      expect(waitingFor(approver).find((w) => w.proposal.id === p.id)?.overdue).toBe(true);
      expect(overdueApprovals().map((w) => w.proposal.id)).toContain(p.id);
      await flagOverdueApprovals();
      await flagOverdueApprovals();
      expect(raised.filter((id) => id === p.id)).toHaveLength(1);
      await approve("approver", p.id);
    } finally {
      setClockOffset(0);
    }
    const stats = proposalStats();
    const late = stats.approvalTimes.find((a) => a.proposalId === p.id)!;
    expect(late.withinServiceLevel).toBe(false);
    expect(stats.withinServiceLevelRate).toBeGreaterThan(0);
    expect(stats.withinServiceLevelRate).toBeLessThan(1);
  });
});
