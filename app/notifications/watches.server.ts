/**
 * Watches: anyone can follow a document or a whole category, on top of the
 * departments a document names, and stop following at any time.
 */
import { randomUUID } from "node:crypto";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { getCategory } from "~/documents/config.server";
import { requireDocument } from "~/documents/documents.server";
import { nowIso } from "~/utils/clock.server";
import { msg, NotFoundError } from "~/utils/errors.server";

export interface Watch {
  id: string;
  userId: string;
  kind: "document" | "category";
  /** Document number or category code. */
  target: string;
  createdAt: string;
}

const COLLECTION = "watches";

/** A person's watches, documents first. */
export function watchesOf(userId: string): Watch[] {
  return collection<Watch>(COLLECTION)
    .filter((w) => w.userId === userId)
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.target.localeCompare(b.target, "en", { numeric: true }));
}

export function isWatching(userId: string, kind: Watch["kind"], target: string): boolean {
  return collection<Watch>(COLLECTION).some((w) => w.userId === userId && w.kind === kind && w.target === target);
}

/** People watching a document directly or through its category. */
export function watchersOf(number: string, category: string): string[] {
  const ids = new Set<string>();
  for (const w of collection<Watch>(COLLECTION)) {
    if ((w.kind === "document" && w.target === number) || (w.kind === "category" && w.target === category)) ids.add(w.userId);
  }
  return [...ids];
}

/** Starts watching (idempotent). Unknown documents and categories are refused. */
export async function watch(userId: string, kind: Watch["kind"], target: string): Promise<Watch> {
  if (kind === "document") requireDocument(target);
  else if (!getCategory(target)) throw new NotFoundError(msg("documents.err.noCategory", { code: target.slice(0, 20) }));
  return updateDb((data) => {
    const list = mutableCollection<Watch>(data, COLLECTION);
    const existing = list.find((w) => w.userId === userId && w.kind === kind && w.target === target);
    if (existing) return existing;
    const w: Watch = { id: randomUUID(), userId, kind, target, createdAt: nowIso() };
    list.push(w);
    return w;
  });
}

/** Stops watching (idempotent). */
export async function unwatch(userId: string, kind: Watch["kind"], target: string): Promise<void> {
  await updateDb((data) => {
    const list = mutableCollection<Watch>(data, COLLECTION);
    const kept = list.filter((w) => !(w.userId === userId && w.kind === kind && w.target === target));
    list.splice(0, list.length, ...kept);
  });
}
