/**
 * The attachment manifest of a document at a commit: the list of files a
 * version (or a draft) has, read from attachments/<CATEGORY>/<NUMBER>/manifest.json
 * (decision 094). The repository layout belongs to the documents layer, so
 * the pieces that read it — attachments, the update of a stale proposal, the
 * export — share this one reader. Changing attachments stays with
 * app/attachments/store.server.ts.
 */
import { attachmentDir } from "./paths.server";
import { readFileAt } from "./repo.server";

/** One attachment of a version or draft. `type` is the MIME type sniffed from the content. */
export interface AttachmentInfo {
  name: string;
  size: number;
  sha256: string;
  type: string;
}

export const MANIFEST = "manifest.json";

export function manifestPath(number: string): string {
  return `${attachmentDir(number)}/${MANIFEST}`;
}

export function attachmentFilePath(number: string, sha256: string): string {
  return `${attachmentDir(number)}/files/${sha256}`;
}

/** The manifest's text for a list (sorted by name; null when there is nothing, so the file goes). */
export function manifestText(list: AttachmentInfo[]): string | null {
  const sorted = [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted.length ? `${JSON.stringify(sorted, null, 2)}\n` : null;
}

export function parseManifest(text: string | null): AttachmentInfo[] {
  if (!text) return [];
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) return [];
    return list
      .filter((e): e is AttachmentInfo => !!e && typeof e.name === "string" && typeof e.sha256 === "string" && /^[0-9a-f]{64}$/.test(e.sha256))
      .map((e) => ({ name: e.name, size: Number(e.size) || 0, sha256: e.sha256, type: String(e.type || "application/octet-stream") }));
  } catch {
    return [];
  }
}

// Manifests are immutable per commit: a small cache saves re-reading them on every page.
const manifestCache = new Map<string, AttachmentInfo[]>();

/** The attachments of a document at a commit (a version's or a draft's), sorted by name. */
export async function attachmentsAt(commit: string, number: string): Promise<AttachmentInfo[]> {
  const key = `${commit}:${number}`;
  const hit = manifestCache.get(key);
  if (hit) return hit.map((e) => ({ ...e }));
  const list = parseManifest(await readFileAt(commit, manifestPath(number)));
  rememberManifest(commit, number, list);
  return list.map((e) => ({ ...e }));
}

/** Records the manifest a commit just written has (saves reading it back). */
export function rememberManifest(commit: string, number: string, list: AttachmentInfo[]): void {
  if (manifestCache.size > 2000) manifestCache.delete(manifestCache.keys().next().value as string);
  manifestCache.set(`${commit}:${number}`, list.map((e) => ({ ...e })));
}
