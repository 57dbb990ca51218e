/**
 * Approval routing has no dead ends: the chain is checked at submit, an approval
 * that cannot be carried through leaves nothing behind, proposals stranded by a
 * later change of people are listed and re-routed, and a seeded random walk over
 * routing configurations × department shapes either refuses at submit with a
 * reason or reaches publication. Also: acknowledgements need an opened version
 * and mark the change notification read; reordered audiences are not a change.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { as, PASSWORD, publishDoc } from "./revisions-helpers";
import { proposals } from "../helpers/proposals";

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  await import("~/revisions/boot.server");
});
afterAll(async () => world?.cleanup());

const P = () => proposals();

async function setPeople(fn: (data: { users: import("~/data/schema").User[]; departments: import("~/data/schema").Department[] }) => void) {
  const { updateDb } = await import("~/data/db.server");
  await updateDb((data) => fn(data));
}

async function addAdmin(username: string) {
  const { readDb } = await import("~/data/db.server");
  if (readDb().users.some((u) => u.username === username)) return;
  const admin = readDb().users.find((u) => u.username === "admin")!;
  await setPeople((d) => {
    d.users.push({ ...structuredClone(admin), id: `u-${username}`, username, name: username, email: `${username}@regula.example` });
  });
}

async function majorRevision(number: string, summary = "Major change") {
  const { createProposal } = await P();
  const { latestVersion } = await import("~/documents/version-index.server");
  const { readVersionContent } = await import("~/documents/documents.server");
  const body = (await readVersionContent(latestVersion(number)!)).body + "\n新增一条规定。\n";
  return createProposal(await as("editor"), { kind: "revision", number, change: "major", body, summary });
}

async function auditActions(proposalId: string) {
  const { readAuditEntries } = await import("~/audit/audit.server");
  return readAuditEntries()
    .filter((e) => (e.details as { proposal?: string } | undefined)?.proposal === proposalId)
    .map((e) => `${e.action}:${e.outcome}`);
}

describe("approval dead end", () => {
  it("refuses at submit, with what is missing and who can fix it, when the only admin heads the owning department", async () => {
    const { submitProposal, getProposal } = await P();
    const admin = await as("admin");
    await setPeople((d) => {
      d.departments.find((x) => x.id === "docctl")!.headUserId = admin.id;
    });
    const doc = await publishDoc({ title: "文控管理办法", body: "# 文控管理办法\n\n第一条。\n", ownerDepartment: "docctl" });
    const draft = await majorRevision(doc.number);
    const error = await submitProposal(await as("editor"), draft.id).catch((e) => e);
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/Stage 2 .*nobody left.*admin/);
    expect(error.message).not.toMatch(/names no one but the author/);
    expect(error.said.map((s: { key: string }) => s.key)).toEqual(["revisions.route.submitRefused", "revisions.route.gapEarlier", "revisions.route.fixAdmin"]);
    // Nothing changed: still a draft, no stage, no submission recorded.
    const after = getProposal(draft.id);
    expect(after.status).toBe("draft");
    expect(after.decisions.map((d) => d.decision)).toEqual(["created"]);
    expect(await auditActions(draft.id)).toEqual(["proposal.create:ok"]);
  });

  it("an approval that would strand the next stage leaves no signature, decision, audit entry or event; an admin re-routes it", async () => {
    const { submitProposal, getProposal, decideProposal, strandedProposals, rerouteProposal } = await P();
    const { on } = await import("~/documents/events.server");
    const decided: string[] = [];
    on("proposal.decided", "workflow-routing-test", async (e) => {
      decided.push(`${e.proposalId}:${e.decision}`);
    });
    await addAdmin("admin2");
    const doc = await publishDoc({ title: "档案借阅规定", body: "# 档案借阅规定\n\n第一条。\n", ownerDepartment: "docctl" });
    const draft = await majorRevision(doc.number);
    const submitted = await submitProposal(await as("editor"), draft.id);
    expect(submitted.status).toBe("in-review");
    // The second admin leaves after submission: stage 2 would have nobody once admin approves stage 1.
    await setPeople((d) => {
      d.users.find((u) => u.username === "admin2")!.active = false;
    });
    expect(strandedProposals().map((s) => s.proposal.id)).toContain(draft.id);
    const before = getProposal(draft.id);
    const error = await decideProposal(await as("admin"), draft.id, { decision: "approve", password: PASSWORD }).catch((e) => e);
    expect(error.code).toBe("conflict");
    expect(error.said[0].key).toBe("revisions.route.approvalRefused");
    expect(getProposal(draft.id)).toEqual(before);
    expect(await auditActions(draft.id)).toEqual(["proposal.create:ok", "proposal.submit:ok"]);
    expect(decided.filter((d) => d.startsWith(draft.id))).toEqual([]);

    // Re-routing stage 2 to the head of Quality Management gives it a path again.
    const admin = await as("admin");
    await expect(rerouteProposal(admin, draft.id, 1, "editor")).rejects.toMatchObject({ code: "bad_request" });
    await rerouteProposal(admin, draft.id, 1, "qahead");
    expect(strandedProposals().map((s) => s.proposal.id)).not.toContain(draft.id);
    expect((await decideProposal(admin, draft.id, { decision: "approve", password: PASSWORD })).result).toBe("next-stage");
    expect((await decideProposal(await as("qahead"), draft.id, { decision: "approve", password: PASSWORD })).result).toBe("published");
    expect(getProposal(draft.id).decisions.map((d) => d.decision)).toEqual(["created", "submitted", "rerouted", "approved", "approved", "published"]);
    expect(await auditActions(draft.id)).toEqual([
      "proposal.create:ok",
      "proposal.submit:ok",
      "proposal.reroute:ok",
      "proposal.approve:ok",
      "proposal.approve:ok",
      "proposal.publish:ok",
    ]);
  });

  it("an approval whose audit entry cannot be written leaves the proposal as it was", async () => {
    const { submitProposal, getProposal, decideProposal } = await P();
    const { auditFile, resetAuditForTests } = await import("~/audit/audit.server");
    const doc = await publishDoc({ title: "设备维护规程", body: "# 设备维护规程\n\n每月保养。\n" });
    const { createProposal } = await P();
    const draft = await createProposal(await as("editor"), { kind: "revision", number: doc.number, change: "minor", body: "# 设备维护规程\n\n每周保养。\n", summary: "保养改为每周" });
    await submitProposal(await as("editor"), draft.id);
    const before = getProposal(draft.id);
    const file = auditFile();
    fs.renameSync(file, `${file}.aside`);
    fs.mkdirSync(file);
    try {
      await expect(decideProposal(await as("approver"), draft.id, { decision: "reject", reason: "理由充分的驳回" })).rejects.toThrow();
    } finally {
      fs.rmdirSync(file);
      fs.renameSync(`${file}.aside`, file);
      resetAuditForTests();
    }
    expect(getProposal(draft.id)).toEqual(before);
    expect(path.basename(file)).toBeTruthy();
  });
});

/** A small seeded PRNG (mulberry32) so every run walks the same cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("randomized routing × department shapes", () => {
  it("every proposal is refused at submit with a reason, or can be carried to publication", async () => {
    const { submitProposal, getProposal, decideProposal, currentApprovers } = await P();
    const { getConfig, getCategory } = await import("~/documents/config.server");
    const { readDb } = await import("~/data/db.server");
    const rand = prng(20261207);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const baseline = structuredClone({ users: readDb().users, departments: readDb().departments });
    const config = getConfig();
    const savedMajor = [...config.approval.major];
    const category = getCategory("EXE")!;
    const savedFinal = category.finalReviewer;
    const TOKENS = ["owner-head", "category-final", "admin", "user:finhead", "user:qahead"];
    const SHAPES = ["normal", "no-head", "head-is-author", "one-admin", "admin-heads-owner", "named-user-inactive"] as const;
    let refused = 0;
    let published = 0;
    try {
      for (let i = 0; i < 36; i++) {
        const shape = pick(SHAPES);
        const owner = pick(["ops", "docctl", "fin", "it"]);
        const stages = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(TOKENS));
        config.approval.major = stages;
        category.finalReviewer = pick(["admin", "admin", "finhead", "hrhead"]);
        await setPeople((d) => {
          d.users = structuredClone(baseline.users);
          d.departments = structuredClone(baseline.departments);
          const dept = d.departments.find((x) => x.id === owner)!;
          const user = (name: string) => d.users.find((u) => u.username === name)!;
          if (shape === "no-head") {
            dept.headUserId = undefined;
            for (const u of d.users) if (u.departmentId === owner && u.roles.includes("approver")) u.roles = u.roles.filter((r) => r !== "approver");
          } else if (shape === "head-is-author") {
            dept.headUserId = user("editor").id;
          } else if (shape === "one-admin") {
            for (const u of d.users) if (u.roles.includes("admin") && u.username !== "admin") u.active = false;
          } else if (shape === "admin-heads-owner") {
            dept.headUserId = user("admin").id;
            for (const u of d.users) if (u.roles.includes("admin") && u.username !== "admin") u.active = false;
          } else if (shape === "named-user-inactive") {
            user("finhead").active = false;
            user("qahead").active = false;
          }
        });
        const doc = await publishDoc({ title: `随机路线 ${i}`, body: `# 随机路线 ${i}\n\n正文。\n`, ownerDepartment: owner });
        const draft = await majorRevision(doc.number, `case ${i}`);
        const label = `case ${i}: ${shape}, owner ${owner}, stages ${stages.join(" → ")}, final ${category.finalReviewer}`;
        const submittedOrError = await submitProposal(await as("editor"), draft.id).catch((e) => e as Error & { code?: string; said?: { key: string }[] });
        if (submittedOrError instanceof Error) {
          expect(submittedOrError.code, label).toBe("conflict");
          expect(submittedOrError.said?.[0].key, label).toBe("revisions.route.submitRefused");
          expect(submittedOrError.said?.some((s) => s.key.startsWith("revisions.route.fix")), label).toBe(true);
          expect(getProposal(draft.id).status, label).toBe("draft");
          refused++;
          continue;
        }
        for (let step = 0; step < stages.length; step++) {
          const p = getProposal(draft.id);
          expect(p.status, label).toBe("in-review");
          const approvers = currentApprovers(p);
          expect(approvers.length, `${label}: stage ${step + 1} has nobody`).toBeGreaterThan(0);
          const who = pick(approvers);
          await decideProposal(await as(who.username), draft.id, { decision: "approve", password: PASSWORD });
        }
        expect(getProposal(draft.id).status, label).toBe("published");
        published++;
      }
    } finally {
      config.approval.major = savedMajor;
      category.finalReviewer = savedFinal;
      await setPeople((d) => {
        d.users = structuredClone(baseline.users);
        d.departments = structuredClone(baseline.departments);
      });
    }
    // The walk covers both outcomes.
    expect(refused).toBeGreaterThan(0);
    expect(published).toBeGreaterThan(0);
  }, 300_000);
});

describe("acknowledgements and canonical sets", () => {
  it("accepts an acknowledgement only for an opened version, and marks the change notification read", async () => {
    const { acknowledge, recordOpened } = await import("~/notifications/acknowledgements.server");
    const { createNotifications, listNotifications } = await import("~/notifications/notifications.server");
    const doc = await publishDoc({ title: "安全须知", body: "# 安全须知\n\n进入车间须戴安全帽。\n" });
    const staff = await as("staff");
    await createNotifications([{ userId: staff.id, kind: "document.published", group: "changes", digest: false, key: `test-${doc.number}`, number: doc.number, version: 1, change: "major" } as never]);
    const error = await acknowledge(staff, doc.number, 1).catch((e) => e);
    expect(error.code).toBe("conflict");
    expect(error.said[0]).toMatchObject({ key: "ack.notOpened", vars: { number: doc.number, version: 1 } });
    await recordOpened(staff.id, doc.number, 1);
    expect((await acknowledge(staff, doc.number, 1)).version).toBe(1);
    const unread = listNotifications(staff.id, { unreadOnly: true, limit: 1000 }).items.filter((n) => n.number === doc.number);
    expect(unread).toEqual([]);
  });

  it("a reordered audience is stored in one order and is not a change", async () => {
    const { createProposal, submitProposal, readProposalText } = await P();
    const { publishVersion } = await import("~/documents/documents.server");
    const doc = await publishDoc({ title: "采购付款流程", body: "# 采购付款流程\n\n正文。\n" });
    // An existing file with the audience in another order (as written before this rule).
    const v2 = await publishVersion({
      number: doc.number,
      meta: { ...doc.meta, audienceDepartments: ["ops", "proc", "fin"] },
      body: "# 采购付款流程\n\n正文。\n",
      author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
      change: "minor",
      summary: "受众",
      approvedBy: ["approver"],
    });
    expect(v2.meta.audienceDepartments).toEqual(["fin", "ops", "proc"]);
    const draft = await createProposal(await as("editor"), {
      kind: "revision",
      number: doc.number,
      change: "minor",
      audienceDepartments: ["proc", "fin", "ops"],
      summary: "只调整顺序",
    });
    expect((await readProposalText(draft)).meta.audienceDepartments).toEqual(["fin", "ops", "proc"]);
    await expect(submitProposal(await as("editor"), draft.id)).rejects.toMatchObject({ fieldErrors: { body: "unchanged" } });
  });
});
