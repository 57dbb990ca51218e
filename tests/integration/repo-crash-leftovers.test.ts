/**
 * A writer killed between writing a temp file and renaming it leaves the temp
 * file behind. Such files are named so native git never reads them as part of
 * the repository, and the next start removes them (old-style names included),
 * so `git fsck --strict` stays clean and the main line is untouched.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";

let world: World;
let repo: string;
beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  repo = path.join(world.dataDir, "repo");
});
afterAll(async () => {
  const { closeObjectReaders } = await import("~/documents/object-reader.server");
  closeObjectReaders();
  await world?.cleanup();
});

function fsck() {
  return spawnSync("git", ["-C", repo, "fsck", "--full", "--strict", "--no-progress"], { encoding: "utf8" });
}

/** What a writer killed mid-write leaves: a partly written object and an empty ref file. */
function leaveCrashLeftovers(names: { object: string; ref: string }) {
  const someObjectDir = fs.readdirSync(path.join(repo, "objects")).find((d) => /^[0-9a-f]{2}$/.test(d))!;
  const object = path.join(repo, "objects", someObjectDir, names.object);
  fs.writeFileSync(object, Buffer.from([0x78, 0x01, 0x2b]));
  const ref = path.join(repo, "refs", "heads", names.ref);
  fs.writeFileSync(ref, "");
  return [object, ref];
}

describe("temp files left by an interrupted write", () => {
  it("are named so native git ignores them", () => {
    const files = leaveCrashLeftovers({ object: "tmp_obj_4242_0badc0de", ref: ".main.4242_0badc0de.tmp" });
    const result = fsck();
    expect(result.stderr).not.toMatch(/bad sha1 file|invalid sha1 pointer/);
    expect(result.status).toBe(0);
    for (const f of files) fs.rmSync(f);
  });

  it("are removed at the next start, and the main line is what it was", async () => {
    const head = execFileSync("git", ["-C", repo, "rev-parse", "main"], { encoding: "utf8" }).trim();
    const files = [
      ...leaveCrashLeftovers({ object: "0c93528e5f68b93ce630c15ca630c9c01798f9.4435.52becee2.tmp", ref: "main.4094.655e4f45.tmp" }),
      ...leaveCrashLeftovers({ object: "tmp_obj_4242_0badc0de", ref: ".main.4242_0badc0de.tmp" }),
    ];
    // The old naming is exactly what made git fsck fail.
    expect(fsck().status).not.toBe(0);

    const { ensureRepo, resolveRef, listRefs } = await import("~/documents/repo.server");
    await ensureRepo();

    for (const f of files) expect(fs.existsSync(f), f).toBe(false);
    const result = fsck();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(await resolveRef()).toBe(head);
    expect(await listRefs("refs/heads/")).toContain("refs/heads/main");
  });

  it("are not left by writes that complete", async () => {
    const { commitFiles, resolveRef } = await import("~/documents/repo.server");
    const before = await resolveRef();
    await commitFiles({
      files: [{ path: "documents/MON/MON-990.md", content: "# 临时文件测试\n" }],
      message: "Temp-file test",
      author: { name: "Test", email: "test@regula.invalid" },
      expectedParent: before,
    });
    const leftovers: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.startsWith("tmp_obj_") || e.name.endsWith(".tmp")) leftovers.push(path.join(d, e.name));
      }
    };
    walk(repo);
    expect(leftovers).toEqual([]);
    expect(fsck().status).toBe(0);
  });
});
