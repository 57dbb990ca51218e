/**
 * Reads git objects through one long-running `git cat-file --batch` process
 * when native git is installed. isomorphic-git keeps every pack it reads in
 * memory (a repository restored from a backup or packed by `git gc` is one
 * pack as large as the repository), and without its cache it re-reads the
 * pack for each object; native git maps packs and reads only what is asked.
 *
 * Requests are written one per line and answered in order, so many readers
 * share the process. When native git is missing or the process fails,
 * `readObject` answers `undefined` and repo.server.ts reads through
 * isomorphic-git instead. Writes never come here.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export type ObjectType = "blob" | "tree" | "commit" | "tag";

export interface RawObject {
  oid: string;
  type: ObjectType;
  content: Buffer;
}

interface Pending {
  spec: string;
  resolve: (value: RawObject | null | undefined) => void;
}

function gitEnv() {
  return { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending[] = [];
  /** Set once native git could not be started: every read goes to isomorphic-git. */
  unavailable = false;
  private failures = 0;

  constructor(private readonly gitdir: string) {}

  private start(): ChildProcessWithoutNullStreams | null {
    if (this.child) return this.child;
    if (this.unavailable) return null;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn("git", ["-c", "safe.directory=*", "--git-dir", this.gitdir, "cat-file", "--batch"], { env: gitEnv() });
    } catch {
      this.unavailable = true;
      return null;
    }
    this.child = child;
    this.buffer = Buffer.alloc(0);
    child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    child.stderr.resume();
    child.stdin.on("error", () => undefined);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") this.unavailable = true;
      this.fail();
    });
    child.on("exit", () => this.fail());
    this.hold(false);
    return child;
  }

  /** The process keeps Node alive only while reads are waiting for it. */
  private hold(busy: boolean) {
    const child = this.child;
    if (!child) return;
    const streams = [child.stdout, child.stdin, child.stderr] as unknown as { ref?: () => void; unref?: () => void }[];
    if (busy) {
      child.ref();
      for (const s of streams) s.ref?.();
    } else {
      child.unref();
      for (const s of streams) s.unref?.();
    }
  }

  /** The process ended or could not start: pending reads fall back, the next read starts a new one. */
  private fail() {
    if (!this.child) return;
    this.child = null;
    this.failures++;
    if (this.failures >= 5) this.unavailable = true;
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.resolve(undefined);
  }

  private onData(chunk: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const head = this.pending[0];
      if (!head) {
        this.buffer = Buffer.alloc(0);
        return;
      }
      const eol = this.buffer.indexOf(10);
      if (eol < 0) return;
      const header = this.buffer.subarray(0, eol).toString("utf8");
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.pending.shift();
        head.resolve(null);
        if (!this.pending.length) this.hold(false);
        continue;
      }
      const m = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)$/.exec(header);
      if (!m) {
        // Not an answer this reader understands: stop using the process.
        this.child?.kill();
        this.fail();
        return;
      }
      const size = Number(m[3]);
      if (this.buffer.length < eol + 1 + size + 1) return;
      const content = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
      this.buffer = this.buffer.subarray(eol + 1 + size + 1);
      this.pending.shift();
      head.resolve({ oid: m[1], type: m[2] as ObjectType, content });
      if (!this.pending.length) this.hold(false);
    }
  }

  /** An object by id or `<commit>:<path>`; null when it does not exist, undefined when native git cannot answer. */
  read(spec: string): Promise<RawObject | null | undefined> {
    if (/[\n\r\0]/.test(spec)) return Promise.resolve(null);
    const child = this.start();
    if (!child) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      if (!this.pending.length) this.hold(true);
      this.pending.push({ spec, resolve });
      child.stdin.write(`${spec}\n`);
    });
  }

  close() {
    this.child?.kill();
    this.child = null;
  }
}

const readers = new Map<string, CatFileBatch>();

function readerFor(gitdir: string): CatFileBatch {
  let reader = readers.get(gitdir);
  if (!reader) {
    reader = new CatFileBatch(gitdir);
    readers.set(gitdir, reader);
  }
  return reader;
}

/** True unless native reads are turned off (REGULA_NATIVE_GIT=0) or git could not be started. */
export function nativeReadsEnabled(gitdir: string): boolean {
  return process.env.REGULA_NATIVE_GIT !== "0" && !readerFor(gitdir).unavailable;
}

const stats = { native: 0, fallback: 0 };

/** How many reads native git answered and how many fell back to isomorphic-git (health, tests). */
export function objectReaderStats(): Readonly<typeof stats> {
  return { ...stats };
}

/** Reads an object natively: the object, null if it does not exist, undefined to fall back. */
export async function readObject(gitdir: string, spec: string): Promise<RawObject | null | undefined> {
  if (process.env.REGULA_NATIVE_GIT === "0") {
    stats.fallback++;
    return undefined;
  }
  const answer = await readerFor(gitdir).read(spec);
  if (answer === undefined) stats.fallback++;
  else stats.native++;
  return answer;
}

/** Stops the reader processes (shutdown, tests that move DATA_DIR). */
export function closeObjectReaders() {
  for (const reader of readers.values()) reader.close();
  readers.clear();
}

export interface ParsedTreeEntry {
  mode: string;
  path: string;
  oid: string;
  type: "blob" | "tree" | "commit";
}

/** Parses a tree object (`<mode> <name>\0<20-byte id>` entries), modes as isomorphic-git writes them. */
export function parseTree(content: Buffer): ParsedTreeEntry[] {
  const out: ParsedTreeEntry[] = [];
  let i = 0;
  while (i < content.length) {
    const space = content.indexOf(32, i);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > content.length) throw new Error("malformed tree object");
    let mode = content.subarray(i, space).toString("latin1");
    if (mode === "40000") mode = "040000";
    const path = content.subarray(space + 1, nul).toString("utf8");
    const oid = content.subarray(nul + 1, nul + 21).toString("hex");
    const type = mode === "040000" ? "tree" : mode === "160000" ? "commit" : "blob";
    out.push({ mode, path, oid, type });
    i = nul + 21;
  }
  return out;
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  author: { name: string; email: string; timestamp: number };
  message: string;
}

/** Parses a commit object's headers and message. */
export function parseCommit(content: Buffer): ParsedCommit {
  const text = content.toString("utf8");
  const split = text.indexOf("\n\n");
  const headers = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? "" : text.slice(split + 2);
  let tree = "";
  const parents: string[] = [];
  let author = { name: "", email: "", timestamp: 0 };
  for (const line of headers.split("\n")) {
    if (line.startsWith(" ")) continue; // continuation of a multi-line header (signatures)
    const sp = line.indexOf(" ");
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === "tree") tree = value;
    else if (key === "parent") parents.push(value);
    else if (key === "author") {
      const m = /^(.*) <([^>]*)> (\d+) [+-]\d{4}$/.exec(value);
      if (m) author = { name: m[1], email: m[2], timestamp: Number(m[3]) };
    }
  }
  return { tree, parents, author, message };
}
