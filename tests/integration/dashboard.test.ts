/**
 * The compliance dashboard: records are made through each domain's own
 * functions (documents, reviews, proposals with a late decision,
 * acknowledgements, access requests and emergency access, suggestions), then
 * the test counts the stored records itself — the version index, the lowdb
 * collections, the acknowledgement log — and checks that the figures on the
 * page, in the SVG charts and in the CSV agree with those counts, that every
 * figure links to a list that answers, and that department heads see their
 * own department.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import type { DocumentMeta } from "~/documents/front-matter";
import { proposals } from "../helpers/proposals";

let world: World;
let server: RunningServer;
let browser: Browser;
const doc: Record<string, string> = {};
const DAY = 86400_000;

function isoDay(offsetDays: number) {
  return new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
}

async function user(username: string) {
  const { getUserByUsername } = await import("~/org/users.server");
  const u = getUserByUsername(username);
  if (!u) throw new Error(`no user ${username}`);
  return { ...u, via: "cookie" as const };
}

async function publishDoc(input: { category: string; title: string; ownerDepartment: string; confidentiality?: DocumentMeta["confidentiality"]; nextReviewDate?: string }) {
  const { allocateNumber } = await import("~/documents/numbering.server");
  const { allNumbers } = await import("~/documents/version-index.server");
  const { publishVersion } = await import("~/documents/documents.server");
  const number = await allocateNumber(input.category, allNumbers(), "editor", "dashboard test");
  await publishVersion({
    number,
    meta: {
      number,
      title: input.title,
      category: input.category,
      type: "manual",
      ownerDepartment: input.ownerDepartment,
      confidentiality: input.confidentiality ?? "internal",
      audienceDepartments: [],
      nextReviewDate: input.nextReviewDate,
      retired: false,
    },
    body: `## ${input.title}\n\nText of ${input.title}.`,
    author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
    change: "new",
    summary: "First publication",
  });
  return number;
}

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  const { setClockOffset } = await import("~/utils/clock.server");
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");

  // Documents and review dates.
  doc.manual = await publishDoc({ category: "EXE", title: "Line clearance manual", ownerDepartment: "ops", nextReviewDate: isoDay(-20) });
  doc.policy = await publishDoc({ category: "APR", title: "Overtime approval policy", ownerDepartment: "ops", nextReviewDate: isoDay(10) });
  doc.audit = await publishDoc({ category: "MON", title: "Ledger audit report", ownerDepartment: "fin", confidentiality: "restricted" });
  doc.guide = await publishDoc({ category: "EXE", title: "Changeover guide", ownerDepartment: "ops" });
  doc.record = await publishDoc({ category: "ACC", title: "Warehouse acceptance record", ownerDepartment: "qa", nextReviewDate: isoDay(-3) });
  const rec = latestVersion(doc.record)!;
  const { meta, body } = await readVersionContent(rec);
  await publishVersion({ number: doc.record, meta, body, author: { username: "editor", name: "王编辑", email: "editor@regula.example" }, change: "retire", summary: "Retired", expectedVersion: 1 });

  // Acknowledgements: one acknowledged, one pending, one overdue.
  const acks = await import("~/notifications/acknowledgements.server");
  const staff = await user("staff");
  await acks.requireAcknowledgement({ userIds: [staff.id, (await user("newhire")).id], number: doc.manual, version: 1, dueDate: isoDay(14), reason: "major-change" });
  await acks.recordOpened(staff.id, doc.manual, 1); // only an opened version can be acknowledged
  await acks.acknowledge(staff, doc.manual, 1);
  await acks.requireAcknowledgement({ userIds: [(await user("itstaff")).id], number: doc.policy, version: 1, dueDate: isoDay(-2), reason: "major-change" });

  // Access requests: pending, approved, rejected; one emergency access not ratified.
  const access = await import("~/access/requests.server");
  const emergency = await import("~/access/emergency.server");
  await access.submitAccessRequest(staff, { number: doc.audit, purpose: "Reconcile the overtime ledger for March", days: 7 });
  const approved = await access.submitAccessRequest(await user("itstaff"), { number: doc.audit, purpose: "Migrate the ledger to the new system", days: 7 });
  const finhead = await user("finhead");
  await access.decideRequest(finhead, approved.id, { decision: "approve", days: 7 });
  const rejected = await access.submitAccessRequest(await user("editor"), { number: doc.audit, purpose: "Curious about the audit results", days: 3 });
  await access.decideRequest(finhead, rejected.id, { decision: "reject", reason: "Not needed for your work" });
  await emergency.takeEmergencyAccess(await user("hrhead"), {
    number: doc.audit,
    justification: "Payroll dispute hearing this afternoon needs the audit findings",
    days: 3,
    confirm: "yes",
  });

  // Suggestions: one open, one declined, one accepted (becomes a proposal).
  const sugg = await import("~/revisions/suggestions.server");
  const editor = await user("editor");
  await sugg.createSuggestion(staff, doc.manual, "Add the line clearance photo step");
  const s2 = await sugg.createSuggestion(staff, doc.manual, "Use the new checklist form");
  const s3 = await sugg.createSuggestion(await user("newhire"), doc.guide, "Name who signs the changeover sheet");
  await sugg.declineSuggestion(editor, s2.id, "The form is not approved yet");
  await sugg.acceptSuggestion(editor, s3.id, "minor");

  // Proposals: one decided eight days after it was submitted (late), one waiting.
  const props = await proposals();
  const late = await props.createProposal(editor, { kind: "revision", number: doc.policy, change: "minor", body: "## Overtime\n\nWeekend overtime is approved by the head of department.", summary: "Weekend approvals" });
  await props.submitProposal(editor, late.id);
  setClockOffset(8 * DAY);
  try {
    await props.decideProposal(await user("approver"), late.id, { decision: "approve", password: "demo1234" });
  } finally {
    setClockOffset(0);
  }
  const waiting = await props.createProposal(editor, { kind: "revision", number: doc.manual, change: "minor", body: "## Line clearance\n\nPhotograph the cleared line.", summary: "Photo step" });
  await props.submitProposal(editor, waiting.id);

  server = await world.server();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

function signedIn(username: string) {
  return signIn(server.url, username);
}

function figuresIn(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/data-figure="([^"]+)" data-value="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

function csvRows(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split("\r\n")
    .map((line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"')));
}

/** The figures counted straight from the stored records, for the whole company or one department. */
async function countFromRecords(department?: string) {
  const { allLatest } = await import("~/documents/version-index.server");
  const { readDb, collection } = await import("~/data/db.server");
  const { getConfig } = await import("~/documents/config.server");
  const { today: companyToday } = await import("~/utils/clock.server");
  const today = companyToday();
  const nowIso = new Date().toISOString();
  const out: Record<string, number | null> = {};
  const latest = allLatest().filter((r) => !department || r.meta.ownerDepartment === department);
  for (const c of getConfig().categories) {
    out[`documents.byCategory.${c.code}.current`] = latest.filter((r) => r.meta.category === c.code && !r.meta.retired).length;
    out[`documents.byCategory.${c.code}.retired`] = latest.filter((r) => r.meta.category === c.code && r.meta.retired).length;
  }
  out["documents.current"] = latest.filter((r) => !r.meta.retired).length;
  out["documents.retired"] = latest.filter((r) => r.meta.retired).length;
  // Reviews (no review has been recorded in this world): the document's review date against today.
  const addMonths = (d: string, m: number) => {
    const x = new Date(`${d}T00:00:00Z`);
    x.setUTCMonth(x.getUTCMonth() + m);
    return x.toISOString().slice(0, 10);
  };
  const due = latest.filter((r) => !r.meta.retired).map((r) => r.meta.nextReviewDate ?? addMonths(r.date.slice(0, 10), getConfig().reviewIntervalMonths));
  const soon = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * DAY).toISOString().slice(0, 10);
  out["reviews.total"] = due.length;
  out["reviews.overdue"] = due.filter((d) => d < today).length;
  out["reviews.dueSoon"] = due.filter((d) => d >= today && d <= soon).length;
  // Proposals (owning department = the document's).
  const ownerOf = (n: string) => allLatest().find((r) => r.number === n)?.meta.ownerDepartment;
  type P = { number: string; status: string; stage?: { dueAt: string }; decisions: { decision: string; at: string; dueAt?: string; stageStartedAt?: string }[]; meta?: { ownerDepartment?: string } };
  const proposals = collection<P>("proposals").filter((p) => !department || (ownerOf(p.number) ?? p.meta?.ownerDepartment) === department);
  out["proposals.waiting"] = proposals.filter((p) => p.status === "in-review").length;
  out["proposals.overdue"] = proposals.filter((p) => p.status === "in-review" && p.stage && p.stage.dueAt < nowIso).length;
  const decisions = proposals.flatMap((p) => p.decisions).filter((d) => d.stageStartedAt && d.dueAt && ["approved", "rejected", "changes-requested"].includes(d.decision));
  out["proposals.serviceLevel.within.decisions"] = decisions.filter((d) => d.at <= d.dueAt!).length;
  out["proposals.serviceLevel.late.decisions"] = decisions.filter((d) => d.at > d.dueAt!).length;
  // Acknowledgements: the newest requirement per person and document, met by an acknowledgement of that version or later.
  const users = new Map(readDb().users.map((u) => [u.id, u]));
  const lines = fs
    .readFileSync(path.join(world.dataDir, "notifications", "acknowledgements.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { t: string; userId: string; users?: string[]; number: string; version: number; dueDate?: string })
    // Requirements made together for many people are stored as one "reqs" line.
    .flatMap((l) => (l.t === "reqs" ? l.users!.map((userId) => ({ ...l, t: "req", userId })) : [l]));
  const newest = new Map<string, (typeof lines)[number]>();
  for (const l of lines) if (l.t === "req") newest.set(`${l.userId}|${l.number}`, l);
  const retired = new Set(allLatest().filter((r) => r.meta.retired).map((r) => r.number));
  const ackRows = [...newest.values()]
    .filter((r) => users.get(r.userId)?.active && !retired.has(r.number))
    .filter((r) => !department || users.get(r.userId)!.departmentId === department)
    .map((r) => {
      const met = lines.some((l) => l.t === "ack" && l.userId === r.userId && l.number === r.number && l.version >= r.version);
      return { dept: users.get(r.userId)!.departmentId, status: met ? "acknowledged" : r.dueDate! < today ? "overdue" : "pending" };
    });
  out["acknowledgements.required"] = ackRows.length;
  out["acknowledgements.overdue"] = ackRows.filter((r) => r.status === "overdue").length;
  for (const d of new Set(ackRows.map((r) => r.dept))) {
    for (const s of ["acknowledged", "pending", "overdue"]) out[`acknowledgements.statusByDepartment.${d}.${s}`] = ackRows.filter((r) => r.dept === d && r.status === s).length;
  }
  // Access requests (by the document's owner department).
  type R = { kind: string; status: string; ownerDepartment: string; dueAt: string };
  const requests = collection<R>("accessRequests").filter((r) => !department || r.ownerDepartment === department);
  const ordinary = requests.filter((r) => r.kind === "request");
  out["access.submitted"] = ordinary.length;
  for (const s of ["pending", "approved", "rejected", "withdrawn"]) out[`access.status.${s}.requests`] = ordinary.filter((r) => r.status === s).length;
  out["access.pending"] = out["access.status.pending.requests"];
  out["emergency.awaiting"] = requests.filter((r) => r.kind === "emergency" && (r.status === "emergency" || r.status === "lapsed")).length;
  // Suggestions.
  type S = { status: string; ownerDepartment: string };
  const suggestions = collection<S>("suggestions").filter((s) => !department || s.ownerDepartment === department);
  out["suggestions.total"] = suggestions.length;
  out["suggestions.open"] = suggestions.filter((s) => s.status === "open").length;
  out["suggestions.accepted"] = suggestions.filter((s) => s.status === "accepted").length;
  return out;
}

describe("the compliance dashboard", () => {
  it("shows figures that agree with the stored records, on the page and in the charts", async () => {
    const expected = await countFromRecords();
    // The records made above are among them.
    expect(expected["documents.byCategory.ACC.retired"]).toBeGreaterThanOrEqual(1);
    expect(expected["proposals.serviceLevel.late.decisions"]).toBe(1);
    expect(expected["emergency.awaiting"]).toBe(1);
    expect(expected["acknowledgements.overdue"]).toBeGreaterThanOrEqual(1);
    const admin = await signedIn("admin");
    const res = await admin.get("/dashboard");
    expect(res.status).toBe(200);
    const shown = figuresIn(res.text_);
    for (const [id, value] of Object.entries(expected)) expect(shown[id], id).toBe(String(value));
    expect(res.text_).toContain("<svg");
    expect(res.text_).toContain("Documents per category and state");
    expect(res.text_).toContain("Decisions against the service level");
    expect(res.text_).toContain("Service level: a decision within 3 working days");
    expect(res.text_).toContain("Acknowledgement rate per department");
  });

  it("links every figure to a list that opens, and the lists hold as many rows as the figures say", async () => {
    const admin = await signedIn("admin");
    const html = (await admin.get("/dashboard")).text_;
    const hrefs = new Set([...html.matchAll(/<a [^>]*href="(\/[^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&")).filter((h) => /^\/(dashboard\/|categories|admin\/reviews|proposals|inbox|acknowledgements)/.test(h)));
    expect(hrefs.size).toBeGreaterThan(15);
    for (const href of hrefs) expect((await admin.get(href)).status, href).toBe(200);
    const figures = figuresIn(html);
    const rowsOf = async (p: string) => [...(await admin.get(p)).text_.matchAll(/<tr(?: class="tone-\w+")?><td>/g)].length;
    expect(await rowsOf("/dashboard/access?status=pending")).toBe(Number(figures["access.pending"]));
    expect(await rowsOf("/dashboard/access")).toBe(Number(figures["access.submitted"]));
    expect(await rowsOf("/dashboard/suggestions?status=open")).toBe(Number(figures["suggestions.open"]));
    expect(await rowsOf("/dashboard/approvals?sla=late")).toBe(Number(figures["proposals.serviceLevel.late.decisions"]));
    expect(await rowsOf("/dashboard/emergency")).toBe(Number(figures["emergency.awaiting"]));
    expect((await admin.get("/dashboard/nothing")).status).toBe(404);
  });

  it("exports the same figures as CSV", async () => {
    const admin = await signedIn("admin");
    const res = await admin.get("/dashboard.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="regula-dashboard-all-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = csvRows(res.text_);
    expect(rows[0]).toEqual(["section", "figure", "label", "series", "value", "unit", "link"]);
    const byId = Object.fromEntries(rows.slice(1).map((r) => [r[1], r]));
    const shown = figuresIn((await admin.get("/dashboard")).text_);
    for (const [id, value] of Object.entries(shown)) expect(byId[id]?.[4], id).toBe(value);
    expect(byId["reviews.overdue"][6]).toBe(`${server.url}/admin/reviews?show=overdue`);
    expect(byId[`documents.byCategory.EXE.current`][2]).toBe("EXE Execution");
  });

  it("shows a department head the figures of their own department only", async () => {
    const expected = await countFromRecords("ops");
    const head = await signedIn("approver");
    const res = await head.get("/dashboard?department=fin");
    expect(res.status).toBe(200);
    expect(res.text_).toContain("Department: Operations");
    const shown = figuresIn(res.text_);
    for (const [id, value] of Object.entries(expected)) expect(shown[id], id).toBe(String(value));
    expect(shown["access.submitted"]).toBe("0"); // the restricted audit report belongs to Finance
    const csv = csvRows((await head.get("/dashboard.csv")).text_);
    expect(csv.find((r) => r[1] === "documents.current")?.[4]).toBe(String(expected["documents.current"]));
    expect((await (await signedIn("staff")).get("/dashboard")).status).toBe(403);
    expect((await (await signedIn("staff")).get("/dashboard.csv")).status).toBe(403);
  });

  it("lets an administrator look at one department", async () => {
    const expected = await countFromRecords("fin");
    const admin = await signedIn("admin");
    const shown = figuresIn((await admin.get("/dashboard?department=fin")).text_);
    for (const [id, value] of Object.entries(expected)) expect(shown[id], id).toBe(String(value));
    expect(shown["access.submitted"]).toBe("3");
    expect(shown["emergency.awaiting"]).toBe("1");
  });

  it("draws the charts in Chromium, and a bar opens its list", async () => {
    const { page, context, consoleErrors } = await newPage(browser, { locale: "en-GB" });
    try {
      await context.addCookies([{ name: "regula_lang", value: "en", url: server.url }]);
      await loginInBrowser(page, server.url, "admin");
      await step(page, "dashboard-charts", async () => {
        await page.goto(`${server.url}/dashboard`);
        await page.waitForSelector('svg rect[data-figure="access.status.pending.requests"]');
        const box = await page.locator('rect[data-figure="access.status.pending.requests"]').boundingBox();
        expect(box!.width).toBeGreaterThan(10);
        await Promise.all([page.waitForURL(/\/dashboard\/access\?status=pending/), page.locator('a:has(rect[data-figure="access.status.pending.requests"])').click()]);
        await page.waitForSelector("text=Access requests");
      });
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
