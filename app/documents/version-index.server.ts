/**
 * Per-document version index: number → versions → commit and blob ids, with
 * each version's metadata. History and version pages read it instead of
 * walking git. It is an append-only JSON-lines file under $DATA_DIR/cache,
 * loaded into memory at start, extended on every commit, and rebuilt from git
 * (incrementally when possible) whenever it is missing, corrupt or behind.
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

export type ChangeKind = "new" | "minor" | "major" | "retire" | "restore";

export interface VersionRecord {
  number: string;
  version: number;
  commit: string;
  blob: string;
  /** ISO time of the commit. */
  date: string;
  authorName: string;
  authorEmail: string;
  summary: string;
  change: ChangeKind;
  proposal?: string;
  approvedBy: string[];
  meta: DocumentMeta;
}

interface IndexState {
  head: string | null;
  byNumber: Map<string, VersionRecord[]>;
  commits: Set<string>;
  /** All version records in commit order (oldest first). */
  timeline: VersionRecord[];
}

let state: IndexState | null = null;

function indexFile() {
  return path.join(getEnv().dataDir, "cache", "versions.jsonl");
}

function emptyState(): IndexState {
  return { head: null, byNumber: new Map(), commits: new Set(), timeline: [] };
}

function addRecord(s: IndexState, r: VersionRecord) {
  const list = s.byNumber.get(r.number) ?? [];
  list.push(r);
  list.sort((a, b) => a.version - b.version);
  s.byNumber.set(r.number, list);
  s.commits.add(r.commit);
  s.timeline.push(r);
}

function readIndexFile(): IndexState {
  const s = emptyState();
  let text: string;
  try {
    text = fs.readFileSync(indexFile(), "utf8");
  } catch {
    return s;
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let entry: { kind?: string; commit?: string } & Partial<VersionRecord>;
    try {
      entry = JSON.parse(line);
    } catch {
      break; // a torn last line after a crash: everything after it is rebuilt from git
    }
    if (entry.kind === "head" && entry.commit) {
      s.commits.add(entry.commit);
      s.head = entry.commit;
    } else if (entry.number && entry.commit && entry.meta) {
      addRecord(s, entry as VersionRecord);
      s.head = entry.commit;
    }
  }
  return s;
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
async function rebuildWithNativeGit(head: string): Promise<IndexState | null> {
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
  const s = emptyState();
  for (const p of pending) {
    if (p.record) addRecord(s, { ...p.record, meta: metas.get(p.blob!)! });
    else s.commits.add(p.oid);
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
    const { caughtUp, rebuilt } = await catchUp(readIndexFile());
    return { caughtUp, rebuilt };
  });
}

/**
 * Brings the loaded index level with the repository head after the head moved
 * by a fetch from the shared remote (decision 111). Returns the versions added,
 * oldest first (none when the history was replaced and the index rebuilt).
 */
export async function catchUpVersionIndex(): Promise<{ added: VersionRecord[]; rebuilt: boolean }> {
  return withLock("version-index", async () => {
    if (!state) return { added: [], rebuilt: false };
    const head = await resolveRef(MAIN_REF);
    if (head === state.head) return { added: [], rebuilt: false };
    const { added, rebuilt } = await catchUp(state);
    return { added: rebuilt ? [] : added, rebuilt };
  });
}

async function catchUp(from: IndexState): Promise<{ caughtUp: number; rebuilt: boolean; added: VersionRecord[] }> {
  {
    let s = from;
    const added: VersionRecord[] = [];
    const head = await resolveRef(MAIN_REF);
    if (!head) {
      state = emptyState();
      if (s.timeline.length) await rewriteFile(state);
      return { caughtUp: 0, rebuilt: s.timeline.length > 0, added };
    }
    if (s.head === head) {
      state = s;
      return { caughtUp: 0, rebuilt: false, added };
    }
    if (s.commits.size === 0) {
      const built = await rebuildWithNativeGit(head);
      if (built) {
        await rewriteFile(built);
        state = built;
        return { caughtUp: built.commits.size, rebuilt: true, added: built.timeline };
      }
    }
    let rebuilt = false;
    let missing = await walkFirstParent(head, (oid) => s.commits.has(oid));
    const reachedRoot = missing.length > 0 && missing[missing.length - 1].parents.length === 0;
    if (reachedRoot && s.commits.size > 0) {
      // The stored index describes another history: start over.
      s = emptyState();
      rebuilt = true;
      missing = await walkFirstParent(head);
    } else if (s.commits.size === 0) {
      rebuilt = true;
    }
    const lines: string[] = [];
    for (const info of missing.reverse()) {
      const record = await recordFromCommit(info.oid);
      if (record) {
        addRecord(s, record);
        added.push(record);
        lines.push(JSON.stringify(record));
      } else {
        s.commits.add(info.oid);
        lines.push(JSON.stringify({ kind: "head", commit: info.oid }));
      }
      s.head = info.oid;
    }
    if (rebuilt) await rewriteFile(s);
    else await appendLines(lines);
    state = s;
    return { caughtUp: missing.length, rebuilt, added };
  }
}

async function rewriteFile(s: IndexState) {
  const file = indexFile();
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const lines = s.timeline.map((r) => JSON.stringify(r));
  if (s.head && !s.commits.has(s.head)) lines.push(JSON.stringify({ kind: "head", commit: s.head }));
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, lines.join("\n") + (lines.length ? "\n" : ""));
  await fsp.rename(tmp, file);
}

async function appendLines(lines: string[]) {
  if (!lines.length) return;
  const file = indexFile();
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

function current(): IndexState {
  if (!state) throw new Error("Version index not loaded: call loadVersionIndex() at start-up");
  return state;
}

/** Records a commit just made on main (called by the publisher inside the repo lock). */
export async function recordCommit(record: VersionRecord): Promise<void> {
  await withLock("version-index", async () => {
    const s = current();
    if (s.commits.has(record.commit)) return;
    addRecord(s, record);
    s.head = record.commit;
    await appendLines([JSON.stringify(record)]);
  });
}

/** Every version of a document, oldest first (empty when unknown). */
export function versionsOf(number: string): readonly VersionRecord[] {
  return current().byNumber.get(number) ?? [];
}

/** The newest version on the main line of a document, or undefined. */
export function latestVersion(number: string): VersionRecord | undefined {
  const list = current().byNumber.get(number);
  return list?.[list.length - 1];
}

/** Every document number present on the main line. */
export function allNumbers(): string[] {
  return [...current().byNumber.keys()];
}

/** Latest version of every document. */
export function allLatest(): VersionRecord[] {
  const out: VersionRecord[] = [];
  for (const list of current().byNumber.values()) out.push(list[list.length - 1]);
  return out;
}

/** Version records newest first (for recent-changes feeds). */
export function recentVersions(limit: number, filter: (r: VersionRecord) => boolean = () => true): VersionRecord[] {
  const t = current().timeline;
  const out: VersionRecord[] = [];
  for (let i = t.length - 1; i >= 0 && out.length < limit; i--) if (filter(t[i])) out.push(t[i]);
  return out;
}

/** The commit the index describes. */
export function indexedHead(): string | null {
  return state?.head ?? null;
}

export function resetVersionIndexForTests() {
  state = null;
}
