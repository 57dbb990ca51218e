/**
 * Helpers for the revision tests: documents published through the real
 * publisher, demo accounts as signed-in users, and native git reads of the
 * main line.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { AuthUser } from "~/access/session.server";
import type { DocumentMeta } from "~/documents/front-matter";
import type { VersionRecord } from "~/documents/version-index.server";

export const PASSWORD = "demo1234";
export const DAY = 86_400_000;

const editorPerson = { username: "editor", name: "王编辑", email: "editor@regula.example" };

/** Publishes a new document (ops-owned EXE manual unless told otherwise) with a fresh number. */
export async function publishDoc(doc: {
  title: string;
  body: string;
  category?: string;
  ownerDepartment?: string;
  confidentiality?: DocumentMeta["confidentiality"];
}): Promise<VersionRecord> {
  const { allocateNumber } = await import("~/documents/numbering.server");
  const { allNumbers } = await import("~/documents/version-index.server");
  const { publishVersion } = await import("~/documents/documents.server");
  const category = doc.category ?? "EXE";
  const number = await allocateNumber(category, allNumbers(), "editor", "revision test");
  return publishVersion({
    number,
    meta: {
      number,
      title: doc.title,
      category,
      type: "manual",
      ownerDepartment: doc.ownerDepartment ?? "ops",
      confidentiality: doc.confidentiality ?? "internal",
      audienceDepartments: [],
      retired: false,
    },
    body: doc.body,
    author: editorPerson,
    change: "new",
    summary: "First publication",
    approvedBy: ["approver"],
  });
}

/** A demo account as the signed-in user the domain functions expect. */
export async function as(username: string): Promise<AuthUser> {
  const { getUserByUsername } = await import("~/org/users.server");
  const user = getUserByUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  return { ...user, via: "cookie" };
}

export function git(dataDir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", path.join(dataDir, "repo"), ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

/** The file of a document on the main line (native git). */
export function mainText(dataDir: string, number: string): string {
  const category = number.split("-")[0];
  return git(dataDir, "show", `main:documents/${category}/${number}.md`);
}

/** Main-line commits (newest first) with their trailers, read with native git. */
export function mainCommits(dataDir: string): { oid: string; trailers: Record<string, string[]> }[] {
  const out = git(dataDir, "log", "--first-parent", "--format=%H%x00%B%x1e", "main");
  return out
    .split("\x1e")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [oid, message] = entry.split("\x00");
      const paragraphs = message.trim().split(/\n\s*\n/);
      const trailers: Record<string, string[]> = {};
      for (const line of paragraphs[paragraphs.length - 1].split("\n")) {
        const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
        if (m) (trailers[m[1]] ??= []).push(m[2]);
      }
      return { oid, trailers };
    });
}

/** The body of a markdown file (front matter removed). */
export function bodyOf(text: string): string {
  return text.replace(/^---\n[\s\S]*?\n---\n\n?/, "");
}
