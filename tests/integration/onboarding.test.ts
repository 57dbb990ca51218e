/**
 * Onboarding guides end to end against the built portal: an administrator
 * composes a guide, a new employee gets it automatically and reads through it
 * (acknowledging each current version), a major revision reopens a finished
 * step with what changed, restricted documents show number and title only,
 * managers see completion per person and department with overdue people,
 * editors are held to their own department, and the guide works in Chromium.
 * Documents are revised while the portal is stopped (the publisher is the
 * single writer), then the portal starts again on the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
let browser: Browser;
const doc: Record<string, string> = {};
let guideId = "";

const editorAuthor = { username: "editor", name: "王编辑", email: "editor@regula.example" };

/** Stops the portal, runs `fn` in this process on fresh copies of the data, starts the portal again. */
async function offline(fn: () => Promise<void>) {
  await server.stop();
  const db = await import("~/data/db.server");
  const index = await import("~/documents/version-index.server");
  const acks = await import("~/notifications/acknowledgements.server");
  db.resetDbForTests();
  index.resetVersionIndexForTests();
  acks.resetAcknowledgementsForTests();
  await db.loadDb();
  await index.loadVersionIndex();
  await fn();
  server = await world.server();
}

async function revise(number: string, change: "minor" | "major", body: string, summary: string) {
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const current = latestVersion(number)!;
  const { meta } = await readVersionContent(current);
  return publishVersion({
    number,
    meta: { ...meta, effectiveDate: undefined, nextReviewDate: undefined },
    body,
    author: editorAuthor,
    change,
    summary,
    approvedBy: ["approver"],
    expectedVersion: current.version,
  });
}

function signedIn(username: string) {
  return signIn(server.url, username);
}

function progressOf(html: string): string | undefined {
  return html.match(/(\d+ of \d+ read \(\d+%\))/)?.[1];
}

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  doc.safety = (await publishTestDoc({ title: "Workshop safety rules", body: "## Protective equipment\n\nWear safety glasses at all times." })).number;
  doc.shifts = (await publishTestDoc({ title: "Shift handover procedure", body: "## Handover\n\nWrite the handover note before leaving." })).number;
  doc.payroll = (
    await publishTestDoc({ category: "MON", type: "report", title: "Payroll audit findings", body: "Secret payroll details.", confidentiality: "restricted", ownerDepartment: "fin" })
  ).number;
  doc.qa = (await publishTestDoc({ title: "Sampling plan", body: "Take five samples per lot." })).number;
  const { createUser } = await import("~/org/users.server");
  const { today } = await import("~/utils/clock.server");
  // A second new employee in Operations and one in Quality, starting today.
  await createUser({ username: "lin", name: "林新员", email: "lin@regula.example", departmentId: "ops", roles: ["staff"], password: "demo1234", startDate: today() });
  await createUser({ username: "wu", name: "吴质检", email: "wu@regula.example", departmentId: "qa", roles: ["staff"], password: "demo1234", startDate: today() });
  server = await world.server();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

describe("composing a guide", () => {
  it("lets an administrator create a guide, add steps by number and refuses numbers that are not current documents", async () => {
    const admin = await signedIn("admin");
    const created = await admin.post("/onboarding/guides", {
      intent: "create",
      title: "Welcome to Operations",
      description: "Read these in order during your first two weeks.",
      roles: "staff",
      departmentIds: ["ops", "qa"],
      dueDays: "10",
      autoAssign: "on",
    });
    expect(created.status).toBe(302);
    const location = created.headers.get("location")!;
    guideId = location.split("/").pop()!;
    expect(location).toBe(`/onboarding/guides/${guideId}`);

    const step1 = await admin.post(location, { intent: "add-step", title: "Safety first", note: "Bring your glasses.", numbers: `${doc.safety}, ${doc.shifts.toLowerCase()}` });
    expect(step1.status).toBe(302);
    const step2 = await admin.post(location, { intent: "add-step", title: "Background", numbers: doc.payroll });
    expect(step2.status).toBe(302);
    const bad = await admin.post(location, { intent: "add-step", title: "Broken", numbers: `${doc.safety} EXE-987654 nonsense` });
    expect(bad.status).toBe(400);
    expect(bad.text_).toContain("Not current documents: EXE-987654, nonsense");

    const page = await admin.get(location);
    expect(page.status).toBe(200);
    expect(page.text_).toContain("Safety first");
    expect(page.text_).toContain(`value="${doc.safety}, ${doc.shifts}"`);
    expect(page.text_).not.toContain("Broken");
  });

  it("holds editors to guides for their own department and keeps readers out", async () => {
    const editor = await signedIn("editor");
    expect((await editor.get(`/onboarding/guides/${guideId}`)).status).toBe(403); // two departments: admins only
    const own = await editor.post("/onboarding/guides", { intent: "create", title: "Ops editors' picks", departmentIds: "fin", dueDays: "5" });
    expect(own.status).toBe(302);
    const page = await editor.get(own.headers.get("location")!);
    expect(page.status).toBe(200);
    expect(page.text_).toContain("People of Operations");
    const staff = await signedIn("staff");
    expect((await staff.get("/onboarding/guides")).status).toBe(403);
    const archive = await editor.post(own.headers.get("location")!, { intent: "archive" });
    expect(archive.status).toBe(302);
  });
});

describe("a new employee", () => {
  it("gets the guide automatically and sees it on the home page with progress, next document and due date", async () => {
    const c = await signedIn("lin");
    const home = await c.get("/");
    expect(home.text_).toContain("Your onboarding guide");
    expect(home.text_).toContain("Welcome to Operations");
    expect(progressOf(home.text_)).toBe("0 of 3 read (0%)");
    expect(home.text_).toMatch(new RegExp(`Read next \\(Safety first\\):[\\s\\S]*?href="/docs/${doc.safety}"`));
    expect(home.text_).toMatch(/Due \d{2}\/\d{2}\/\d{4}/);
    // Staff who started long ago do not get it.
    const staff = await signedIn("staff");
    expect((await staff.get("/onboarding")).text_).toContain("You have no onboarding guide");
  });

  it("shows restricted documents by number and title only, with a way to request access", async () => {
    const c = await signedIn("lin");
    const page = await c.get("/onboarding");
    expect(page.text_).toContain("Payroll audit findings");
    expect(page.text_).toContain(`/access/request?number=${doc.payroll}`);
    expect(page.text_).not.toContain("Secret payroll details");
    expect(page.text_).toContain("Needs access");
  });

  it("reads through the steps by acknowledging each current version", async () => {
    const c = await signedIn("lin");
    // Before reading: the document asks for a confirmation because of the guide, not because of a major change.
    const unread = await c.get(`/docs/${doc.safety}`);
    expect(unread.text_).toContain("This document is on your onboarding reading list. Please confirm you have read v1 by");
    expect(unread.text_).not.toContain("contains a major change");
    await c.get(`/docs/${doc.safety}`); // only an opened version can be acknowledged
    const ack = await c.post("/onboarding", { intent: "acknowledge", number: doc.safety, version: "1" });
    expect(ack.status).toBe(302);
    const after = await c.get(ack.headers.get("location")!);
    expect(after.text_).toContain(`Recorded: you have read ${doc.safety} v1.`);
    expect(progressOf(after.text_)).toBe("1 of 3 read (33%)");
    await c.get(`/docs/${doc.shifts}`);
    expect((await c.post("/onboarding", { intent: "acknowledge", number: doc.shifts, version: "1" })).status).toBe(302);
    const page = await c.get("/onboarding");
    expect(progressOf(page.text_)).toBe("2 of 3 read (67%)");
    expect(page.text_).toMatch(/Safety first(<!-- -->)?(<\/span>)?\s*<span class="badge ob-badge-done">Done<\/span>/);
    // The document page says it belongs to the guide.
    const docPage = await c.get(`/docs/${doc.safety}`);
    expect(docPage.text_).toContain("This document is in your onboarding guide “Welcome to Operations” (step 1 of 2).");
  });

  it("keeps a step done after a minor revision, and reopens it with what changed after a major one", async () => {
    await offline(async () => {
      await import("~/onboarding/boot.server");
      await revise(doc.safety, "minor", "## Protective equipment\n\nWear safety glasses at all times, please.", "Wording");
      await revise(doc.shifts, "major", "## Handover\n\nWrite the handover note and walk the floor together.", "Joint walk-through at handover");
      const { owedBy } = await import("~/notifications/acknowledgements.server");
      const { getUserByUsername } = await import("~/org/users.server");
      // The major revision asks the reader to acknowledge the new version.
      expect(owedBy(getUserByUsername("lin")!.id).map((o) => `${o.number} v${o.version} ${o.reason}`)).toContain(`${doc.shifts} v2 onboarding`);
    });
    const c = await signedIn("lin");
    const page = await c.get("/onboarding");
    expect(progressOf(page.text_)).toBe("1 of 3 read (33%)");
    expect(page.text_).toContain("Changed — read again");
    expect(page.text_).toContain("What changed since you read v1 (now v2):");
    expect(page.text_).toContain("v2: Joint walk-through at handover");
    expect(page.text_).toContain(`href="/docs/${doc.shifts}/diff?from=1&amp;to=2"`);
    expect(page.text_).toContain("I have read and understood v2");
    const home = await c.get("/");
    expect(home.text_).toMatch(new RegExp(`Read again \\(Safety first\\)[\\s\\S]*?href="/docs/${doc.shifts}"`));
    // Only the current version can be acknowledged.
    const stale = await c.post("/onboarding", { intent: "acknowledge", number: doc.shifts, version: "1" });
    expect(stale.status).toBe(409);
    await c.get(`/docs/${doc.shifts}`);
    expect((await c.post("/onboarding", { intent: "acknowledge", number: doc.shifts, version: "2" })).status).toBe(302);
    expect(progressOf((await c.get("/onboarding")).text_)).toBe("2 of 3 read (67%)");
  });
});

describe("completion for managers", () => {
  it("shows completion per person and department; department heads see their own people", async () => {
    const admin = await signedIn("admin");
    const all = await admin.get(`/onboarding/report?guide=${guideId}`);
    expect(all.status).toBe(200);
    expect(all.text_).toMatch(/data-user="lin"[\s\S]*?2\/3[\s\S]*?In progress/);
    expect(all.text_).toMatch(/data-user="wu"[\s\S]*?0\/3[\s\S]*?Not started/);
    expect(all.text_).toMatch(/data-user="newhire"/);
    expect(all.text_).toMatch(/data-department="ops"[\s\S]*?<td>2<\/td>/); // lin and newhire
    expect(all.text_).toMatch(/data-department="qa"[\s\S]*?<td>1<\/td>/);

    const head = await signedIn("approver"); // head of Operations
    const own = await head.get(`/onboarding/report?guide=${guideId}`);
    expect(own.text_).toContain('data-user="lin"');
    expect(own.text_).not.toContain('data-user="wu"');
    expect((await (await signedIn("staff")).get("/onboarding/report")).status).toBe(403);
  });

  it("lists overdue people once the due date has passed", async () => {
    const admin = await signedIn("admin");
    await fetch(`${server.url}/api/test-hooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advanceMs: 12 * 86400_000 }) });
    try {
      const overdue = await admin.get(`/onboarding/report?guide=${guideId}&overdue=1`);
      expect(overdue.text_).toContain("3 people · 0 completed · 3 overdue");
      expect(overdue.text_).toMatch(/class="is-overdue" data-user="lin"/);
      const lin = await signedIn("lin");
      expect((await lin.get("/onboarding")).text_).toMatch(/Overdue since \d{2}\/\d{2}\/\d{4}/);
    } finally {
      await fetch(`${server.url}/api/test-hooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ offsetMs: 0 }) });
    }
  });

  it("lets an administrator assign a guide by hand and remove it again", async () => {
    const admin = await signedIn("admin");
    const { getUserByUsername } = await import("~/org/users.server");
    const staffId = getUserByUsername("staff")!.id;
    const assigned = await admin.post(`/onboarding/guides/${guideId}`, { intent: "assign", userId: staffId });
    expect(assigned.status).toBe(302);
    const again = await admin.post(`/onboarding/guides/${guideId}`, { intent: "assign", userId: staffId });
    expect(again.status).toBe(409);
    const staff = await signedIn("staff");
    expect((await staff.get("/onboarding")).text_).toContain("Welcome to Operations");
    const report = await admin.get(`/onboarding/report?guide=${guideId}`);
    expect(report.text_).toContain('data-user="staff"');
    const editorPage = await admin.get(`/onboarding/guides/${guideId}`);
    const assignmentId = editorPage.text_.match(/\(staff\)[\s\S]*?name="assignmentId" value="([^"]+)"/)![1];
    expect((await admin.post(`/onboarding/guides/${guideId}`, { intent: "unassign", assignmentId })).status).toBe(302);
    expect((await admin.get(`/onboarding/report?guide=${guideId}`)).text_).not.toContain('data-user="staff"');
    expect((await staff.get("/onboarding")).text_).toContain("You have no onboarding guide");
  });
});

describe("in a browser", () => {
  it("a new employee follows the guide from the home page and confirms reading", async () => {
    const { page, context, consoleErrors } = await newPage(browser, { locale: "en-GB" });
    try {
      await context.addCookies([{ name: "regula_lang", value: "en", url: server.url }]);
      await loginInBrowser(page, server.url, "wu");
      await step(page, "onboarding-home", async () => {
        await page.goto(server.url + "/");
        await page.waitForSelector("text=Your onboarding guide");
        await page.click("text=Open your guide");
        await page.waitForURL(/\/onboarding/);
      });
      await step(page, "onboarding-ack", async () => {
        // Only an opened version can be acknowledged: read the document, then confirm from the guide.
        await page.goto(`${server.url}/docs/${doc.safety}`);
        await page.goto(`${server.url}/onboarding`);
        await page.click(`li[data-number="${doc.safety}"] button:has-text("I have read and understood v2")`);
        await page.waitForSelector(`text=Recorded: you have read ${doc.safety} v2.`);
        await page.waitForSelector("text=1 of 3 read (33%)");
      });
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
