/**
 * Reads the whole main line with native git, for rebuilding the version index
 * of a large repository: one `git log` for the commits and the blobs they
 * changed, one `git cat-file --batch` for the blobs. Walking 100,000 commits
 * object by object through isomorphic-git takes far longer and keeps the
 * whole pack in memory. Returns null when native git is not available, and the
 * caller falls back to isomorphic-git.
 */
import { spawn } from "node:child_process";

export interface NativeCommit {
  oid: string;
  timestamp: number;
  authorName: string;
  authorEmail: string;
  message: string;
  /** path → blob id of every file this commit added or modified (relative to its first parent). */
  changed: Map<string, string>;
}

function gitEnv() {
  return { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

/** First-parent history of `head`, oldest first. */
export async function nativeMainLine(gitdir: string, head: string): Promise<NativeCommit[] | null> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(
        "git",
        ["-c", "safe.directory=*", "--git-dir", gitdir, "log", "--first-parent", "--reverse", "--no-abbrev", "--raw", "--no-renames", "--format=%x1e%H%x1f%at%x1f%an%x1f%ae%x1f%B%x1f", head],
        { env: gitEnv(), stdio: ["ignore", "pipe", "ignore"] },
      );
    } catch {
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    child.on("error", () => resolve(null));
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.on("close", (code) => {
      if (code !== 0) return resolve(null);
      const text = Buffer.concat(chunks).toString("utf8");
      const out: NativeCommit[] = [];
      for (const entry of text.split("\x1e")) {
        if (!entry.trim()) continue;
        const [oid, at, an, ae, message, raw = ""] = entry.split("\x1f");
        const changed = new Map<string, string>();
        for (const line of raw.split("\n")) {
          // :100644 100644 <old> <new> M\t<path>
          const m = /^:\d+ (\d+) [0-9a-f]{40} ([0-9a-f]{40}) [AMT]\t(.+)$/.exec(line);
          if (m && m[1] !== "000000") changed.set(m[3], m[2]);
        }
        out.push({ oid: oid.trim(), timestamp: Number(at), authorName: an, authorEmail: ae, message, changed });
      }
      resolve(out);
    });
  });
}

/** Reads blobs with one `git cat-file --batch`, calling `onBlob` for each (in order). */
export async function nativeReadBlobs(gitdir: string, oids: string[], onBlob: (oid: string, text: string) => void): Promise<boolean> {
  if (!oids.length) return true;
  return new Promise((resolve) => {
    const child = spawn("git", ["-c", "safe.directory=*", "--git-dir", gitdir, "cat-file", "--batch"], { env: gitEnv(), stdio: ["pipe", "pipe", "ignore"] });
    let failed = false;
    child.on("error", () => {
      failed = true;
      resolve(false);
    });
    let buffer: Buffer = Buffer.alloc(0);
    let index = 0;
    child.stdout.on("data", (d: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, d]) : d;
      for (;;) {
        const nl = buffer.indexOf(0x0a);
        if (nl < 0) return;
        const header = buffer.subarray(0, nl).toString("ascii");
        const m = /^([0-9a-f]{40}) blob (\d+)$/.exec(header);
        if (!m) {
          failed = true;
          child.kill();
          return;
        }
        const size = Number(m[2]);
        if (buffer.length < nl + 1 + size + 1) return;
        onBlob(m[1], buffer.subarray(nl + 1, nl + 1 + size).toString("utf8"));
        buffer = buffer.subarray(nl + 1 + size + 1);
        index++;
      }
    });
    child.on("close", (code) => resolve(!failed && code === 0 && index === oids.length));
    // Feed the ids without blocking on a full pipe.
    const input = child.stdin;
    let i = 0;
    const pump = () => {
      while (i < oids.length) {
        if (!input.write(`${oids[i++]}\n`)) {
          input.once("drain", pump);
          return;
        }
      }
      input.end();
    };
    input.on("error", () => {
      failed = true;
    });
    pump();
  });
}


/**
 * The values of one trailer (e.g. "Audit-head") in first-parent history of `head`, newest
 * first, read with one `git log`; null when native git is not available.
 */
export async function nativeTrailerValues(gitdir: string, head: string, key: string): Promise<{ commit: string; subject: string; values: string[] }[] | null> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn("git", ["-c", "safe.directory=*", "--git-dir", gitdir, "log", "--first-parent", "--no-abbrev", "--format=%x1e%H%x1f%B", head], {
        env: gitEnv(),
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    child.on("error", () => resolve(null));
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.on("close", (code) => {
      if (code !== 0) return resolve(null);
      const out: { commit: string; subject: string; values: string[] }[] = [];
      for (const entry of Buffer.concat(chunks).toString("utf8").split("\x1e")) {
        if (!entry.trim()) continue;
        const [oid, message = ""] = entry.split("\x1f");
        out.push({ commit: oid.trim(), subject: message.split("\n")[0], values: trailerValues(message, key) });
      }
      resolve(out);
    });
  });
}

function trailerValues(message: string, key: string): string[] {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? "";
  const prefix = `${key.toLowerCase()}:`;
  return last
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.toLowerCase().startsWith(prefix))
    .map((l) => l.slice(prefix.length).trim());
}
