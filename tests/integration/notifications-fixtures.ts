/**
 * Helpers for the notification tests: an in-process world with the demo
 * people and a real repository, documents published through the real
 * publisher (so "document.published" fires), and small local receivers.
 */
import type { Confidentiality, DocumentMeta } from "~/documents/front-matter";
import type { ChangeKind, VersionRecord } from "~/documents/version-index.server";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { ROOT } from "../helpers/paths";
import { scaled } from "../helpers/time";
import { createWorld, type World } from "../helpers/world";

export const EDITOR = { username: "editor", name: "王编辑", email: "editor@regula.example" };

export interface DocInput {
  category?: string;
  type?: string;
  title: string;
  body: string;
  confidentiality?: Confidentiality;
  ownerDepartment?: string;
  audienceDepartments?: string[];
}

/** Prepares an empty world in this process: database, demo people, repository, version index. */
export async function startEmptyWorldInProcess(): Promise<void> {
  const { loadDb } = await import("~/data/db.server");
  const { seedPeople } = await import("~/demo/seed.server");
  const { ensureRepo } = await import("~/documents/repo.server");
  const { loadVersionIndex } = await import("~/documents/version-index.server");
  await loadDb();
  await ensureRepo();
  await seedPeople();
  await loadVersionIndex();
}

/**
 * Registers, for the calling test file, an empty world in this process with the
 * notification stores and their subscriptions started (no scheduler, no email),
 * stopped and removed after the file. Returns the world once it is there.
 */
export function notificationsInProcess(): () => World {
  let world: World | undefined;
  beforeAll(async () => {
    world = await createWorld({ empty: true });
    process.env.DATA_DIR = world.dataDir;
    process.env.CONTENT_DIR = path.join(ROOT, "content");
    process.env.REGULA_NO_SCHEDULER = "1";
    delete process.env.SMTP_URL;
    await startEmptyWorldInProcess();
    const { startNotifications } = await import("~/notifications/service.server");
    await startNotifications();
  });
  afterAll(async () => {
    const { stopOutbox } = await import("~/notifications/outbox.server");
    stopOutbox();
    const { closeAllStreams } = await import("~/notifications/live.server");
    closeAllStreams();
    const { setClockOffset } = await import("~/utils/clock.server");
    setClockOffset(0);
    await world?.cleanup();
  });
  return () => {
    if (!world) throw new Error("the notifications world is not there yet");
    return world;
  };
}

/** Publishes a new document with a freshly issued number. */
export async function publishDoc(doc: DocInput, author = EDITOR): Promise<VersionRecord> {
  const { allocateNumber } = await import("~/documents/numbering.server");
  const { allNumbers } = await import("~/documents/version-index.server");
  const { publishVersion } = await import("~/documents/documents.server");
  const category = doc.category ?? "EXE";
  const number = await allocateNumber(category, allNumbers(), author.username, "notification test");
  const meta: DocumentMeta = {
    number,
    title: doc.title,
    category,
    type: doc.type ?? "manual",
    ownerDepartment: doc.ownerDepartment ?? "ops",
    confidentiality: doc.confidentiality ?? "internal",
    audienceDepartments: doc.audienceDepartments ?? [],
    retired: false,
  };
  return publishVersion({ number, meta, body: doc.body, author, change: "new", summary: "First publication", approvedBy: ["approver"] });
}

/** Publishes the next version of a document. */
export async function reviseDoc(
  number: string,
  change: ChangeKind,
  edit: { body?: string; summary?: string; title?: string; nextReviewDate?: string } = {},
  author = EDITOR,
): Promise<VersionRecord> {
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const current = latestVersion(number)!;
  const { meta, body } = await readVersionContent(current);
  return publishVersion({
    number,
    meta: { ...meta, title: edit.title ?? meta.title, effectiveDate: undefined, nextReviewDate: edit.nextReviewDate },
    body: edit.body ?? `${body}\n\nRevision ${current.version + 1}.`,
    author,
    change,
    summary: edit.summary ?? `Change ${current.version + 1}`,
    approvedBy: ["approver"],
    expectedVersion: current.version,
  });
}

/** A demo account by username. */
export async function user(username: string) {
  const { getUserByUsername } = await import("~/org/users.server");
  const u = getUserByUsername(username);
  if (!u) throw new Error(`no demo user ${username}`);
  return u;
}

/** Waits until a condition holds (polling), or fails with the message. */
export async function until<T>(fn: () => T | Promise<T>, message: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
