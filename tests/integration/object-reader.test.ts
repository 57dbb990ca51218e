/**
 * Native object reads (`git cat-file --batch`) answer exactly what
 * isomorphic-git answers — commits, trees, blobs, files at a commit, missing
 * paths — on the loose objects the portal writes and on a packed repository
 * (after `git gc`, as after a restore), and the store falls back to
 * isomorphic-git when native reads are turned off.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
});
afterAll(async () => {
  const { closeObjectReaders } = await import("~/documents/object-reader.server");
  closeObjectReaders();
  await world?.cleanup();
});
afterEach(() => {
  delete process.env.REGULA_NATIVE_GIT;
});

/** Everything the store reads from the main line, read one way. */
async function snapshot(native: boolean) {
  if (native) delete process.env.REGULA_NATIVE_GIT;
  else process.env.REGULA_NATIVE_GIT = "0";
  const repo = await import("~/documents/repo.server");
  const head = (await repo.resolveRef())!;
  const commits = await repo.walkFirstParent(head);
  const files = await repo.listFilesAt(head);
  const someDir = path.posix.dirname(files[0].path);
  const inDir = await repo.listFilesAt(head, someDir);
  const sample = files.filter((_, i) => i % 3 === 0);
  const texts = await Promise.all(sample.map((f) => repo.readBlobText(f.oid)));
  const atCommit = await Promise.all(sample.map((f) => repo.readFileAt(head, f.path)));
  const blobIds = await Promise.all(sample.map((f) => repo.blobAt(head, f.path)));
  const missing = [await repo.blobAt(head, "documents/EXE/EXE-999.md"), await repo.readFileAt(head, "no/such/file.md"), await repo.listFilesAt(head, "no-such-dir")];
  return { commits, files, inDir, texts, atCommit, blobIds, missing };
}

describe("native object reads", () => {
  it("answer what isomorphic-git answers on the portal's loose objects", async () => {
    const { nativeReadsEnabled } = await import("~/documents/object-reader.server");
    expect(nativeReadsEnabled(path.join(world.dataDir, "repo"))).toBe(true);
    const { objectReaderStats } = await import("~/documents/object-reader.server");
    const start = objectReaderStats();
    const native = await snapshot(true);
    const afterNative = objectReaderStats();
    expect(afterNative.native - start.native).toBeGreaterThan(native.commits.length);
    expect(afterNative.fallback).toBe(start.fallback);
    const fallback = await snapshot(false);
    expect(objectReaderStats().fallback).toBeGreaterThan(afterNative.fallback);
    expect(native.commits.length).toBeGreaterThanOrEqual(20);
    expect(native.commits[0].message).toMatch(/\nDocument: [A-Z]+-\d{3}\n/);
    expect(native).toEqual(fallback);
    expect(native.missing).toEqual([null, null, []]);
  });

  it("answer the same on a packed repository, many reads at once", async () => {
    const before = await snapshot(false);
    execFileSync("git", ["--git-dir", path.join(world.dataDir, "repo"), "gc", "--quiet", "--prune=now"], { stdio: "pipe" });
    const { closeObjectReaders } = await import("~/documents/object-reader.server");
    closeObjectReaders();
    const packed = await snapshot(true);
    expect(packed).toEqual(before);
    // Concurrent readers share one process and each gets its own answer.
    const repo = await import("~/documents/repo.server");
    const texts = await Promise.all(before.files.map((f) => repo.readBlobText(f.oid)));
    texts.forEach((t, i) => expect(t).toContain(`number: ${path.basename(before.files[i].path, ".md")}`));
  });

  it("keep the store working when publishing after the repository was packed", async () => {
    const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const before = latestVersion("EXE-001")!;
    const { meta, body } = await readVersionContent(before);
    const record = await publishVersion({
      number: "EXE-001",
      meta,
      body: `${body}\n\n## 附则\n\n本次修订后的条款自发布之日起施行。\n`,
      author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
      change: "minor",
      summary: "增加附则",
      expectedVersion: before.version,
    });
    expect(record.version).toBe(before.version + 1);
    const text = (await readVersionContent(latestVersion("EXE-001")!)).body;
    expect(text).toContain("本次修订后的条款自发布之日起施行");
    execFileSync("git", ["--git-dir", path.join(world.dataDir, "repo"), "fsck", "--full", "--strict"], { stdio: "pipe" });
  });
});
