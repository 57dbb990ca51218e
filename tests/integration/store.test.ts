/**
 * The git-backed store: publishing writes real commits native git can read,
 * the version index tracks them and is rebuilt from git when lost or behind,
 * and numbers are validated and never reused.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
});
afterAll(async () => world?.cleanup());

const editor = { username: "editor", name: "王编辑", email: "editor@regula.example" };

describe("document store", () => {
  it("seeded repository passes native git fsck and shows every publication in git log", async () => {
    const repo = path.join(world.dataDir, "repo");
    execFileSync("git", ["-C", repo, "fsck", "--full", "--strict"], { stdio: "pipe" });
    const log = execFileSync("git", ["-C", repo, "log", "--format=%H%n%B%n--end--"], { encoding: "utf8" });
    const { allLatest, versionsOf } = await import("~/documents/version-index.server");
    const total = allLatest().reduce((n, r) => n + versionsOf(r.number).length, 0);
    expect(total).toBeGreaterThanOrEqual(20);
    expect(log.split("--end--").filter((s) => s.trim()).length).toBe(total);
    expect(log).toMatch(/\nDocument: [A-Z]+-\d{3}\nVersion: \d+\nChange: (new|minor|major|retire)/);
  });

  it("publishes a new version as one commit with trailers and bumps the version by one", async () => {
    const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const before = latestVersion("EXE-001")!;
    const { meta, body } = await readVersionContent(before);
    const record = await publishVersion({
      number: "EXE-001",
      meta,
      body: body + "\n\n## 附錄\n\n新增的附錄段落。\n",
      author: editor,
      change: "minor",
      summary: "新增附錄",
      approvedBy: ["approver"],
      expectedVersion: before.version,
    });
    expect(record.version).toBe(before.version + 1);
    const message = execFileSync("git", ["-C", path.join(world.dataDir, "repo"), "log", "-1", "--format=%B"], { encoding: "utf8" });
    expect(message).toContain(`Document: EXE-001\nVersion: ${record.version}\nChange: minor`);
    expect(message).toContain("Approved-by: approver");
    const show = execFileSync("git", ["-C", path.join(world.dataDir, "repo"), "show", `HEAD:documents/EXE/EXE-001.md`], { encoding: "utf8" });
    expect(show).toContain("新增的附錄段落");
    execFileSync("git", ["-C", path.join(world.dataDir, "repo"), "fsck", "--full", "--strict"], { stdio: "pipe" });
  });

  it("dates a publication without an effective date by the company's calendar, not UTC's", async () => {
    const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const before = latestVersion("EXE-002")!;
    const { meta, body } = await readVersionContent(before);
    const { effectiveDate: _previous, nextReviewDate: _review, ...rest } = meta;
    // 17:00 UTC on 5 December is 01:00 on 6 December in Shanghai.
    const record = await publishVersion({
      number: "EXE-002",
      meta: rest,
      body: body + "\n\n夜間發布的補充。\n",
      author: editor,
      change: "minor",
      summary: "夜間修訂",
      timestamp: Date.parse("2026-12-05T17:00:00Z") / 1000,
      expectedVersion: before.version,
    });
    const { meta: published } = await readVersionContent(record);
    expect(published.effectiveDate).toBe("2026-12-06");
  });

  it("refuses a stale publication with a conflict instead of overwriting", async () => {
    const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const current = latestVersion("EXE-001")!;
    const { meta, body } = await readVersionContent(current);
    await expect(
      publishVersion({ number: "EXE-001", meta, body: body + "x", author: editor, change: "minor", summary: "stale", expectedVersion: current.version - 1 }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(latestVersion("EXE-001")!.version).toBe(current.version);
  });

  it("rejects oversized, empty and mismatched documents with clear errors", async () => {
    const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const current = latestVersion("EXE-001")!;
    const { meta } = await readVersionContent(current);
    const base = { number: "EXE-001", author: editor, change: "minor" as const, summary: "x" };
    await expect(publishVersion({ ...base, meta, body: "字".repeat(1_000_000) })).rejects.toMatchObject({ code: "too_large" });
    await expect(publishVersion({ ...base, meta, body: "   " })).rejects.toMatchObject({ code: "bad_request" });
    await expect(publishVersion({ ...base, meta: { ...meta, category: "APR" }, body: "ok" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(publishVersion({ ...base, meta: { ...meta, type: "nonsense" }, body: "ok" })).rejects.toMatchObject({ code: "bad_request" });
  });

  it("validates numbers and never reuses one", async () => {
    const { parseNumber, allocateNumber, claimNumber, normaliseNumberQuery } = await import("~/documents/numbering.server");
    const { allNumbers } = await import("~/documents/version-index.server");
    expect(parseNumber("EXE-003")).toEqual({ category: "EXE", seq: 3 });
    for (const bad of ["exe-003", "EXE-03", "XYZ-001", "../EXE-001", "EXE-001/../../x", "EXE-001.md", ""]) expect(parseNumber(bad)).toBeNull();
    expect(normaliseNumberQuery("exe 3")).toBe("EXE-003");
    expect(normaliseNumberQuery("EXE3")).toBe("EXE-003");
    const taken = new Set(allNumbers());
    const highest = Math.max(...[...taken].filter((n) => n.startsWith("MON-")).map((n) => Number(n.slice(4))));
    const a = await allocateNumber("MON", taken, "editor", "test");
    const b = await allocateNumber("MON", taken, "editor", "test");
    expect(a).toBe(`MON-${String(highest + 1).padStart(3, "0")}`);
    expect(b).toBe(`MON-${String(highest + 2).padStart(3, "0")}`);
    await expect(claimNumber(a, taken, "editor", "dup")).rejects.toMatchObject({ code: "bad_request" });
    await expect(claimNumber("EXE-001", taken, "editor", "dup")).rejects.toThrow(/never be reused/);
    await expect(claimNumber("EXE-1x", taken, "editor", "bad")).rejects.toThrow(/not a valid document number/);
  });

  it("rebuilds the version index from git when it is deleted, truncated or behind", async () => {
    const idx = await import("~/documents/version-index.server");
    const key = (r: { number: string; version: number; commit: string }) => `${r.number}@${r.version}:${r.commit}`;
    const snapshot = idx.allLatest().map(key).sort();
    const history = idx.allNumbers().flatMap((n) => idx.versionsOf(n).map((r) => JSON.stringify(r))).sort();
    const whole = () => idx.allNumbers().flatMap((n) => idx.versionsOf(n).map((r) => JSON.stringify(r))).sort();
    const packed = path.join(world.dataDir, "cache", "versions.packed.json");
    const journal = path.join(world.dataDir, "cache", "versions.jsonl");

    // Deleted.
    fs.rmSync(packed, { force: true });
    fs.rmSync(journal, { force: true });
    idx.resetVersionIndexForTests();
    expect((await idx.loadVersionIndex()).rebuilt).toBe(true);
    expect(idx.allLatest().map(key).sort()).toEqual(snapshot);
    expect(whole()).toEqual(history);
    expect(fs.existsSync(packed)).toBe(true);

    // Behind: the packed file without its last three versions catches up from git.
    const form = JSON.parse(fs.readFileSync(packed, "utf8")) as { rows: number[]; dates: unknown[]; summaries: string[]; commits: string; blobs: string; head: string; otherCommits: string[] };
    const width = form.rows.length / form.summaries.length;
    const n = form.summaries.length - 3;
    Object.assign(form, {
      rows: form.rows.slice(0, n * width),
      dates: form.dates.slice(0, n),
      summaries: form.summaries.slice(0, n),
      commits: form.commits.slice(0, n * 40),
      blobs: form.blobs.slice(0, n * 40),
      head: form.commits.slice((n - 1) * 40, n * 40),
      otherCommits: [],
    });
    fs.writeFileSync(packed, JSON.stringify(form));
    idx.resetVersionIndexForTests();
    expect((await idx.loadVersionIndex()).caughtUp).toBeGreaterThanOrEqual(3);
    expect(idx.allLatest().map(key).sort()).toEqual(snapshot);
    expect(whole()).toEqual(history);

    // Truncated: an unreadable packed file is rebuilt whole.
    const text = fs.readFileSync(packed, "utf8");
    fs.writeFileSync(packed, text.slice(0, Math.floor(text.length / 2)));
    idx.resetVersionIndexForTests();
    const result = await idx.loadVersionIndex();
    expect(result.caughtUp).toBeGreaterThanOrEqual(3);
    expect(idx.allLatest().map(key).sort()).toEqual(snapshot);
    expect(() => JSON.parse(fs.readFileSync(packed, "utf8"))).not.toThrow();

    // The one-line-per-version file of earlier releases, alone, is read as the whole index.
    fs.writeFileSync(journal, history.map((h) => h).join("\n") + "\n");
    fs.rmSync(packed);
    idx.resetVersionIndexForTests();
    expect((await idx.loadVersionIndex()).rebuilt).toBe(false);
    expect(whole()).toEqual(history);
  });
});
