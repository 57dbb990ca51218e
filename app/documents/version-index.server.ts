/**
 * Per-document version index: number → versions → commit and blob ids, with
 * each version's metadata. History and version pages read it instead of
 * walking git. It is kept packed in memory (version-store.server.ts) and on
 * disk under $DATA_DIR/cache: `versions.packed.json`, written whole at start
 * when git or the journal added to it, and `versions.jsonl`, one line per
 * commit recorded since (decision 106). It is rebuilt from git (incrementally
 * when possible) whenever it is missing, corrupt or behind.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";
import type { DocumentMeta } from "./front-matter";
import { parseDocument } from "./front-matter";
import { parseTrailers, readBlobText, readCommitInfo, resolveRef, walkFirstParent, blobAt, MAIN_REF } from "./repo.server";
import { documentPath } from "./paths.server";
import { nativeMainLine, nativeReadBlobs } from "./native-history.server";
import { VersionStore, type ChangeKind, type PackedVersions, type VersionRecord } from "./version-store.server";

export type { ChangeKind, VersionRecord } from "./version-store.server";

let state: VersionStore | null = null;

/** Versions recorded since the packed file was written (JSON lines); folded into it at the next start. */
function journalFile() {
  return path.join(getEnv().dataDir, "cache", "versions.jsonl");
}

/** The packed index (decision 106). */
function packedFile() {
  return path.join(getEnv().dataDir, "cache", "versions.packed.json");
}

/** How many journal lines a start folds into a new packed file. */
const FOLD_AT = 256;

function readIndexFiles(): { s: VersionStore; journalLines: number } {
  let s = new VersionStore();
  if (fs.existsSync(packedFile())) {
    try {
      s = VersionStore.fromPacked(JSON.parse(fs.readFileSync(packedFile(), "utf8")) as PackedVersions);
    } catch {
      // Unreadable: the journal alone would leave a gap before its first line, so all of it is rebuilt from git.
      return { s: new VersionStore(), journalLines: 0 };
    }
  }
  // Without a packed file the journal is the whole index (as written before decision 106, or a first start).
  let text: string;
  try {
    text = fs.readFileSync(journalFile(), "utf8");
  } catch {
    return { s, journalLines: 0 };
  }
  let journalLines = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let entry: { kind?: string; commit?: string } & Partial<VersionRecord>;
    try {
      entry = JSON.parse(line);
    } catch {
      break; // a torn last line after a crash: everything after it is rebuilt from git
    }
    journalLines++;
    if (!entry.commit || s.hasCommit(entry.commit)) {
      // Already in the packed file (a start stopped between writing it and emptying the journal).
      if (entry.commit) s.head = entry.commit;
      continue;
    }
    if (entry.kind === "head") {
      s.addOtherCommit(entry.commit);
      s.head = entry.commit;
    } else if (entry.number && entry.meta) {
      s.add(entry as VersionRecord);
      s.head = entry.commit;
    }
  }
  return { s, journalLines };
}

/** Turns a main-line commit into a version record (null for non-document commits). */
async function recordFromCommit(oid: string): Promise<VersionRecord | null> {
  const info = await readCommitInfo(oid);
  const trailers = parseTrailers(info.message);
  const number = trailers.Document?.[0];
  const version = Number(trailers.Version?.[0]);
  if (!number || !Number.isInteger(version)) return null;
  const filePath = documentPath(number);
  const blob = await blobAt(oid, filePath);
  if (!blob) return null;
  const { meta } = parseDocument(await readBlobText(blob));
  const subject = info.message.split("\n")[0];
  const summary = trailers.Summary?.[0] ?? subject.replace(/^\S+ v\d+: /, "");
  return {
    number,
    version,
    commit: oid,
    blob,
    date: new Date(info.author.timestamp * 1000).toISOString(),
    authorName: info.author.name,
    authorEmail: info.author.email,
    summary,
    change: (trailers.Change?.[0] as ChangeKind) ?? "minor",
    proposal: trailers.Proposal?.[0],
    approvedBy: trailers["Approved-by"] ?? [],
    meta,
  };
}

/**
 * Builds the whole index with native git (one log, one batch read of the
 * blobs): minutes faster than walking a large history object by object.
 * Returns null (caller falls back) when git is missing or anything is unusual.
 */
async function rebuildWithNativeGit(head: string): Promise<VersionStore | null> {
  const gitdir = getEnv().repoDir;
  const commits = await nativeMainLine(gitdir, head);
  if (!commits || !commits.length || commits[commits.length - 1].oid !== head) return null;
  type Pending = { oid: string; record?: Omit<VersionRecord, "meta">; blob?: string };
  const pending: Pending[] = [];
  for (const c of commits) {
    const trailers = parseTrailers(c.message);
    const number = trailers.Document?.[0];
    const version = Number(trailers.Version?.[0]);
    let filePath: string | null = null;
    if (number && Number.isInteger(version)) {
      try {
        filePath = documentPath(number);
      } catch {
        filePath = null;
      }
    }
    const blob = filePath ? (c.changed.get(filePath) ?? (await blobAt(c.oid, filePath))) : null;
    if (!number || !filePath || !blob) {
      pending.push({ oid: c.oid });
      continue;
    }
    const subject = c.message.split("\n")[0];
    pending.push({
      oid: c.oid,
      blob,
      record: {
        number,
        version,
        commit: c.oid,
        blob,
        date: new Date(c.timestamp * 1000).toISOString(),
        authorName: c.authorName,
        authorEmail: c.authorEmail,
        summary: trailers.Summary?.[0] ?? subject.replace(/^\S+ v\d+: /, ""),
        change: (trailers.Change?.[0] as ChangeKind) ?? "minor",
        proposal: trailers.Proposal?.[0],
        approvedBy: trailers["Approved-by"] ?? [],
      },
    });
  }
  const metas = new Map<string, DocumentMeta>();
  let parseFailed = false;
  const wanted = [...new Set(pending.filter((p) => p.blob).map((p) => p.blob!))];
  const ok = await nativeReadBlobs(gitdir, wanted, (oid, text) => {
    try {
      metas.set(oid, parseDocument(text).meta);
    } catch {
      parseFailed = true;
    }
  });
  if (!ok || parseFailed) return null;
  const s = new VersionStore();
  for (const p of pending) {
    if (p.record) s.add({ ...p.record, meta: metas.get(p.blob!)! });
    else s.addOtherCommit(p.oid);
    s.head = p.oid;
  }
  return s;
}

/**
 * Loads the index and brings it level with the repository head, rebuilding
 * from git what is missing. Returns how many commits were read from git.
 */
export async function loadVersionIndex(): Promise<{ caughtUp: number; rebuilt: boolean }> {
  return withLock("version-index", async () => {
    const read = readIndexFiles();
    let s = read.s;
    const head = await resolveRef(MAIN_REF);
    if (!head) {
      const had = s.commitCount > 0;
      state = new VersionStore();
      if (had) await rewriteFiles(state);
      return { caughtUp: 0, rebuilt: had };
    }
    if (s.head === head) {
      state = s;
      if (read.journalLines >= FOLD_AT) await rewriteFiles(s);
      return { caughtUp: 0, rebuilt: false };
    }
    if (s.commitCount === 0) {
      const built = await rebuildWithNativeGit(head);
      if (built) {
        await rewriteFiles(built);
        state = built;
        return { caughtUp: built.commitCount, rebuilt: true };
      }
    }
    let rebuilt = false;
    let missing = await walkFirstParent(head, (oid) => s.hasCommit(oid));
    const reachedRoot = missing.length > 0 && missing[missing.length - 1].parents.length === 0;
    if (reachedRoot && s.commitCount > 0) {
      // The stored index describes another history: start over.
      s = new VersionStore();
      rebuilt = true;
      missing = await walkFirstParent(head);
    } else if (s.commitCount === 0) {
      rebuilt = true;
    }
    for (const info of missing.reverse()) {
      const record = await recordFromCommit(info.oid);
      if (record) s.add(record);
      else s.addOtherCommit(info.oid);
      s.head = info.oid;
    }
    // What git added is written as a new packed file (with the journal folded in).
    if (missing.length || rebuilt || read.journalLines >= FOLD_AT) await rewriteFiles(s);
    state = s;
    return { caughtUp: missing.length, rebuilt };
  });
}

/** Writes the packed file (atomically), then empties the journal it now contains. */
async function rewriteFiles(s: VersionStore) {
  const file = packedFile();
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(s.toPacked()));
  await fsp.rename(tmp, file);
  // A stop between the two writes leaves journal lines the packed file already has: they are skipped at the next start.
  await fsp.writeFile(journalFile(), "");
}

async function appendLines(lines: string[]) {
  if (!lines.length) return;
  const file = journalFile();
  await fsp.mkdir(path.dirname(file), { recursive: true });
  // Repair a torn last line before appending so the file stays parseable.
  try {
    const fh = await fsp.open(file, "r");
    const { size } = await fh.stat();
    if (size > 0) {
      const buf = Buffer.alloc(1);
      await fh.read(buf, 0, 1, size - 1);
      await fh.close();
      if (buf.toString() !== "\n") {
        const all = await fsp.readFile(file, "utf8");
        await fsp.writeFile(file, all.slice(0, all.lastIndexOf("\n") + 1));
      }
    } else await fh.close();
  } catch {
    /* no file yet */
  }
  await fsp.appendFile(file, lines.join("\n") + "\n");
}

function current(): VersionStore {
  if (!state) throw new Error("Version index not loaded: call loadVersionIndex() at start-up");
  return state;
}

/** Records a commit just made on main (called by the publisher inside the repo lock). */
export async function recordCommit(record: VersionRecord): Promise<void> {
  await withLock("version-index", async () => {
    const s = current();
    if (s.hasCommit(record.commit)) return;
    s.add(record);
    s.head = record.commit;
    await appendLines([JSON.stringify(record)]);
  });
}

/** Every version of a document, oldest first (empty when unknown). */
export function versionsOf(number: string): readonly VersionRecord[] {
  return current().versionsOf(number);
}

/** The newest version on the main line of a document, or undefined. */
export function latestVersion(number: string): VersionRecord | undefined {
  return current().latestVersion(number);
}

/** Every document number present on the main line. */
export function allNumbers(): string[] {
  return current().numbers();
}

/** Latest version of every document. */
export function allLatest(): VersionRecord[] {
  return current().allLatest();
}

/** Version records newest first (for recent-changes feeds). */
export function recentVersions(limit: number, filter: (r: VersionRecord) => boolean = () => true): VersionRecord[] {
  return current().recent(limit, filter);
}

/** The commit the index describes. */
export function indexedHead(): string | null {
  return state?.head ?? null;
}

export function resetVersionIndexForTests() {
  state = null;
}
