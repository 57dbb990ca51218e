/**
 * The only module that touches isomorphic-git, and the only one that writes the repository. The document repository is a
 * bare git repository at $DATA_DIR/repo; commits are built from blobs and
 * trees directly (no index file, no work tree) so publishing stays fast with
 * thousands of documents, and refs are replaced atomically so a crash never
 * leaves a half-written branch behind. Reads go through native git's
 * `git cat-file --batch` when it is installed (object-reader.server.ts: memory
 * independent of pack size), through isomorphic-git otherwise.
 */
import nodeFs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import git from "isomorphic-git";
import { getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";
import { withClusterLock } from "~/cluster/lock.server";
import { onReconnect, publish, subscribe } from "~/cluster/bus.server";
import { parseCommit, parseTree, readObject } from "./object-reader.server";
import { fetchAll, fetchInto, pushAllBranches, pushRef, RemoteMovedError, remoteHead, remoteUrl } from "./remote.server";

export { RemoteMovedError, RemoteUnavailableError } from "./remote.server";

export const MAIN_REF = "refs/heads/main";

/**
 * Where a file is written before it is renamed into place. The names follow
 * git's own conventions so that a temp file left by a crash is never read as
 * part of the repository: `tmp_obj_*` beside loose objects (git fsck skips
 * them) and a leading dot elsewhere (git skips hidden names under refs/).
 */
function tempNameFor(file: string): string {
  const dir = path.dirname(file);
  const unique = `${process.pid}_${randomBytes(4).toString("hex")}`;
  if (path.basename(path.dirname(dir)) === "objects") return path.join(dir, `tmp_obj_${unique}`);
  return path.join(dir, `.${path.basename(file)}.${unique}.tmp`);
}

/** fs for isomorphic-git whose writeFile is atomic (temp file + rename). */
const atomicFs = {
  promises: {
    ...fsp,
    async writeFile(file: string, data: string | Uint8Array, options?: unknown) {
      const tmp = tempNameFor(file);
      try {
        await fsp.writeFile(tmp, data, options as never);
        await fsp.rename(tmp, file);
      } catch (error) {
        await fsp.rm(tmp, { force: true });
        throw error;
      }
    },
  },
};

/** A temp file a writer stopped by a crash may have left: ours (both namings) or git's. */
function isStaleTemp(name: string): boolean {
  return name.startsWith("tmp_obj_") || (name.endsWith(".tmp") && /\.\d+[._][0-9a-f]{8}\.tmp$/.test(name));
}

/**
 * Removes temp files left by a writer that was killed between writing and
 * renaming. Only called at start-up, while this process holds the DATA_DIR
 * lock, so no other writer can be halfway through a write.
 */
async function removeStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  async function sweep(d: string, depth: number) {
    let entries: nodeFs.Dirent[];
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (depth < 8) await sweep(full, depth + 1);
      } else if (isStaleTemp(e.name)) {
        await fsp.rm(full, { force: true });
        removed++;
      }
    }
  }
  await sweep(dir, 0);
  return removed;
}
const fs = atomicFs as unknown as typeof nodeFs;

function gitdir() {
  return getEnv().repoDir;
}

/**
 * isomorphic-git's cache of parsed pack files. Without it every object read
 * from a pack (a repository restored from a backup, or packed by git gc)
 * re-reads and re-parses the whole pack.
 */
const packCache: object = {};

export interface GitAuthor {
  name: string;
  email: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  timezoneOffset?: number;
}

export interface CommitInfo {
  oid: string;
  message: string;
  parents: string[];
  tree: string;
  author: { name: string; email: string; timestamp: number };
}

/** Creates the bare repository if it does not exist yet, or clears what an interrupted write left in it. Called with the DATA_DIR lock held. */
export async function ensureRepo(): Promise<void> {
  const dir = gitdir();
  const existed = nodeFs.existsSync(path.join(dir, "HEAD"));
  if (existed) {
    const removed = await removeStaleTempFiles(dir);
    if (removed) console.log(`[regula] removed ${removed} temp file(s) left in the repository by an interrupted write`);
  } else {
    await fsp.mkdir(dir, { recursive: true });
    await git.init({ fs, dir, gitdir: dir, bare: true, defaultBranch: "main" });
  }
  if (!remoteUrl()) return;
  try {
    await withClusterLock("repository", () => adoptRemote(dir));
  } catch (error) {
    if (error instanceof DivergedHistoryError) throw error;
    // A first start has nothing to serve without the remote; a later one serves its local clone and catches up.
    if (!existed || !(await resolveRef())) {
      throw new Error(`GIT_REMOTE ${remoteUrl()} cannot be reached to make the local clone: ${(error as { details?: { problem?: string } }).details?.problem ?? (error as Error).message}`);
    }
    console.warn(`[regula] GIT_REMOTE cannot be reached; serving the local clone until it can: ${(error as Error).message}`);
  }
}

/** The local repository holds a history the shared remote does not: starting would lose one of them. */
export class DivergedHistoryError extends Error {
  code = "conflict" as const;
}

/**
 * First contact with the shared remote at start: a remote without a main branch
 * receives this installation's branches; a local main the remote does not
 * contain stops the start (a fetch would drop it); then every branch is fetched.
 */
async function adoptRemote(dir: string): Promise<void> {
  const local = await resolveRef(MAIN_REF);
  const remote = await remoteHead(dir, MAIN_REF);
  if (local && !remote) {
    await pushAllBranches(dir);
    console.log(`[regula] GIT_REMOTE had no documents: pushed this installation's repository to it`);
  } else if (local && remote && local !== remote) {
    const probe = "refs/regula/remote-main";
    await fetchInto(dir, MAIN_REF, probe);
    const contained = await isAncestor(local, remote).catch(() => false);
    await fsp.rm(path.join(dir, probe), { force: true });
    if (!contained) {
      throw new DivergedHistoryError(
        `The local repository ${dir} has publications that GIT_REMOTE ${remoteUrl()} does not (their main branches have different histories). ` +
          `Start with an empty DATA_DIR to make a fresh clone, or point GIT_REMOTE at this installation's own repository.`,
      );
    }
  }
  await syncFromRemote();
}

/** True when publications go to a shared remote (GIT_REMOTE). */
export function sharedRemote(): boolean {
  return remoteUrl() !== null;
}

/**
 * Whether this instance's branches are, as far as it knows, those of the shared
 * remote: true after a fetch or its own push, false again when another instance
 * says it moved a branch (`repo.moved`, sent before that instance releases the
 * repository lock), when the bus reconnects (messages may have been missed), and
 * when a push is refused. A write that finds it true skips the fetch; should the
 * remote have moved all the same (a message still on its way, a writer outside
 * the portal), the lease refuses the push and the write runs again after a fetch.
 */
let level = false;
/** Counts what could have moved the remote since a fetch began (another instance's message, a reconnect, a refusal). */
let heard = 0;
const unlevel = () => {
  level = false;
  heard++;
};
subscribe("repo.moved", unlevel);
onReconnect(unlevel);

/**
 * Brings every local branch level with the shared remote (a no-op without
 * GIT_REMOTE). Never runs while a local write is in progress.
 */
export async function syncFromRemote(): Promise<void> {
  if (!remoteUrl()) return;
  await withLock("repo", async () => {
    const before = heard;
    await fetchAll(gitdir());
    // A message that came during the fetch may name a change the fetch did not see.
    if (heard === before) level = true;
  });
}

/**
 * Runs a repository write one at a time across every instance: with a shared
 * remote, under the installation-wide lock, on top of the remote's branches
 * (fetched first unless this instance knows it has them); without one, as before.
 */
export async function withRepositoryWrite<T>(fn: () => Promise<T>, options: { fresh?: boolean } = {}): Promise<T> {
  if (!remoteUrl()) return fn();
  return withClusterLock("repository", async () => {
    if (options.fresh) return fn();
    if (!level) {
      await syncFromRemote();
      return fn();
    }
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof RemoteMovedError)) throw error;
      // The remote moved without this instance hearing of it: nothing was written there; once more, on its branches.
      await syncFromRemote();
      return fn();
    }
  });
}

/** The commit a ref points at, or null when the ref does not exist. */
export async function resolveRef(ref: string = MAIN_REF): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, gitdir: gitdir(), ref });
  } catch {
    return null;
  }
}

/** Lists refs under a prefix such as "refs/heads/proposals/". Returns full ref names. */
export async function listRefs(prefix: string): Promise<string[]> {
  const dir = path.join(gitdir(), prefix);
  const out: string[] = [];
  async function walkDir(d: string, rel: string) {
    let entries: nodeFs.Dirent[];
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.endsWith(".tmp") || e.name.endsWith(".lock")) continue;
      if (e.isDirectory()) await walkDir(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${prefix}${rel}${e.name}`);
    }
  }
  await walkDir(dir, "");
  // Refs git has packed (a clone, git gc) are in packed-refs unless a loose file overrides them.
  try {
    const packed = await fsp.readFile(path.join(gitdir(), "packed-refs"), "utf8");
    const seen = new Set(out);
    for (const line of packed.split("\n")) {
      const m = /^[0-9a-f]{40} (\S+)$/.exec(line);
      if (m && m[1].startsWith(prefix) && !seen.has(m[1])) out.push(m[1]);
    }
  } catch {
    /* nothing packed */
  }
  return out.sort();
}

/** Replaces a ref atomically. `expected` guards against lost updates (compare-and-swap). */
async function setRef(ref: string, oid: string, expected: string | null) {
  const current = await resolveRef(ref);
  if (current !== expected) {
    throw new RefMovedError(ref, expected, current);
  }
  // The shared remote accepts the change first (with a lease on what it holds): the local branch
  // never shows a commit the others cannot have, and a refused push leaves both as they were.
  await pushRemote(ref, oid, expected);
  const file = path.join(gitdir(), ref);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await atomicFs.promises.writeFile(file, `${oid}\n`);
  // Told while the repository lock is still held, so the next holder knows to fetch before it writes.
  if (remoteUrl()) await publish("repo.moved", { ref, commit: oid });
}

/** Pushes with a lease; a refusal means this instance's branches are no longer the remote's. */
async function pushRemote(ref: string, to: string | null, expected: string | null): Promise<void> {
  try {
    await pushRef(gitdir(), ref, to, expected);
  } catch (error) {
    if (error instanceof RemoteMovedError) unlevel();
    throw error;
  }
}

/** Deletes a ref (used when a proposal branch is finished). */
export async function deleteRef(ref: string): Promise<void> {
  if (!ref.startsWith("refs/heads/") || ref === MAIN_REF) throw new Error(`Refusing to delete ${ref}`);
  await withRepositoryWrite(() =>
    withLock("repo", async () => {
      const current = await resolveRef(ref);
      if (current) await pushRemote(ref, null, current);
      await fsp.rm(path.join(gitdir(), ref), { force: true });
      if (current && remoteUrl()) await publish("repo.moved", { ref, commit: null });
    }),
  );
}

export class RefMovedError extends Error {
  code = "conflict" as const;
  constructor(
    public ref: string,
    public expected: string | null,
    public actual: string | null,
  ) {
    super(`${ref} moved: expected ${expected ?? "nothing"}, found ${actual ?? "nothing"}`);
  }
}

export interface FileChange {
  /** Path inside the repository, e.g. documents/EXE/EXE-003.md. */
  path: string;
  /** New content (text or bytes), or null to delete the file. */
  content: string | Uint8Array | null;
  /** Instead of content: an existing blob of the repository (attachments carried from a draft). */
  blob?: string;
}

/** A folder of the new commit made identical to the same folder at another commit (absent there = removed). */
export interface TreeCopy {
  path: string;
  from: string;
}

export interface CommitRequest {
  ref?: string;
  files: FileChange[];
  message: string;
  author: GitAuthor;
  /** Parent commit expected at the ref; defaults to whatever the ref holds now. */
  expectedParent?: string | null;
  /** Start a new ref from this commit when the ref does not exist yet. */
  startFrom?: string | null;
  /** Folders copied whole from other commits (no blob is read or written again). */
  trees?: TreeCopy[];
  /** The caller already holds the repository write and brought the branches level with the shared remote. */
  fresh?: boolean;
}

export interface CommitResult {
  commit: string;
  parent: string | null;
  blobs: Record<string, string>;
}

type TreeEntry = { mode: string; path: string; oid: string; type: "blob" | "tree" | "commit" };

async function readTreeEntries(oid: string | null): Promise<TreeEntry[]> {
  if (!oid) return [];
  const native = await readObject(gitdir(), oid);
  if (native?.type === "tree") return parseTree(native.content);
  const { tree } = await git.readTree({ fs, cache: packCache, gitdir: gitdir(), oid });
  return tree as TreeEntry[];
}

/** Writes `changes` into the tree `base` (recursively), returning the new tree oid or null if empty. */
type TreeChange = { parts: string[]; blob: string | null; tree?: boolean };

async function writeNestedTree(base: string | null, changes: TreeChange[]): Promise<string | null> {
  const entries = new Map((await readTreeEntries(base)).map((e) => [e.path, e]));
  const byDir = new Map<string, TreeChange[]>();
  for (const change of changes) {
    const [head, ...rest] = change.parts;
    if (rest.length === 0) {
      if (change.blob === null) entries.delete(head);
      else if (change.tree) entries.set(head, { mode: "040000", path: head, oid: change.blob, type: "tree" });
      else entries.set(head, { mode: "100644", path: head, oid: change.blob, type: "blob" });
    } else {
      const list = byDir.get(head) ?? [];
      list.push({ parts: rest, blob: change.blob, tree: change.tree });
      byDir.set(head, list);
    }
  }
  for (const [dir, list] of byDir) {
    const existing = entries.get(dir);
    const sub = await writeNestedTree(existing?.type === "tree" ? existing.oid : null, list);
    if (sub) entries.set(dir, { mode: "040000", path: dir, oid: sub, type: "tree" });
    else entries.delete(dir);
  }
  if (entries.size === 0) return null;
  return git.writeTree({ fs, gitdir: gitdir(), tree: [...entries.values()] });
}

function assertSafePath(p: string) {
  if (!/^[A-Za-z0-9._\-/]+$/.test(p) || p.split("/").some((s) => s === "" || s === "." || s === ".." || s === ".git")) {
    throw new Error(`Unsafe repository path: ${p}`);
  }
}

const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/**
 * Writes one commit with the given file changes on top of `ref`, serialised
 * with every other repository write. Objects are written before the ref moves,
 * so a crash leaves at most unreachable objects, never a broken branch.
 */
export async function commitFiles(req: CommitRequest): Promise<CommitResult> {
  const ref = req.ref ?? MAIN_REF;
  for (const f of req.files) assertSafePath(f.path);
  for (const t of req.trees ?? []) assertSafePath(t.path);
  return withRepositoryWrite(() => writeCommit(req, ref), { fresh: req.fresh });
}

async function writeCommit(req: CommitRequest, ref: string): Promise<CommitResult> {
  return withLock("repo", async () => {
    let parent = await resolveRef(ref);
    if (req.expectedParent !== undefined && parent !== req.expectedParent) {
      throw new RefMovedError(ref, req.expectedParent, parent);
    }
    const expectedAtRef = parent;
    if (!parent && req.startFrom) parent = req.startFrom;
    const baseTree = parent ? (await readCommitInfo(parent)).tree : null;
    const blobs: Record<string, string> = {};
    const changes: TreeChange[] = [];
    for (const t of req.trees ?? []) changes.push({ parts: t.path.split("/"), blob: await treeAt(t.from, t.path), tree: true });
    for (const f of req.files) {
      let blob: string | null = null;
      if (f.blob) {
        blob = f.blob;
        blobs[f.path] = blob;
      } else if (f.content !== null) {
        const bytes = typeof f.content === "string" ? Buffer.from(f.content, "utf8") : f.content;
        blob = await git.writeBlob({ fs, gitdir: gitdir(), blob: bytes });
        blobs[f.path] = blob;
      }
      changes.push({ parts: f.path.split("/"), blob });
    }
    let tree = await writeNestedTree(baseTree, changes);
    if (!tree) tree = await git.writeTree({ fs, gitdir: gitdir(), tree: [] });
    const timestamp = req.author.timestamp ?? Math.floor(Date.now() / 1000);
    const person = {
      name: req.author.name,
      email: req.author.email,
      timestamp,
      timezoneOffset: req.author.timezoneOffset ?? 0,
    };
    const commit = await git.writeCommit({
      fs,
      gitdir: gitdir(),
      commit: {
        message: req.message.endsWith("\n") ? req.message : `${req.message}\n`,
        tree: tree ?? EMPTY_TREE,
        parent: parent ? [parent] : [],
        author: person,
        committer: person,
      },
    });
    await setRef(ref, commit, expectedAtRef);
    return { commit, parent, blobs };
  });
}

/** The tree id of a folder at a commit, or null when the folder is not there (equal ids: equal contents). */
export async function treeAt(commit: string, dir: string): Promise<string | null> {
  const native = await readObject(gitdir(), `${commit}:${dir}`);
  if (native !== undefined) return native?.type === "tree" ? native.oid : null;
  try {
    const { oid } = await git.readTree({ fs, cache: packCache, gitdir: gitdir(), oid: commit, filepath: dir });
    return oid;
  } catch {
    return null;
  }
}

/**
 * Moves a proposal branch back to the commit it held, when the step that wrote
 * on it could not be recorded (all or nothing). Refuses any other ref, and
 * refuses when the branch moved on in between.
 */
export async function rewindBranch(ref: string, to: string, from: string): Promise<void> {
  if (!ref.startsWith("refs/heads/proposals/")) throw new Error(`Refusing to rewind ${ref}`);
  await withRepositoryWrite(() => withLock("repo", () => setRef(ref, to, from)));
}

/** Reads a commit's metadata. */
export async function readCommitInfo(oid: string): Promise<CommitInfo> {
  const native = await readObject(gitdir(), oid);
  if (native?.type === "commit") {
    const c = parseCommit(native.content);
    return { oid, message: c.message, parents: c.parents, tree: c.tree, author: c.author };
  }
  const { commit } = await git.readCommit({ fs, cache: packCache, gitdir: gitdir(), oid });
  return {
    oid,
    message: commit.message,
    parents: commit.parent,
    tree: commit.tree,
    author: { name: commit.author.name, email: commit.author.email, timestamp: commit.author.timestamp },
  };
}

/** Reads a blob as UTF-8 text. */
export async function readBlobText(oid: string): Promise<string> {
  const native = await readObject(gitdir(), oid);
  if (native?.type === "blob") return native.content.toString("utf8");
  const { blob } = await git.readBlob({ fs, cache: packCache, gitdir: gitdir(), oid });
  return Buffer.from(blob).toString("utf8");
}

/** The blob id of a file at a commit, or null if the file is not there. */
export async function blobAt(commit: string, filepath: string): Promise<string | null> {
  assertSafePath(filepath);
  const native = await readObject(gitdir(), `${commit}:${filepath}`);
  if (native !== undefined) return native?.type === "blob" ? native.oid : null;
  try {
    const { oid } = await git.readBlob({ fs, cache: packCache, gitdir: gitdir(), oid: commit, filepath });
    return oid;
  } catch {
    return null;
  }
}

/** Reads a file's text at a commit, or null when absent. */
export async function readFileAt(commit: string, filepath: string): Promise<string | null> {
  assertSafePath(filepath);
  const native = await readObject(gitdir(), `${commit}:${filepath}`);
  if (native !== undefined) return native?.type === "blob" ? native.content.toString("utf8") : null;
  try {
    const { blob } = await git.readBlob({ fs, cache: packCache, gitdir: gitdir(), oid: commit, filepath });
    return Buffer.from(blob).toString("utf8");
  } catch {
    return null;
  }
}

/** Reads a file's bytes at a commit, or null when absent. */
export async function readFileBytesAt(commit: string, filepath: string): Promise<Buffer | null> {
  assertSafePath(filepath);
  const native = await readObject(gitdir(), `${commit}:${filepath}`);
  if (native !== undefined) return native?.type === "blob" ? native.content : null;
  try {
    const { blob } = await git.readBlob({ fs, cache: packCache, gitdir: gitdir(), oid: commit, filepath });
    return Buffer.from(blob);
  } catch {
    return null;
  }
}

/** Lists every file path (recursively) under a directory at a commit. */
export async function listFilesAt(commit: string, dir = ""): Promise<{ path: string; oid: string }[]> {
  const out: { path: string; oid: string }[] = [];
  async function visit(treeOid: string, prefix: string) {
    for (const e of await readTreeEntries(treeOid)) {
      const p = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === "tree") await visit(e.oid, p);
      else if (e.type === "blob") out.push({ path: p, oid: e.oid });
    }
  }
  const info = await readCommitInfo(commit);
  let treeOid = info.tree;
  if (dir) {
    const native = await readObject(gitdir(), `${commit}:${dir}`);
    if (native !== undefined) {
      if (native?.type !== "tree") return [];
      await visit(native.oid, dir);
      return out;
    }
    try {
      const { oid } = await git.readTree({ fs, cache: packCache, gitdir: gitdir(), oid: commit, filepath: dir });
      treeOid = oid;
    } catch {
      return [];
    }
  }
  await visit(treeOid, dir);
  return out;
}

/**
 * Walks first-parent history from `from` (newest first) until `stop` returns
 * true for a commit or the root is reached. Used to rebuild derived indexes.
 */
export async function walkFirstParent(
  from: string,
  stop: (oid: string) => boolean = () => false,
): Promise<CommitInfo[]> {
  const out: CommitInfo[] = [];
  let oid: string | undefined = from;
  while (oid && !stop(oid)) {
    const info = await readCommitInfo(oid);
    out.push(info);
    oid = info.parents[0];
  }
  return out;
}

/** Finds the merge base of two commits (for stale proposals). */
export async function mergeBase(a: string, b: string): Promise<string | null> {
  const bases = await git.findMergeBase({ fs, cache: packCache, gitdir: gitdir(), oids: [a, b] });
  return bases[0] ?? null;
}

/** True when `ancestor` is reachable from `descendant`. */
export async function isAncestor(ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  return git.isDescendent({ fs, cache: packCache, gitdir: gitdir(), oid: descendant, ancestor, depth: -1 });
}

/** Parses `Key: value` trailers from the last paragraph of a commit message. */
export function parseTrailers(message: string): Record<string, string[]> {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? "";
  const out: Record<string, string[]> = {};
  for (const line of last.split("\n")) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    (out[m[1]] ??= []).push(m[2]);
  }
  return out;
}

/** Formats a commit message with a subject, optional body and trailers. */
export function formatMessage(subject: string, body: string, trailers: [string, string][]): string {
  const clean = (s: string) => s.replace(/\r/g, "").trim();
  const subj = clean(subject).split("\n")[0].slice(0, 200);
  const parts = [subj];
  if (clean(body)) parts.push(clean(body));
  parts.push(trailers.map(([k, v]) => `${k}: ${v.replace(/\s*\n\s*/g, " ").trim()}`).join("\n"));
  return parts.join("\n\n") + "\n";
}
