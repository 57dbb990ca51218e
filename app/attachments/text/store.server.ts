/**
 * Files of attachment text extraction under $DATA_DIR/attachment-text/:
 * `text/<sha256>.json` — one entry per file content, so the same file is
 * never read (or OCR'd) twice, whichever documents and versions carry it;
 * `queue.json` — the jobs still to do and running totals; `work/` — PDFs
 * written out for page rendering while their job runs. Every write goes to a
 * temporary file renamed over the old one: a crash leaves the previous state.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { getEnv } from "~/utils/env.server";
import type { TextEntry } from "./extract.server";

export function textDir(): string {
  return path.join(getEnv().dataDir, "attachment-text");
}

export function workDir(): string {
  return path.join(textDir(), "work");
}

const SHA256 = /^[0-9a-f]{64}$/;

function entryFile(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256.slice(0, 80)}`);
  return path.join(textDir(), "text", `${sha256}.json`);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(value));
  await fsp.rename(tmp, file);
}

export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fsp.readFile(file, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    console.warn(`[attachment-text] ${file} cannot be read (${(error as Error).message}); it is treated as missing`);
    return null;
  }
}

export async function readEntry(sha256: string): Promise<TextEntry | null> {
  const entry = await readJson<TextEntry>(entryFile(sha256));
  return entry && entry.format === 1 && entry.sha256 === sha256 ? entry : null;
}

export async function writeEntry(entry: TextEntry): Promise<void> {
  await writeJsonAtomic(entryFile(entry.sha256), entry);
}

export function queueFile(): string {
  return path.join(textDir(), "queue.json");
}
