/**
 * Writes to a shared git remote (decision 111, made faster by decision 123): an
 * instance that knows its branches are the remote's does not fetch before each
 * write; when the remote moved all the same (a writer it did not hear of), the
 * lease refuses the push and the write is made again on the remote's branch,
 * so nothing is lost and the history stays linear. Real git and a real bare
 * repository over file://; `git` is found through a folder that counts the
 * fetches before running the real program.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-shared-remote-"));
const remote = path.join(tmp, "remote.git");
const calls = path.join(tmp, "git-calls.log");
const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
const saved = { PATH: process.env.PATH, DATA_DIR: process.env.DATA_DIR, GIT_REMOTE: process.env.GIT_REMOTE, DATABASE_URL: process.env.DATABASE_URL };

function fetches(): number {
  if (!fs.existsSync(calls)) return 0;
  return fs.readFileSync(calls, "utf8").split("\n").filter((line) => / fetch /.test(` ${line} `)).length;
}

function git(args: string[], gitDir = remote): string {
  return execFileSync(realGit, ["--git-dir", gitDir, ...args], { encoding: "utf8" }).trim();
}

beforeAll(() => {
  execFileSync(realGit, ["init", "--quiet", "--bare", "--initial-branch=main", remote]);
  const bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "git"), `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\nexec ${JSON.stringify(realGit)} "$@"\n`, { mode: 0o755 });
  process.env.PATH = `${bin}:${process.env.PATH}`;
  process.env.DATA_DIR = path.join(tmp, "data");
  process.env.GIT_REMOTE = `file://${remote}`;
  delete process.env.DATABASE_URL;
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const author = { name: "Editor", email: "editor@example.com" };

describe("writes to a shared remote", () => {
  it("skip the fetch while the instance holds the remote's branches, and are made again on a branch moved behind its back", async () => {
    const { resetEnvForTests } = await import("~/utils/env.server");
    resetEnvForTests();
    const repo = await import("~/documents/repo.server");
    await repo.ensureRepo();
    const first = await repo.commitFiles({ files: [{ path: "documents/EXE/EXE-001.md", content: "one\n" }], message: "first", author });
    const before = fetches();
    const second = await repo.commitFiles({ files: [{ path: "documents/EXE/EXE-001.md", content: "two\n" }], message: "second", author });
    const third = await repo.commitFiles({ files: [{ path: "documents/EXE/EXE-002.md", content: "three\n" }], message: "third", author });
    // Level with the remote after its own pushes: no fetch before either write.
    expect(fetches()).toBe(before);
    expect(git(["rev-parse", "refs/heads/main"])).toBe(third.commit);
    expect(second.parent).toBe(first.commit);

    // Someone outside the portal moves main on the remote; this instance hears nothing of it.
    const outside = path.join(tmp, "outside.git");
    execFileSync(realGit, ["clone", "--quiet", "--bare", remote, outside]);
    const blob = execFileSync(realGit, ["--git-dir", outside, "hash-object", "-w", "--stdin"], { input: "from outside\n", encoding: "utf8" }).trim();
    const tree = execFileSync(realGit, ["--git-dir", outside, "mktree"], { input: `100644 blob ${blob}\tREADME.md\n`, encoding: "utf8" }).trim();
    const moved = execFileSync(realGit, ["--git-dir", outside, "commit-tree", "-p", third.commit, "-m", "outside", tree], {
      encoding: "utf8",
      env: { ...process.env, GIT_AUTHOR_NAME: "Someone", GIT_AUTHOR_EMAIL: "someone@example.com", GIT_COMMITTER_NAME: "Someone", GIT_COMMITTER_EMAIL: "someone@example.com" },
    }).trim();
    git(["push", "--quiet", `file://${remote}`, `${moved}:refs/heads/main`], outside);

    // The lease refuses the push built on the old head; the write is made again after one fetch, on top of it.
    const fourth = await repo.commitFiles({ files: [{ path: "documents/EXE/EXE-001.md", content: "four\n" }], message: "fourth", author });
    expect(fetches()).toBe(before + 1);
    expect(fourth.parent).toBe(moved);
    expect(git(["rev-parse", "refs/heads/main"])).toBe(fourth.commit);
    expect(git(["log", "--format=%s", "refs/heads/main"]).split("\n")).toEqual(["fourth", "outside", "third", "second", "first"]);
    expect(await repo.resolveRef()).toBe(fourth.commit);

    // A write that expected the old head is still refused (409), not rebased.
    await expect(
      repo.commitFiles({ files: [{ path: "documents/EXE/EXE-001.md", content: "five\n" }], message: "five", author, expectedParent: third.commit }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(git(["rev-parse", "refs/heads/main"])).toBe(fourth.commit);
  });
});
