/**
 * Possible duplicates among current documents, kept up to date without
 * reading every document per request: each current document's comparable
 * parts (title words, text sketch) are computed once — all of them in the
 * background after start-up, one more each time a version is published —
 * and the groups are recomputed from those sketches only when something
 * changed since the last time they were asked for.
 */
import { readVersionContent } from "~/documents/documents.server";
import { allLatest, latestVersion, type VersionRecord } from "~/documents/version-index.server";
import { copyCandidate, copyGroups, CopyIndex, type CopyCandidate, type CopyPair } from "./detect";

interface Entry {
  number: string;
  version: number;
  candidate: CopyCandidate;
}

const entries = new Map<string, Entry>();
let building: Promise<void> | null = null;
let built = false;
let cachedGroups: DuplicateGroupOfDocuments[] | null = null;
let cachedIndex: { list: Entry[]; index: CopyIndex } | null = null;

export interface DuplicateGroupOfDocuments {
  numbers: string[];
  titles: string[];
  pairs: { a: string; b: string; similarity: number; sameTitle: boolean; similarTitle: boolean }[];
}

async function entryFor(record: VersionRecord): Promise<Entry> {
  const { body } = await readVersionContent(record);
  return { number: record.number, version: record.version, candidate: copyCandidate(record.meta.title, body) };
}

/** Reads every current document once (the first time the index is needed, or in the background after start-up). */
export function buildDuplicateIndex(): Promise<void> {
  building ??= (async () => {
    for (const record of allLatest()) {
      if (record.meta.retired || entries.get(record.number)?.version === record.version) continue;
      entries.set(record.number, await entryFor(record));
    }
    built = true;
    cachedGroups = null;
    cachedIndex = null;
  })().catch((error) => {
    building = null;
    throw error;
  });
  return building;
}

/** Numbers published since the index last caught up: read when the index is next asked. */
const pending = new Set<string>();

/** Notes a publication (cheap: the new text is read when duplicates are next asked for). */
export function noteDuplicatePublication(record: VersionRecord): void {
  cachedGroups = null;
  cachedIndex = null;
  pending.add(record.number);
}

async function catchUp(): Promise<void> {
  await buildDuplicateIndex();
  for (const number of [...pending]) {
    pending.delete(number);
    const record = latestVersion(number);
    if (!record || record.meta.retired) entries.delete(number);
    else if (entries.get(number)?.version !== record.version) entries.set(number, await entryFor(record));
  }
}

/** Groups of current documents that look like copies of one another (recomputed only after a change). */
export async function duplicateGroups(): Promise<DuplicateGroupOfDocuments[]> {
  await catchUp();
  if (cachedGroups) return cachedGroups;
  const list = [...entries.values()].filter((e) => {
    const current = latestVersion(e.number);
    return current && !current.meta.retired;
  });
  cachedGroups = copyGroups(list.map((e) => e.candidate)).map((g) => ({
    numbers: g.members.map((i) => list[i].number),
    titles: g.members.map((i) => list[i].candidate.title),
    pairs: g.pairs.map((p: CopyPair) => ({ a: list[p.a].number, b: list[p.b].number, similarity: Math.round(p.similarity * 100) / 100, sameTitle: p.sameTitle, similarTitle: p.similarTitle })),
  }));
  return cachedGroups;
}

export interface LooksLike {
  number: string;
  title: string;
  /** Estimated share of the same text, 0–100. */
  percent: number;
  sameTitle: boolean;
  similarTitle: boolean;
}

/** The current documents a text looks like a copy of (best first), leaving out `exclude`. */
export async function currentCopiesOf(title: string, text: string, exclude: string[] = []): Promise<LooksLike[]> {
  return (await currentCopiesOfMany([{ title, text }], exclude))[0];
}

/** currentCopiesOf for many texts at once (an import's files): the index is built once. */
export async function currentCopiesOfMany(texts: { title: string; text: string }[], exclude: string[] = []): Promise<LooksLike[][]> {
  await catchUp();
  if (!cachedIndex) {
    const list = [...entries.values()];
    cachedIndex = { list, index: new CopyIndex(list.map((e) => e.candidate)) };
  }
  const { list, index } = cachedIndex;
  return texts.map(({ title, text }) =>
    index
      .query(copyCandidate(title, text), undefined, 5 + exclude.length)
      .filter((m) => !exclude.includes(list[m.index].number) && !latestVersion(list[m.index].number)?.meta.retired)
      .slice(0, 5)
      .map((m) => ({
        number: list[m.index].number,
        title: list[m.index].candidate.title,
        percent: Math.round(m.similarity * 100),
        sameTitle: m.sameTitle,
        similarTitle: m.similarTitle,
      })),
  );
}

/** For tests: forget the index. */
export function resetDuplicateIndexForTests() {
  entries.clear();
  pending.clear();
  building = null;
  built = false;
  cachedGroups = null;
  cachedIndex = null;
}
