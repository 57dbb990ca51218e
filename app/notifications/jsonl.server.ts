/**
 * Append-only JSON-lines files under $DATA_DIR/notifications/. Notifications,
 * the delivery queue and acknowledgements grow with every publication, so they
 * live here rather than in lowdb (which rewrites its whole file on each save).
 * Appends are serialised per file; a torn last line (crash mid-append) is
 * skipped on load; `rewrite` compacts a file atomically (temp file + rename).
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";

export function notificationsDir(): string {
  return path.join(getEnv().dataDir, "notifications");
}

export function jsonlPath(name: string): string {
  return path.join(notificationsDir(), name);
}

/** Reads every parseable line of a JSON-lines file (missing file = no lines). */
export function readLines<T>(file: string): { lines: T[]; torn: number } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { lines: [], torn: 0 };
  }
  const lines: T[] = [];
  let torn = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as T);
    } catch {
      torn++;
    }
  }
  return { lines, torn };
}

/** Appends records as lines, in one write, after every earlier append to the same file. */
export async function appendLines(file: string, records: unknown[]): Promise<void> {
  if (!records.length) return;
  const text = records.map((r) => JSON.stringify(r)).join("\n") + "\n";
  await withLock(`jsonl:${file}`, async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.appendFile(file, text);
  });
}

/** Replaces a file's content atomically with the given records. */
export async function rewriteLines(file: string, records: unknown[]): Promise<void> {
  await withLock(`jsonl:${file}`, async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    await fsp.writeFile(tmp, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
    await fsp.rename(tmp, file);
  });
}
