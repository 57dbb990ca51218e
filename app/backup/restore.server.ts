/**
 * Restore: unpack a backup into an empty DATA_DIR (or, with `force`, move the
 * current contents aside first). The archive is checked in full before
 * anything in DATA_DIR changes; the repository is rebuilt from the bundle by
 * native git (every object hash checked) and the data files are put back
 * byte for byte. Derived indexes are not restored: the portal rebuilds them
 * from git when it starts.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { copyLowdbToPostgres } from "~/data/migrate-data.server";
import { getEnv } from "~/utils/env.server";
import { DomainError } from "~/utils/errors.server";
import { acquireDataDirLock } from "~/utils/process-lock.server";
import { readArchive } from "./archive.server";
import { BUNDLE, compareWithManifest, MANIFEST, readManifest, safeJoin, type BackupManifest } from "./backup.server";
import { git, readRefs } from "./git-native.server";

/** Entries that may already be in a DATA_DIR that counts as empty. */
const IGNORABLE = new Set([".lock", "backups", "lost+found"]);

export interface RestoreReport {
  dataDir: string;
  createdAt: string;
  head: string | null;
  refs: number;
  commits: number;
  documents: number;
  users: number;
  dataFiles: number;
  /** Where the previous contents went (force only). */
  movedAside?: string;
}

function releaseLock(dataDir: string) {
  const file = path.join(dataDir, ".lock");
  try {
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number };
    if (info.pid === process.pid) fs.rmSync(file, { force: true });
  } catch {
    /* not ours or gone */
  }
}

async function rebuildRepository(staging: string, manifest: BackupManifest): Promise<string | null> {
  const refs = manifest.repository.refs;
  if (!Object.keys(refs).length) return null;
  const repo = path.join(staging, "repo");
  const bundle = path.join(staging, BUNDLE);
  await git(["init", "--quiet", "--bare", repo]);
  await git(["--git-dir", repo, "bundle", "verify", "--quiet", bundle]);
  await git(["--git-dir", repo, "fetch", "--quiet", "--no-write-fetch-head", bundle, "refs/*:refs/*"]);
  const got = await readRefs(repo);
  for (const [ref, oid] of Object.entries(refs)) {
    if (got[ref] !== oid) throw new DomainError("bad_request", `The bundle has ${ref} at ${got[ref] ?? "nothing"}, the manifest says ${oid}`);
  }
  // The portal writes refs as loose files; keep every ref loose so deletions stay deletions.
  for (const [ref, oid] of Object.entries(refs)) {
    const file = path.join(repo, ...ref.split("/"));
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, `${oid}\n`);
  }
  await fsp.rm(path.join(repo, "packed-refs"), { force: true });
  if (refs["refs/heads/main"]) await git(["--git-dir", repo, "symbolic-ref", "HEAD", "refs/heads/main"]);
  await git(["--git-dir", repo, "fsck", "--connectivity-only", "--no-progress"]);
  await fsp.rm(bundle, { force: true });
  return repo;
}

/** Undoes journalled moves, newest first; returns what could not be moved back. */
async function undoMoves(journal: { from: string; to: string }[]): Promise<string[]> {
  const stuck: string[] = [];
  for (const { from, to } of [...journal].reverse()) {
    try {
      await fsp.rename(to, from);
    } catch {
      stuck.push(to);
    }
  }
  return stuck;
}

/**
 * Restores `file` into the configured DATA_DIR. Refuses a DATA_DIR in use by
 * a running portal, and a non-empty one unless `force` (which moves the
 * current contents to a sibling folder rather than deleting them). All or
 * nothing: the backup is unpacked and checked in a staging folder first, and
 * when putting it in place fails part way every move is undone, so DATA_DIR is
 * as it was before.
 */
export async function restoreBackup(file: string, options: { force?: boolean } = {}): Promise<RestoreReport> {
  const archive = path.resolve(file);
  if (!fs.existsSync(archive)) throw new DomainError("not_found", `No such file: ${archive}`);
  const manifest = await readManifest(archive);
  const dataDir = getEnv().dataDir;
  await fsp.mkdir(dataDir, { recursive: true });
  acquireDataDirLock("restore");
  const staging = path.join(dataDir, `.restore-${randomBytes(4).toString("hex")}`);
  try {
    const existing = (await fsp.readdir(dataDir)).filter((n) => !IGNORABLE.has(n) && n !== path.basename(staging));
    if (existing.length && !options.force) {
      throw new DomainError(
        "conflict",
        `${dataDir} is not empty (${existing.slice(0, 5).join(", ")}${existing.length > 5 ? ", …" : ""}). ` +
          `Restore into an empty DATA_DIR, or add --force to move the current contents aside first.`,
      );
    }
    await fsp.mkdir(staging);
    const members = await readArchive(archive, {
      async open(name) {
        if (name === MANIFEST) return null;
        const target = safeJoin(staging, name);
        await fsp.mkdir(path.dirname(target), { recursive: true });
        return fs.createWriteStream(target, { flags: "wx", mode: 0o600 });
      },
    });
    const problem = compareWithManifest(manifest, members);
    if (problem) throw new DomainError("bad_request", `The backup is damaged: ${problem}. Nothing was changed.`);
    const dbCopy = path.join(staging, "data", "db.json");
    let users = 0;
    if (fs.existsSync(dbCopy)) {
      try {
        const db = JSON.parse(await fsp.readFile(dbCopy, "utf8")) as { users?: unknown[] };
        users = db.users?.length ?? 0;
      } catch {
        throw new DomainError("bad_request", "The backup's database copy is not valid JSON. Nothing was changed.");
      }
    }
    const repo = await rebuildRepository(staging, manifest);

    // From here on DATA_DIR changes. Every move is journalled; when one fails, the moves
    // already made are undone in reverse, so DATA_DIR is left as it was before the restore.
    let movedAside: string | undefined;
    const dataRoot = path.join(staging, "data");
    const dataFiles = manifest.files.filter((f) => f.path.startsWith("data/")).length;
    const journal: { from: string; to: string }[] = [];
    const move = async (from: string, to: string) => {
      await fsp.rename(from, to);
      journal.push({ from, to });
    };
    try {
      if (existing.length) {
        const aside = `${dataDir}.before-restore-${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
        await fsp.mkdir(aside);
        movedAside = aside;
        for (const name of existing) await move(path.join(dataDir, name), path.join(movedAside, name));
      }
      if (fs.existsSync(dataRoot)) {
        for (const name of await fsp.readdir(dataRoot)) await move(path.join(dataRoot, name), path.join(dataDir, name));
      }
      if (repo) await move(repo, path.join(dataDir, "repo"));
      // With PostgreSQL the restored db.json and audit log go into the database, in one transaction.
      const url = getEnv().DATABASE_URL;
      if (url) {
        try {
          await copyLowdbToPostgres({ dataDir, url, force: options.force });
        } catch (error) {
          throw new Error(`the database could not be restored: ${(error as Error).message}`);
        }
      }
    } catch (error) {
      const stuck = await undoMoves(journal);
      if (movedAside) await fsp.rmdir(movedAside).catch(() => {});
      const detail = (error as Error).message;
      throw new DomainError(
        "unavailable",
        stuck.length
          ? `The restore failed while putting files in place (${detail}) and could not move back: ${stuck.join(", ")}. Check ${dataDir}${movedAside ? ` and ${movedAside}` : ""}.`
          : `The restore failed while putting files in place (${detail}). ${dataDir} was put back as it was.`,
      );
    }
    return {
      dataDir,
      createdAt: manifest.createdAt,
      head: manifest.repository.head,
      refs: Object.keys(manifest.repository.refs).length,
      commits: manifest.repository.commits,
      documents: manifest.repository.documents,
      users,
      dataFiles,
      movedAside,
    };
  } finally {
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => {});
    releaseLock(dataDir);
  }
}
