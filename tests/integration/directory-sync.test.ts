/**
 * Directory sync against a real OpenLDAP (slapd started by the test): a dry
 * run lists every change and writes nothing; applying creates departments,
 * heads and people (Chinese names and DNs included); a move revokes the
 * person's grants; leavers lose sessions, API tokens and grants at once, the
 * approvals waiting on them go to someone else and what they wrote is flagged;
 * a sync that would disable too many stops and asks; a directory that goes
 * away mid-sync leaves everything as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_DN, PEOPLE_PASSWORD, startSlapd, type Slapd } from "../helpers/slapd";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { proposals } from "../helpers/proposals";

let slapd: Slapd;
let world: World;

const person = (uid: string, cn: string, dept: string) =>
  [`dn: uid=${uid},ou=people,${BASE_DN}`, "objectClass: inetOrgPerson", `uid: ${uid}`, `cn: ${cn}`, "sn: X", `mail: ${uid}@example.com`, `departmentNumber: ${dept}`, "userPassword: x-secret-1", ""].join("\n");

beforeAll(async () => {
  slapd = await startSlapd();
  // A directory person with the name of a local demo account, and one whose name is far too long.
  await slapd.add(person("staff", "目录里的 staff", "ldap-qa") + "\n" + person("long.name", "名".repeat(1500), "ldap-rd"));
  world = await createWorld();
  await useWorldInProcess(world, slapd.env({ LDAP_SYNC_MAX_DISABLE_PERCENT: "25" }));
});

afterAll(async () => {
  await slapd?.stop();
  await world?.cleanup();
});

async function sync() {
  return import("~/directory/sync.server");
}
async function db() {
  return (await import("~/data/db.server")).readDb();
}
async function user(username: string) {
  const { getUserByUsername } = await import("~/org/users.server");
  return getUserByUsername(username);
}
async function audit(action: string) {
  const { readAuditEntries } = await import("~/audit/audit.server");
  return readAuditEntries().filter((e) => e.action === action);
}
async function dryRun() {
  const { startDryRun } = await sync();
  return (await startDryRun("admin")).finished;
}
async function apply(dryRunId: string, confirm = false) {
  const { startApply } = await sync();
  return (await startApply("admin", dryRunId, confirm)).finished;
}

describe("directory sync", () => {
  it("a dry run lists every change, skips what it cannot use, and writes nothing", async () => {
    const before = JSON.stringify((await db()).users);
    const run = await dryRun();
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("planned");
    const changes = run.plan!.changes;
    const created = changes.filter((c) => c.kind === "user.create").map((c) => (c as { username: string }).username);
    expect(created.sort()).toEqual(["chen.jing", "feng.lei", "he.xin", "lin.na", "qian.li", "tom.baker", "wang.fang", "wu.hao", "zheng.yi", "zhou.min"]);
    const depts = changes.filter((c) => c.kind === "department.create") as { departmentId: string; nameZh: string; nameEn: string }[];
    expect(depts.map((d) => d.nameZh).sort()).toEqual(["研发中心", "财务部", "质量保证部"].sort());
    // The department whose directory id is Chinese gets a stable ASCII id.
    expect(depts.find((d) => d.nameZh === "财务部")!.departmentId).toMatch(/^d-[a-z0-9]{7}$/);
    const skips = changes.filter((c) => c.kind === "skip") as { username: string; reason: string }[];
    expect(skips).toContainEqual(expect.objectContaining({ username: "staff", reason: "username-taken-local" }));
    expect(skips).toContainEqual(expect.objectContaining({ username: "long.name", reason: "too-long:cn" }));
    const heads = changes.filter((c) => c.kind === "department.head") as { departmentId: string; toUsername?: string }[];
    expect(heads.find((h) => h.departmentId === "ldap-qa")?.toUsername).toBe("zhou.min"); // department entry's manager
    expect(heads.find((h) => h.departmentId === "ldap-rd")?.toUsername).toBe("chen.jing"); // head group
    expect(JSON.stringify((await db()).users)).toBe(before);
    expect(await audit("directory.sync.dry-run")).toHaveLength(1);
  });

  it("applying the dry run creates departments, heads and people with their directory identity", async () => {
    const dry = await dryRun();
    const run = await apply(dry.id);
    expect(run.status).toBe("applied");
    const wang = (await user("wang.fang"))!;
    expect(wang.name).toBe("王芳");
    expect(wang.identity).toEqual({ source: "ldap", provider: "ldap", subject: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(Object.keys(wang.identity!).sort()).toEqual(["provider", "source", "subject"]);
    expect(wang.roles).toEqual(["staff", "editor"]);
    expect((await user("qian.li"))!.roles).toContain("admin");
    const zhou = (await user("zhou.min"))!;
    expect(zhou.roles).toContain("approver");
    const data = await db();
    expect(data.departments.find((d) => d.id === "ldap-qa")).toMatchObject({ name: { "zh-CN": "质量保证部", en: "Quality Assurance" }, headUserId: zhou.id });
    // The local demo account with the same name is untouched and has no directory identity.
    const local = (await user("staff"))!;
    expect(local.identity).toBeUndefined();
    expect(local.name).not.toBe("目录里的 staff");
    expect((await audit("directory.user.create")).length).toBe(10);
    expect((await audit("directory.skip")).map((e) => e.object)).toEqual(expect.arrayContaining(["user:staff", "user:long.name"]));
    // Nothing left to do: a second dry run is empty apart from the skipped entries.
    const again = await dryRun();
    expect(again.plan!.changes.filter((c) => c.kind !== "skip")).toEqual([]);
  });

  it("a person moved to another department loses the grants decided for the old one", async () => {
    const { updateDb } = await import("~/data/db.server");
    const { activeGrant } = await import("~/access/policy.server");
    const feng = (await user("feng.lei"))!;
    await updateDb((d) => {
      const grants = ((d as unknown as Record<string, unknown>).grants ??= []) as unknown[];
      grants.push({ id: "g-move-1", userId: feng.id, number: "EXE-001", sections: "all", history: false, kind: "request", createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    });
    expect(activeGrant(feng.id, "EXE-001")).toBeDefined();
    await slapd.modify(`dn: uid=feng.lei,ou=people,${BASE_DN}\nchangetype: modify\nreplace: departmentNumber\ndepartmentNumber: ldap-qa\n`);
    const dry = await dryRun();
    const move = dry.plan!.changes.find((c) => c.kind === "user.move");
    expect(move).toMatchObject({ username: "feng.lei", from: "ldap-rd", to: "ldap-qa", grantIds: ["g-move-1"] });
    expect((await apply(dry.id)).status).toBe("applied");
    expect((await user("feng.lei"))!.departmentId).toBe("ldap-qa");
    expect(activeGrant(feng.id, "EXE-001")).toBeUndefined();
    const revoke = (await audit("access.revoke")).find((e) => (e.details as { grant?: string }).grant === "g-move-1");
    expect(revoke?.details).toMatchObject({ reason: expect.stringContaining("moved from ldap-rd to ldap-qa") });
    expect((await audit("directory.user.move")).at(-1)?.object).toBe("user:feng.lei");
  });

  it("a dry run no longer matching the directory is not applied", async () => {
    const dry = await dryRun();
    await slapd.modify(`dn: uid=he.xin,ou=people,${BASE_DN}\nchangetype: modify\nreplace: cn\ncn: 何欣然\n`);
    const run = await apply(dry.id);
    expect(run.status).toBe("changed");
    expect((await user("he.xin"))!.name).toBe("何欣");
    expect(run.plan!.changes).toContainEqual(expect.objectContaining({ kind: "user.update", username: "he.xin" }));
  });

  it("the directory going away mid-sync applies nothing, and the run says so", async () => {
    const { startApply } = await sync();
    const dry = await dryRun();
    expect(dry.plan!.changes.some((c) => c.kind === "user.update")).toBe(true);
    const { finished } = await startApply("admin", dry.id, false, {
      afterStep: async (step) => {
        if (step === "departments") await slapd.kill();
      },
    });
    const run = await finished;
    expect(run.status).toBe("failed");
    expect(run.error?.key).toBe("directory.err.unreachable");
    expect((await user("he.xin"))!.name).toBe("何欣");
    expect((await audit("directory.sync")).at(-1)).toMatchObject({ outcome: "failed" });
    await slapd.restart();
    const again = await dryRun();
    expect((await apply(again.id)).status).toBe("applied");
    expect((await user("he.xin"))!.name).toBe("何欣然");
  });

  it("an approval signature by a directory account is checked by the directory, and the method is recorded", async () => {
    const { createProposal, submitProposal, decideProposal, currentApprovers, getProposal } = await proposals();
    const wang = (await user("wang.fang"))!;
    const chen = (await user("chen.jing"))!;
    expect(chen.passwordHash).toBe("!directory");
    const p = await createProposal(
      { ...wang, via: "cookie" },
      { kind: "new", category: "EXE", type: "manual", title: "研发评审规程", ownerDepartment: "ldap-rd", confidentiality: "internal", audienceDepartments: [], body: "# 评审\n\n每月一次。\n", summary: "新增研发评审规程" },
    );
    const submitted = await submitProposal({ ...wang, via: "cookie" }, p.id);
    expect(currentApprovers(submitted).map((u) => u.username)).toContain("chen.jing");
    await expect(decideProposal({ ...chen, via: "cookie" }, p.id, { decision: "approve", password: "not-it" })).rejects.toMatchObject({ key: "revisions.err.wrongPassword" });
    const outcome = await decideProposal({ ...chen, via: "cookie" }, p.id, { decision: "approve", password: PEOPLE_PASSWORD });
    expect(outcome.result).toBe("next-stage");
    const signed = getProposal(p.id).decisions.find((d) => d.decision === "approved")!;
    expect(signed).toMatchObject({ signed: true, signedWith: "ldap-bind", by: expect.objectContaining({ username: "chen.jing" }) });
    const entries = await audit("proposal.approve");
    expect(entries.filter((e) => e.outcome === "failed").at(-1)?.details).toMatchObject({ method: "ldap-bind" });
    expect(entries.filter((e) => e.outcome === "ok").at(-1)?.details).toMatchObject({ signedWith: "ldap-bind" });
  });

  it("leavers lose sessions, tokens and grants at once; approvals waiting on them move on; what they wrote is flagged", async () => {
    const { updateDb } = await import("~/data/db.server");
    const { createApiToken, getUser } = await import("~/access/session.server");
    const { createProposal, submitProposal, currentApprovers } = await proposals();
    const wu = (await user("wu.hao"))!;
    const zhou = (await user("zhou.min"))!;
    const { token } = await createApiToken(wu.id, "ci");
    await updateDb((d) => {
      d.sessions.push({ id: "s-wu", userId: wu.id, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3600_000).toISOString() });
      ((d as unknown as Record<string, unknown[]>).grants ??= []).push({ id: "g-wu", userId: wu.id, number: "EXE-001", sections: "all", history: false, kind: "request", createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    });
    const bearer = () => getUser(new Request("http://portal/api/v1/documents", { headers: { Authorization: `Bearer ${token}` } }));
    expect((await bearer())?.username).toBe("wu.hao");
    const proposal = await createProposal(
      { ...wu, via: "cookie" },
      { kind: "new", category: "EXE", type: "manual", title: "质量巡检流程", ownerDepartment: "ldap-qa", confidentiality: "internal", audienceDepartments: [], body: "# 质量巡检\n\n每周一次。\n", summary: "新增质量巡检流程" },
    );
    const submitted = await submitProposal({ ...wu, via: "cookie" }, proposal.id);
    expect(currentApprovers(submitted).map((u) => u.username)).toEqual(["zhou.min"]);

    await slapd.remove(`uid=wu.hao,ou=people,${BASE_DN}`, `uid=zhou.min,ou=people,${BASE_DN}`);
    const dry = await dryRun();
    const leaving = dry.plan!.changes.filter((c) => c.kind === "user.deprovision");
    expect(leaving).toEqual(
      expect.arrayContaining([expect.objectContaining({ username: "wu.hao", sessions: 1, tokens: 1, grantIds: ["g-wu"] }), expect.objectContaining({ username: "zhou.min" })]),
    );
    expect(dry.plan!.needsConfirmation).toBe(false);
    const run = await apply(dry.id);
    expect(run.status).toBe("applied");

    const data = await db();
    expect(data.users.find((u) => u.id === wu.id)!.active).toBe(false);
    expect(data.sessions.some((s) => s.userId === wu.id)).toBe(false);
    expect(data.apiTokens.some((t) => t.userId === wu.id)).toBe(false);
    expect(await bearer()).toBeNull();
    const { activeGrant } = await import("~/access/policy.server");
    expect(activeGrant(wu.id, "EXE-001")).toBeUndefined();
    expect(data.departments.find((d) => d.id === "ldap-qa")!.headUserId).toBeUndefined();
    // The approval that waited on the head who left now waits on someone active (never stranded).
    const { getProposal, strandedProposals } = await import("~/revisions/proposals.server");
    const after = currentApprovers(getProposal(proposal.id));
    expect(after.length).toBeGreaterThan(0);
    expect(after.map((u) => u.id)).not.toContain(zhou.id);
    expect(strandedProposals().map((s) => s.proposal.id)).not.toContain(proposal.id);
    expect(run.rerouted).toContainEqual(expect.objectContaining({ proposal: proposal.id, to: after.map((u) => u.username) }));
    expect((await audit("directory.reroute")).at(-1)).toMatchObject({ object: submitted.number, details: expect.objectContaining({ from: "zhou.min" }) });
    // What the leaver wrote is flagged to the admins.
    const { openFlags } = await sync();
    expect(openFlags()).toContainEqual(expect.objectContaining({ username: "wu.hao", proposals: [proposal.id] }));
    expect((await audit("directory.user.deprovision")).map((e) => e.object)).toEqual(expect.arrayContaining(["user:wu.hao", "user:zhou.min"]));
  });

  it("a sync that would disable more than the configured share stops and asks; confirmed, it applies", async () => {
    await slapd.remove(...["he.xin", "tom.baker", "zheng.yi", "lin.na"].map((u) => `uid=${u},ou=people,${BASE_DN}`));
    const dry = await dryRun();
    expect(dry.status).toBe("needs-confirmation");
    expect(dry.plan!.disabling).toBe(4);
    expect(dry.plan!.disablePercent).toBeGreaterThan(25);
    const refused = await apply(dry.id, false);
    expect(refused.status).toBe("needs-confirmation");
    expect((await user("tom.baker"))!.active).toBe(true);
    expect((await audit("directory.sync")).at(-1)).toMatchObject({ outcome: "denied", details: expect.objectContaining({ reason: "disable-limit" }) });
    const dry2 = await dryRun();
    const confirmed = await apply(dry2.id, true);
    expect(confirmed.status).toBe("applied");
    expect((await user("tom.baker"))!.active).toBe(false);
  });

  it("someone back in the directory is reactivated", async () => {
    await slapd.add(person("tom.baker", "Tom Baker", "ldap-rd"));
    const dry = await dryRun();
    expect(dry.plan!.changes).toContainEqual(expect.objectContaining({ kind: "user.reactivate", username: "tom.baker" }));
  });
});
