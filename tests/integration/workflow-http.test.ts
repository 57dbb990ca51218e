/**
 * Workflow corrections over real HTTP against the built portal: the JSON API
 * names fields it does not take, "save and submit" creates nothing when it
 * cannot submit and says every reason in the reader's language, acknowledging
 * needs an opened version, the "current" badge only on the live version,
 * effective dates within the configured horizon, and the admin page lists a
 * stranded proposal with a working re-route form.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { as, publishDoc } from "./revisions-helpers";
import { proposals } from "../helpers/proposals";

let world: World;
let server: RunningServer;
const docs: Record<string, string> = {};
let strandedId = "";

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  for (const key of ["api", "submit", "ack", "badge", "date"]) docs[key] = (await publishDoc({ title: `点检规程 ${key}`, body: `# 点检规程 ${key}\n\n每班点检一次。\n` })).number;
  const { publishVersion } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const v1 = latestVersion(docs.badge)!;
  await publishVersion({
    number: docs.badge,
    meta: v1.meta,
    body: "# 点检规程 badge\n\n每班点检两次。\n",
    author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
    change: "minor",
    summary: "点检改为两次",
    approvedBy: ["approver"],
  });
  // A proposal stranded after submission: the second admin who was to give the final review leaves.
  const { updateDb, readDb } = await import("~/data/db.server");
  const admin = readDb().users.find((u) => u.username === "admin")!;
  await updateDb((d) => {
    d.departments.find((x) => x.id === "docctl")!.headUserId = admin.id;
    d.users.push({ ...structuredClone(admin), id: "u-admin2", username: "admin2", name: "admin2", email: "admin2@regula.example" });
  });
  const doc = await publishDoc({ title: "文控规定", body: "# 文控规定\n\n第一条。\n", ownerDepartment: "docctl" });
  const { createProposal, submitProposal } = await proposals();
  const p = await createProposal(await as("editor"), { kind: "revision", number: doc.number, change: "major", body: "# 文控规定\n\n第一条。\n\n第二条。\n", summary: "增加第二条" });
  await submitProposal(await as("editor"), p.id);
  await updateDb((d) => {
    d.users.find((u) => u.username === "admin2")!.active = false;
  });
  strandedId = p.id;
  server = await world.server({ REGULA_NO_SCHEDULER: "1", MAX_EFFECTIVE_DAYS: "400" });
});
afterAll(async () => world?.cleanup());

async function api(user: string, method: string, path: string, body?: unknown) {
  const c = await signIn(server.url, user);
  const res = await fetch(server.url + path, {
    method,
    headers: { Cookie: c.cookieHeader(), "X-CSRF-Token": c.csrf, "Content-Type": "application/json", Origin: server.url, Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string; fieldErrors?: Record<string, string> }; proposal?: { id: string } } };
}

describe("JSON API fields", () => {
  it("answers 400 naming a field the endpoint does not take or that does not apply", async () => {
    const created = await api("editor", "POST", "/api/v1/proposals", { kind: "revision", number: docs.api, change: "minor", body: "# x\n\ny\n", summary: "s" });
    expect(created.status).toBe(201);
    const id = created.body.proposal!.id;
    const owner = await api("editor", "POST", `/api/v1/proposals/${id}`, { ownerDepartment: "fin" });
    expect(owner.status).toBe(400);
    expect(owner.body.error?.fieldErrors).toHaveProperty("ownerDepartment");
    const unknown = await api("editor", "POST", `/api/v1/proposals/${id}`, { sumary: "typo" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.fieldErrors).toEqual({ sumary: "unknown field" });
    const onCreate = await api("editor", "POST", "/api/v1/proposals", { kind: "revision", number: docs.api, change: "minor", ownerDepartment: "fin" });
    expect(onCreate.status).toBe(400);
    expect(onCreate.body.error?.message).toContain("ownerDepartment");
    const approve = await api("approver", "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234", force: true });
    expect(approve.status).toBe(400);
    expect(approve.body.error?.fieldErrors).toHaveProperty("force");
    const access = await api("staff", "POST", "/api/v1/access/requests", { number: docs.api, purpose: "检查", scope: "all", urgent: true });
    expect(access.status).toBe(400);
    expect(access.body.error?.fieldErrors).toHaveProperty("urgent");
  });
});

describe("save and submit", () => {
  it("creates no numbered draft when it cannot submit, and says every reason in Chinese", async () => {
    const { listProposals } = await import("~/revisions/proposals.server");
    const editor = await signIn(server.url, "editor", { lang: "zh-CN" });
    await editor.get(`/docs/${docs.submit}/propose`);
    const countBefore = (await api("editor", "GET", "/api/v1/proposals")) as unknown as { body: { proposals: unknown[] } };
    const res = await editor.post(`/docs/${docs.submit}/propose`, { intent: "create-submit", change: "minor", summary: "", body: `# 点检规程 submit\n\n每班点检一次。\n` });
    expect(res.status).toBe(400);
    expect(res.text_).toContain("请在“变更摘要”中说明修改内容。");
    expect(res.text_).toContain("本申请尚未做任何修改");
    expect(res.text_).not.toContain("Describe the change");
    const countAfter = (await api("editor", "GET", "/api/v1/proposals")) as unknown as { body: { proposals: unknown[] } };
    expect(countAfter.body.proposals.length).toBe(countBefore.body.proposals.length);
    expect(listProposals).toBeTypeOf("function");
    const empty = await editor.post(`/docs/${docs.submit}/propose`, { intent: "create-submit", change: "minor", summary: "清空", body: "  " });
    expect(empty.status).toBe(400);
    expect(empty.text_).toContain("正文为空");
  });
});

describe("effective dates", () => {
  it("refuses a date beyond MAX_EFFECTIVE_DAYS with a clear message and warns for one more than a year away", async () => {
    const far = await api("editor", "POST", "/api/v1/proposals", { kind: "revision", number: docs.date, change: "minor", body: "# y\n\nz\n", summary: "s", effectiveDate: "9999-12-31" });
    expect(far.status).toBe(400);
    expect(far.body.error?.fieldErrors?.effectiveDate).toMatch(/too far ahead.*latest allowed date is \d{4}-\d{2}-\d{2} \(400 days/);
    const date = new Date(Date.now() + 390 * 86_400_000).toISOString().slice(0, 10);
    const ok = await api("editor", "POST", "/api/v1/proposals", { kind: "revision", number: docs.date, change: "minor", body: "# y\n\nz\n", summary: "s", effectiveDate: date });
    expect(ok.status).toBe(201);
    const editor = await signIn(server.url, "editor");
    const page = await editor.get(`/proposals/${ok.body.proposal!.id}`);
    expect(page.text_).toContain("far-date-warning");
    expect(page.text_).toContain("more than a year away");
  });
});

describe("acknowledgements", () => {
  it("refuses a confirmation for a version never opened, in the reader's language, and accepts it once opened", async () => {
    const staff = await signIn(server.url, "staff", { lang: "zh-CN" });
    await staff.get(`/docs/${docs.ack}/ack`);
    const refused = await staff.post(`/docs/${docs.ack}/ack`, { intent: "acknowledge", version: "1" });
    expect(refused.status).toBe(409);
    expect(refused.text_).toContain(`请先打开并阅读 ${docs.ack} 的 v1`);
    await staff.get(`/docs/${docs.ack}`);
    const ok = await staff.post(`/docs/${docs.ack}/ack`, { intent: "acknowledge", version: "1" });
    expect(ok.status).toBe(302);
  });
});

describe("current-version badge", () => {
  it("marks only the live version current: not old rows of recent changes, not a superseded version's page", async () => {
    const staff = await signIn(server.url, "staff");
    const home = await staff.get("/");
    const rows = home.text_.split("<tr").filter((r) => r.includes(`/docs/${docs.badge}"`));
    const v1 = rows.find((r) => /v<!-- -->1\b|>v1\b/.test(r))!;
    const v2 = rows.find((r) => /v<!-- -->2\b|>v2\b/.test(r))!;
    expect(v1).toBeTruthy();
    expect(v1).not.toContain("badge-current");
    expect(v1).toContain("badge-superseded");
    expect(v2).toContain("badge-current");
    const old = await staff.get(`/docs/${docs.badge}/v/1`);
    expect(old.text_).toContain("superseded-banner");
    expect(old.text_).not.toContain("badge-current");
    expect((await staff.get(`/docs/${docs.badge}`)).text_).toContain("badge-current");
  });
});

describe("stranded proposals", () => {
  it("appear on the admin page with a re-route form that gives the stage an approver", async () => {
    const admin = await signIn(server.url, "admin");
    const page = await admin.get("/admin");
    expect(page.text_).toContain('id="stranded"');
    expect(page.text_).toContain(strandedId);
    const bad = await admin.post("/admin", { intent: "reroute", id: strandedId, stage: "1", username: "editor" });
    expect(bad.status).toBe(400);
    const res = await admin.post("/admin", { intent: "reroute", id: strandedId, stage: "1", username: "qahead" });
    expect(res.status).toBe(302);
    expect((await admin.get("/admin")).text_).not.toContain('id="stranded"');
    const home = await admin.get("/");
    expect(home.text_).not.toContain("/admin#stranded");
  });
});
