/** Shared pieces of the backup and fault tests: running the scripts, publishing test documents, fingerprints. */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers/paths";
import { scaled } from "../helpers/time";

export const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");

/** Runs `npm run <script>`'s command (tsx scripts/<name>.ts) with the given env; never throws. */
export function runScript(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = scaled(120_000),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, path.join(ROOT, "scripts", `${name}.ts`), ...args],
      { cwd: ROOT, env: { ...process.env, CONTENT_DIR: path.join(ROOT, "content"), ...env }, timeout: timeoutMs, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `git -C repo ...` output, trimmed. */
export function gitOut(repo: string, args: string[]): string {
  return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Path → sha256 of every file under a folder, except the excluded top-level names. */
export function fingerprint(dir: string, exclude: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && exclude.includes(e.name)) continue;
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile()) out[r] = createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
    }
  };
  walk(dir, "");
  return out;
}

export function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Test documents published through the domain (call after useWorldInProcess, before a server starts). */
export async function publishTestDocument(number: string, title: string, body: string, options: { version?: number } = {}) {
  const { publishVersion } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const { claimNumber } = await import("~/documents/numbering.server");
  const current = latestVersion(number);
  if (!current) await claimNumber(number, new Set(), "test", "test document");
  return publishVersion({
    number,
    meta: {
      number,
      title,
      category: number.split("-")[0],
      type: "manual",
      ownerDepartment: "ops",
      confidentiality: "internal",
      audienceDepartments: [],
      retired: false,
    },
    body,
    author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
    change: current ? "minor" : "new",
    summary: current ? `修订 ${current.version + 1}` : "首次发布",
    expectedVersion: options.version ?? current?.version ?? 0,
  });
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
