/**
 * Notifications in one process against a real repository and real files:
 * who is told of a publication (once each), what a reader without access
 * learns (only that it changed), minor changes held for the digest, read
 * acknowledgements through a sequence of publications, periodic review, and
 * the delivery queue surviving a restart (a real local HTTP receiver).
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/server";
import { notificationsInProcess, publishDoc, reviseDoc, until, user } from "./notifications-fixtures";

const world = notificationsInProcess();

async function store() {
  return import("~/notifications/notifications.server");
}

async function notificationsFor(username: string, number?: string) {
  const { listNotifications } = await store();
  const u = await user(username);
  return listNotifications(u.id, { limit: 500 }).items.filter((n) => !number || n.number === number);
}

async function render(username: string, id: string, locale: "zh-CN" | "en" = "en") {
  const { renderNotification } = await import("~/notifications/messages.server");
  const { getNotification } = await store();
  const u = await user(username);
  return renderNotification(getNotification(u.id, id)!, u, locale);
}

async function advanceDays(days: number) {
  const { clockOffset, setClockOffset } = await import("~/utils/clock.server");
  setClockOffset(clockOffset() + days * 86400_000);
}

describe("who is told", () => {
  it("tells the owner and audience departments and watchers, once each, and not the publisher", async () => {
    const doc = await publishDoc({ title: "Forklift charging procedure", body: "Charge forklifts in bay 3.", ownerDepartment: "qa", audienceDepartments: ["hr"] });
    const n = doc.number;
    for (const name of ["qahead", "hrhead"]) expect((await notificationsFor(name, n)).map((x) => x.version), name).toEqual([1]);
    for (const name of ["editor", "staff", "itstaff", "finhead"]) expect(await notificationsFor(name, n), name).toEqual([]);

    const { watch } = await import("~/notifications/watches.server");
    await watch((await user("itstaff")).id, "document", n);
    await watch((await user("staff")).id, "category", "EXE");
    await watch((await user("qahead")).id, "document", n); // already told through the department: still one notification
    const v2 = await reviseDoc(n, "major", { summary: "Bay 3 closes; charge in bay 5" });

    for (const name of ["qahead", "hrhead", "itstaff", "staff"]) {
      const list = (await notificationsFor(name, n)).filter((x) => x.version === 2);
      expect(list, name).toHaveLength(1);
      expect(list[0]).toMatchObject({ kind: "document.published", change: "major", fromVersion: 1, group: "changes", digest: false });
    }
    expect(await notificationsFor("editor", n)).toEqual([]);

    // The same event delivered again (a retry, a replay) notifies nobody twice.
    const { emit } = await import("~/documents/events.server");
    const { versionsOf } = await import("~/documents/version-index.server");
    await emit("document.published", { record: v2, previous: versionsOf(n)[0], actor: "editor" });
    expect((await notificationsFor("itstaff", n)).filter((x) => x.version === 2)).toHaveLength(1);

    const mine = (await notificationsFor("itstaff", n))[0];
    const m = await render("itstaff", mine.id);
    expect(m.title).toBe(`${n} Forklift charging procedure: major change in v2`);
    expect(m.body).toContain("Bay 3 closes; charge in bay 5");
    expect(m.href).toBe(`/docs/${n}/diff?from=1&to=2`);
    const zh = await render("itstaff", mine.id, "zh-CN");
    expect(zh.title).toBe(`${n} Forklift charging procedure：v2 重大变更`);

    const { unwatch, watchesOf } = await import("~/notifications/watches.server");
    await unwatch((await user("itstaff")).id, "document", n);
    expect(watchesOf((await user("itstaff")).id)).toEqual([]);
    await reviseDoc(n, "major", { summary: "Third" });
    expect((await notificationsFor("itstaff", n)).some((x) => x.version === 3)).toBe(false);
  });

  it("tells a person who may not read the document only that it changed — in the store, the message, the diff link", async () => {
    const doc = await publishDoc({
      category: "MON",
      type: "report",
      title: "Warehouse shrinkage investigation",
      body: "Witness statements name the night shift. Codename wisteria.",
      confidentiality: "restricted",
      ownerDepartment: "fin",
      audienceDepartments: ["ops"],
    });
    await reviseDoc(doc.number, "major", { summary: "Adds the wisteria ledger findings", body: "Ledger shows wisteria transfers." });

    const [forStaff] = (await notificationsFor("staff", doc.number)).filter((x) => x.version === 2);
    const m = await render("staff", forStaff.id);
    expect(m).toMatchObject({ title: `${doc.number} Warehouse shrinkage investigation has changed`, body: "", href: `/docs/${doc.number}`, restricted: true });
    expect(JSON.stringify(m)).not.toMatch(/wisteria|ledger|diff/i);

    const [forHead] = (await notificationsFor("finhead", doc.number)).filter((x) => x.version === 2);
    const full = await render("finhead", forHead.id);
    expect(full.body).toContain("Adds the wisteria ledger findings");
    expect(full.href).toBe(`/docs/${doc.number}/diff?from=1&to=2`);

    // Nothing of the document's text is stored with notifications at all.
    const raw = fs.readFileSync(path.join(world().dataDir, "notifications", "notifications.jsonl"), "utf8");
    expect(raw).toContain(doc.number);
    expect(raw).not.toMatch(/wisteria|Witness|ledger findings/);

    // Only readers are asked to acknowledge the major change.
    const { owedBy } = await import("~/notifications/acknowledgements.server");
    expect(owedBy((await user("staff")).id).map((o) => o.number)).not.toContain(doc.number);
    expect(owedBy((await user("finhead")).id).map((o) => o.number)).toContain(doc.number);
  });

  it("sends tasks to the people they wait for, and decisions to the people who asked", async () => {
    const { emit } = await import("~/documents/events.server");
    const approver = await user("approver");
    const editor = await user("editor");
    await emit("approval.waiting", { kind: "proposal", id: "p-77", title: "Revise EXE-001 loading rules", approverIds: [approver.id], dueAt: "2030-01-03T10:00:00.000Z", link: "/proposals/p-77" });
    await emit("proposal.decided", { proposalId: "p-77", title: "Revise EXE-001 loading rules", authorId: editor.id, decision: "rejected", stage: "owner-head", byUserId: approver.id, reason: "Cite the new weight limits", link: "/proposals/p-77" });
    const [waiting] = await notificationsFor("approver");
    expect(await render("approver", waiting.id)).toMatchObject({ title: "Waiting for your approval: Revise EXE-001 loading rules", href: "/proposals/p-77" });
    const decided = (await notificationsFor("editor")).find((n) => n.kind === "proposal.decided")!;
    expect(await render("editor", decided.id)).toMatchObject({
      title: "Your proposal “Revise EXE-001 loading rules” was rejected",
      body: "Reason: Cite the new weight limits",
    });
    // Past its service level, the approvers and the admins hear of it.
    await emit("approval.overdue", { kind: "proposal", id: "p-77", title: "EXE-001 Loading rules", approverIds: [approver.id], dueAt: "2030-01-03T10:00:00.000Z", link: "/proposals/p-77" });
    const overdueMine = (await notificationsFor("approver")).find((n) => n.kind === "approval.overdue")!;
    expect((await render("approver", overdueMine.id)).title).toBe("Overdue for your approval: EXE-001 Loading rules");
    const overdueAdmin = (await notificationsFor("admin")).find((n) => n.kind === "approval.overdue")!;
    expect((await render("admin", overdueAdmin.id)).title).toBe("An approval is overdue: EXE-001 Loading rules");
    // A link from another domain must stay on this site.
    await emit("approval.waiting", { kind: "access-request", id: "r-1", title: "Access", approverIds: [approver.id], dueAt: "2030-01-03T10:00:00.000Z", link: "https://evil.example/phish" });
    const list = await notificationsFor("approver");
    expect((await render("approver", list[0].id)).href).toBe("/");
  });
});

describe("minor changes and the daily digest", () => {
  it("holds minor changes for the digest unless the person asked for them at once", async () => {
    const { savePreferences } = await import("~/notifications/preferences.server");
    const staff = await user("staff");
    await savePreferences(staff.id, { email: ["changes", "minor"], push: ["minor"], minorTiming: "immediate" });
    const doc = await publishDoc({ title: "Visitor badge rules", body: "Badges are returned at the gate." });
    await reviseDoc(doc.number, "minor", { summary: "Fix a typo" });
    const [forStaff] = (await notificationsFor("staff", doc.number)).filter((x) => x.version === 2);
    const [forApprover] = (await notificationsFor("approver", doc.number)).filter((x) => x.version === 2);
    expect(forStaff).toMatchObject({ group: "minor", digest: false });
    expect(forApprover).toMatchObject({ group: "minor", digest: true });

    // A push subscription for the approver makes the digest go somewhere.
    const { subscribePush } = await import("~/notifications/webpush.server");
    const { createECDH, randomBytes } = await import("node:crypto");
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const approver = await user("approver");
    const { savePreferences: save } = await import("~/notifications/preferences.server");
    await save(approver.id, { email: ["changes"], push: ["changes", "minor"], minorTiming: "digest" });
    await subscribePush(approver.id, { endpoint: "https://push.invalid/send/abc", keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") } }, "test");

    const { runDigest } = await import("~/notifications/digest.server");
    const { pendingDigest } = await store();
    expect(pendingDigest().get(approver.id)?.map((r) => r.id)).toContain(forApprover.id);
    const { listDeliveries } = await import("~/notifications/outbox.server");
    const before = listDeliveries({ channel: "webpush" }).length;
    expect((await runDigest({ force: true })).sent).toBeGreaterThanOrEqual(1);
    const digests = listDeliveries({ channel: "webpush" }).filter((e) => e.digest);
    expect(digests.length).toBe(listDeliveries({ channel: "webpush" }).length - before);
    expect(digests.some((e) => e.userId === approver.id && e.notificationIds!.includes(forApprover.id))).toBe(true);
    expect(pendingDigest().get(approver.id)).toBeUndefined();
    // Once a day: a second run the same day does nothing.
    expect((await runDigest()).due).toBe(false);
  });
});

describe("acknowledgements through a sequence of publications", () => {
  it("binds each acknowledgement to a version and reports who has read what", async () => {
    const ack = await import("~/notifications/acknowledgements.server");
    const { ConflictError } = await import("~/utils/errors.server");
    const doc = await publishDoc({ title: "Cold store entry rules", body: "Two people enter together.", ownerDepartment: "ops", audienceDepartments: ["qa"] });
    const n = doc.number;
    const [staff, newhire, approver, qahead, itstaff] = await Promise.all(["staff", "newhire", "approver", "qahead", "itstaff"].map(user));
    expect(ack.acknowledgementReport({ number: n })).toEqual([]); // a new document asks nothing

    await reviseDoc(n, "major", { summary: "Oxygen meter is now required" }); // v2
    const rows = () => ack.acknowledgementReport({ number: n }).map((r) => `${r.username}:${r.status}:${r.requiredVersion}`).sort();
    expect(rows()).toEqual(["approver:pending:2", "newhire:pending:2", "qahead:pending:2", "staff:pending:2"]);
    // The notification says when the confirmation is due.
    const [note] = (await notificationsFor("staff", n)).filter((x) => x.version === 2);
    expect((await render("staff", note.id)).body).toMatch(/Please confirm you have read v2 by/);

    await expect(ack.acknowledge(staff, n, 1)).rejects.toBeInstanceOf(ConflictError);
    await ack.recordOpened(staff.id, n, 2); // only an opened version can be acknowledged
    await ack.acknowledge(staff, n, 2);
    const { readAuditEntries } = await import("~/audit/audit.server");
    const entry = readAuditEntries().find((e) => e.action === "document.acknowledge" && e.object === n && e.actor === "staff");
    expect(entry?.details).toMatchObject({ version: 2, statement: "I have read and understood v2" });
    expect((await render("staff", note.id)).body).not.toMatch(/Please confirm/); // done: the message stops asking
    await ack.recordOpened(itstaff.id, n, 2);
    await expect(ack.acknowledge(itstaff, n, 2)).resolves.toMatchObject({ version: 2 }); // anyone who can read may record it

    await reviseDoc(n, "minor", { summary: "Typo" }); // v3: no new requirement
    await ack.recordOpened(newhire.id, n, 3);
    await ack.acknowledge(newhire, n, 3); // meets the v2 requirement
    expect(ack.hasAcknowledged(newhire.id, n, 2)).toBe(false);
    expect(ack.hasAcknowledged(newhire.id, n, 3)).toBe(true);
    expect(ack.lastAcknowledgedVersion(staff.id, n)).toBe(2);
    expect(rows()).toEqual(["approver:pending:2", "newhire:acknowledged:2", "qahead:pending:2", "staff:acknowledged:2"]);

    await reviseDoc(n, "major", { summary: "Entry log moves to the tablet" }); // v4: everyone again
    expect(rows()).toEqual(["approver:pending:4", "newhire:pending:4", "qahead:pending:4", "staff:pending:4"]);
    await ack.recordOpened(qahead.id, n, 4);
    await ack.acknowledge(qahead, n, 4);
    await advanceDays(15);
    expect(rows()).toEqual(["approver:overdue:4", "newhire:overdue:4", "qahead:acknowledged:4", "staff:overdue:4"]);
    expect(ack.owedBy(staff.id).find((o) => o.number === n)).toMatchObject({ version: 4, requiredVersion: 4, overdue: true, reason: "major-change" });
    const ops = ack.acknowledgementRates().find((r) => r.departmentId === "ops")!;
    const qa = ack.acknowledgementRates().find((r) => r.departmentId === "qa")!;
    expect(qa.acknowledged).toBeGreaterThanOrEqual(1);
    expect(ops.overdue).toBeGreaterThanOrEqual(3);

    // The document page tells staff what changed since v2 and offers the v4 confirmation.
    const { noticesFor } = await import("~/reading/notices.server");
    await import("~/notifications/boot.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const notices = await noticesFor({ ...staff, via: "cookie" }, latestVersion(n)!);
    expect(notices.find((x) => x.key === "ack.notice.since")).toMatchObject({ href: `/docs/${n}/diff?from=2&to=4`, vars: { last: 2, current: 4 } });
    expect(notices.find((x) => x.key === "ack.notice.overdue")?.action).toMatchObject({ path: `/docs/${n}/ack`, fields: { version: "4" } });

    // Overdue people are reminded automatically, at most once a day.
    const { remindOverdueAcknowledgements } = await import("~/notifications/service.server");
    const reminded = await remindOverdueAcknowledgements();
    expect(reminded).toBeGreaterThanOrEqual(3);
    expect(await remindOverdueAcknowledgements()).toBe(0);
    const reminder = (await notificationsFor("newhire")).find((x) => x.kind === "acknowledgement.reminder")!;
    expect((await render("newhire", reminder.id)).title).toMatch(/Reminder/);
    expect(ack.acknowledgementReport({ number: n }).find((r) => r.username === "newhire")?.lastRemindedAt).toBeTruthy();
    await advanceDays(1);
    expect(await remindOverdueAcknowledgements()).toBeGreaterThanOrEqual(3);

    // A retired document asks nothing any more.
    await reviseDoc(n, "retire", { summary: "Cold store closed" });
    expect(ack.acknowledgementReport({ number: n })).toEqual([]);
    expect(ack.owedBy(staff.id).map((o) => o.number)).not.toContain(n);
    expect(approver).toBeTruthy();
  });
});

describe("periodic review", () => {
  it("reminds owners before and after the review date, and records 'no revision needed'", async () => {
    const { today } = await import("~/utils/clock.server");
    const add = (days: number) => {
      const d = new Date(`${today()}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + days);
      return d.toISOString().slice(0, 10);
    };
    const soon = await publishDoc({ title: "Dock door inspection", body: "Inspect weekly.", ownerDepartment: "hr" });
    await reviseDoc(soon.number, "minor", { nextReviewDate: add(10) });
    const late = await publishDoc({ title: "Ladder register", body: "Register every ladder.", ownerDepartment: "hr" });
    await reviseDoc(late.number, "minor", { nextReviewDate: add(-3) });

    const reviews = await import("~/notifications/reviews.server");
    const row = (n: string) => reviews.reviewSchedule({ number: n })[0];
    expect(row(soon.number)).toMatchObject({ status: "due-soon", daysLeft: 10 });
    expect(row(late.number)).toMatchObject({ status: "overdue", daysLeft: -3 });

    const { remindReviews } = await import("~/notifications/service.server");
    expect(await remindReviews()).toBeGreaterThanOrEqual(2);
    const forHead = (await notificationsFor("hrhead")).filter((x) => x.kind.startsWith("review."));
    expect(forHead.length).toBeGreaterThanOrEqual(1);
    expect(await remindReviews()).toBe(0); // not again the same cycle

    const staff = await user("staff");
    await expect(reviews.recordNoRevisionNeeded(staff, late.number, "Still accurate")).rejects.toThrow(/approvers of the owning department/);
    const hrhead = await user("hrhead");
    await reviews.recordNoRevisionNeeded(hrhead, late.number, "Checked against the 2024 register; still accurate");
    expect(row(late.number).status).toBe("ok");
    expect(row(late.number).lastReview).toMatchObject({ outcome: "no-revision-needed", byName: "孙人事", version: 2 });
    const { readAuditEntries } = await import("~/audit/audit.server");
    expect(readAuditEntries().some((e) => e.action === "document.review" && e.object === late.number && e.actor === "hrhead")).toBe(true);
    expect(reviews.reviewStats().overdue).toBe(reviews.reviewSchedule({ status: ["overdue"] }).length);
  });
});

describe("a publication handled twice", () => {
  it("tells each person once, queues one webhook delivery and writes one audit entry, as when another instance finishes it", async () => {
    // The handlers run again when an instance finishes a publication whose publisher died between
    // two of them (after its audit entry, before its webhooks): each must be idempotent.
    await import("~/access/boot.server");
    const { saveWebhook } = await import("~/notifications/webhooks.server");
    const hook = await saveWebhook({ name: "Twice board", url: "http://127.0.0.1:9/hook", format: "json", secret: "s3cret-twice", events: ["document.published"], locale: "en", active: true });
    const outbox = await import("~/notifications/outbox.server");
    const { emit } = await import("~/documents/events.server");
    const { readAuditEntries } = await import("~/audit/audit.server");
    const first = await publishDoc({ title: "Forklift charging", body: "Charge in the marked bay." });
    const record = await reviseDoc(first.number, "major", { body: "Charge in the marked bay only." });
    const deliveries = () => outbox.listDeliveries({ webhookId: hook.id, limit: 1000 }).filter((e) => e.event?.number === record.number && e.event?.version === record.version);
    const audits = () => readAuditEntries().filter((e) => e.action === "document.publish" && e.details?.commit === record.commit);
    const told = async () => (await notificationsFor("staff", record.number)).filter((n) => n.version === record.version).length;
    expect(deliveries()).toHaveLength(1);
    expect(audits()).toHaveLength(1);
    const before = await told();
    expect(before).toBe(1);
    await emit("document.published", { record, previous: first, actor: "editor", auditRecorded: true });
    expect(deliveries()).toHaveLength(1);
    expect(audits()).toHaveLength(1);
    expect(await told()).toBe(before);
    await saveWebhook({ name: "Twice board", url: "http://127.0.0.1:9/hook", format: "json", secret: "s3cret-twice", events: ["document.published"], locale: "en", active: false }, hook.id);
  });
});

describe("the delivery queue", () => {
  it("keeps a webhook delivery across a restart and sends it, signed, once the receiver is back", async () => {
    const port = await freePort();
    const { saveWebhook } = await import("~/notifications/webhooks.server");
    const hook = await saveWebhook({ name: "Ops board", url: `http://127.0.0.1:${port}/hook`, format: "json", secret: "s3cret-shared", events: ["document.published"], locale: "en", active: true });
    const outbox = await import("~/notifications/outbox.server");
    const doc = await publishDoc({ title: "Pallet wrapping", body: "Wrap three times." });
    const entry = await until(
      () => outbox.listDeliveries({ webhookId: hook.id }).find((e) => e.event?.number === doc.number && e.attempts >= 1),
      "first attempt against a closed port",
    );
    expect(entry).toMatchObject({ status: "pending", attempts: 1 });
    expect(entry.lastError).toMatch(/could not reach/);
    expect(Date.parse(entry.nextAttemptAt) - Date.parse(entry.lastAttemptAt!)).toBeGreaterThanOrEqual(29_000);

    // "Restart": the queue is read back from disk, and pending deliveries are due at once.
    outbox.resetOutboxForTests();
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      expect((await outbox.loadOutbox()).pending).toBeGreaterThanOrEqual(1);
      await outbox.drainOutbox();
      const got = await until(() => received.find((r) => r.body.includes(doc.number)), "delivery after restart");
      const ts = String(got.headers["x-regula-timestamp"]);
      expect(got.headers["x-regula-signature"]).toBe(`sha256=${createHmac("sha256", "s3cret-shared").update(`${ts}.${got.body}`).digest("hex")}`);
      expect(JSON.parse(got.body)).toMatchObject({ event: "document.published", document: { number: doc.number, version: 1, change: "new", title: "Pallet wrapping" } });
      const done = await until(() => outbox.listDeliveries({ webhookId: hook.id }).find((e) => e.event?.number === doc.number && e.status !== "pending"), "logged as sent");
      expect(done).toMatchObject({ status: "sent", attempts: 2, lastStatus: 200 });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
