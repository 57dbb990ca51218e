/**
 * Helpers for the access tests: the restricted document carrying the marker
 * (the sample content's, or one published here when the sample has none),
 * sign-ins, and the test hooks that move the server clock.
 */
import { afterAll, beforeAll } from "vitest";
import type { DocumentMeta } from "~/documents/front-matter";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";

export const MARKER = "RESTRICTED-MARKER-7Q4Z";
export const DAY = 86_400_000;

/** Usernames of the demo department heads (approvers). */
export const HEAD_OF: Record<string, string> = { ops: "approver", qa: "qahead", fin: "finhead", hr: "hrhead" };

export interface RestrictedDoc {
  number: string;
  title: string;
  ownerDepartment: string;
  audienceDepartments: string[];
  versions: number;
  /** Distinctive body words (not in the title) to search for. */
  bodyWords: string[];
  /** A section id without the marker, and the one holding it. */
  cleanSection?: string;
  markerSection?: string;
  /** A document open to everyone. */
  internalNumber: string;
}

const editor = { username: "editor", name: "王编辑", email: "editor@regula.example" };

const V1 = `# Supplier rebate terms

This document records negotiated rebate terms with strategic suppliers.

## Scope

Applies to purchase orders above the framework threshold. Quarterly volume reviews happen with procurement.

## Rebate schedule

The confidential rebate ladder is ${MARKER}: tier one 2.5%, tier two 4%, tier three 6.25%.

| tier | volume | rebate |
|---|---|---|
| 1 | 100k | 2.5% |

## Escalation contacts

Disputes go to the head of quality management, then to the finance director.
`;

const V2 = V1.replace("tier three 6.25%", "tier three 6.5% (renegotiated)").replace(
  "Quarterly volume reviews",
  "Monthly volume reviews",
);

/**
 * Finds the restricted document that carries the marker in the world's
 * repository; publishes one (two versions, owned by QA) when the sample
 * content has none. Call before starting a server on the world.
 */
export async function ensureRestrictedDoc(world: World): Promise<RestrictedDoc> {
  await useWorldInProcess(world);
  const internalNumber = await ensureInternalDoc();
  const { allLatest } = await import("~/documents/version-index.server");
  const { readVersionContent, publishVersion } = await import("~/documents/documents.server");
  const { sectionsOf, extractSections } = await import("~/access/sections.server");
  for (const record of allLatest()) {
    if (record.meta.confidentiality !== "restricted") continue;
    const { body } = await readVersionContent(record);
    if (!body.includes(MARKER) || record.meta.title.includes(MARKER)) continue;
    const sections = sectionsOf(body).filter((s) => s.depth >= 2);
    const split = {
      cleanSection: sections.find((s) => !extractSections(body, [s.id]).includes(MARKER))?.id,
      markerSection: sections.find((s) => extractSections(body, [s.id]).includes(MARKER))?.id,
    };
    return {
      number: record.number,
      title: record.meta.title,
      ownerDepartment: record.meta.ownerDepartment,
      audienceDepartments: record.meta.audienceDepartments,
      versions: record.version,
      bodyWords: distinctiveWords(body, record.meta.title),
      ...split,
      internalNumber,
    };
  }
  const { allocateNumber } = await import("~/documents/numbering.server");
  const { allNumbers } = await import("~/documents/version-index.server");
  const number = await allocateNumber("APR", allNumbers(), "editor", "access test");
  const meta: DocumentMeta = {
    number,
    title: "Supplier rebate terms",
    category: "APR",
    type: "policy",
    ownerDepartment: "qa",
    confidentiality: "restricted",
    audienceDepartments: [],
    retired: false,
  };
  const { getConfig } = await import("~/documents/config.server");
  if (!getConfig().types.some((t) => t.code === meta.type)) meta.type = getConfig().types[0].code;
  await publishVersion({ number, meta, body: V1, author: editor, change: "new", summary: "First publication", approvedBy: ["qahead"] });
  await publishVersion({ number, meta, body: V2, author: editor, change: "minor", summary: "Rebate ladder renegotiated", approvedBy: ["qahead"], expectedVersion: 1 });
  return {
    number,
    title: meta.title,
    ownerDepartment: "qa",
    audienceDepartments: [],
    versions: 2,
    bodyWords: ["framework threshold", "rebate ladder", "renegotiated", "escalation contacts"],
    cleanSection: "scope",
    markerSection: "rebate-schedule",
    internalNumber,
  };
}

/** An internal document's number (publishes one when the repository has none). */
async function ensureInternalDoc(): Promise<string> {
  const { allLatest, allNumbers } = await import("~/documents/version-index.server");
  const found = allLatest().find((r) => r.meta.confidentiality === "internal" && !r.meta.retired);
  if (found) return found.number;
  const { allocateNumber } = await import("~/documents/numbering.server");
  const { publishVersion } = await import("~/documents/documents.server");
  const number = await allocateNumber("EXE", allNumbers(), "editor", "access test");
  const meta: DocumentMeta = {
    number,
    title: "Visitor badge procedure",
    category: "EXE",
    type: "procedure",
    ownerDepartment: "ops",
    confidentiality: "internal",
    audienceDepartments: [],
    retired: false,
  };
  const body = "# Visitor badge procedure\n\n## Issuing\n\nReception issues a dated badge against photo ID.\n";
  await publishVersion({ number, meta, body, author: editor, change: "new", summary: "First publication", approvedBy: ["approver"] });
  return number;
}

/** Words of the body (not of the title) a search could match: English words, and Chinese runs near the marker. */
function distinctiveWords(body: string, title: string): string[] {
  const english = body
    .replace(/[#|*`>\-_[\]()]/g, " ")
    .split(/\s+/)
    .filter((w) => /^[A-Za-z]{8,}$/.test(w) && !title.toLowerCase().includes(w.toLowerCase()));
  const near = body.split("\n").find((l) => l.includes(MARKER)) ?? "";
  const chinese = [...near.matchAll(/[\u4e00-\u9fff]{4,}/g)].map((m) => m[0].slice(0, 4)).filter((w) => !title.includes(w));
  return [...new Set([...chinese.slice(0, 2), ...english.slice(0, 3)])];
}

export interface RestrictedSuite {
  world: World;
  server: RunningServer;
  doc: RestrictedDoc;
  /** The head of the department that owns the document (decides its access requests). */
  head: string;
}

/**
 * A suite's set-up and clean-up: a world holding the restricted document, and a running server.
 * `ready` receives them before the suite's tests run.
 */
export function restrictedSuite(ready: (suite: RestrictedSuite) => void): void {
  let world: World | undefined;
  beforeAll(async () => {
    world = await createWorld();
    const doc = await ensureRestrictedDoc(world);
    ready({ world, doc, head: HEAD_OF[doc.ownerDepartment], server: await world.server() });
  });
  afterAll(async () => world?.cleanup());
}

export function signedIn(server: RunningServer, username: string): Promise<Client> {
  return signIn(server.url, username, { lang: null });
}

/** Moves the test server's clock forward. */
export async function advanceClock(server: RunningServer, ms: number): Promise<void> {
  const res = await fetch(`${server.url}/api/test-hooks`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ advanceMs: ms }),
  });
  if (!res.ok) throw new Error(`test hook failed: ${res.status}`);
}

/** Runs scheduled jobs now (all, or one by name). */
export async function runJobs(server: RunningServer, name: string | true = true): Promise<void> {
  const res = await fetch(`${server.url}/api/test-hooks`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ runJobs: name }),
  });
  if (!res.ok) throw new Error(`test hook failed: ${res.status}`);
}

/** Sends a JSON API call with the session cookie and CSRF header, like a script in the page would. */
export async function apiPost(c: Client, path: string, body: unknown, method = "POST") {
  if (!c.csrf) await c.get("/access");
  const res = await fetch(c.baseUrl + path, {
    method,
    headers: {
      Cookie: c.cookieHeader(),
      "Content-Type": "application/json",
      Accept: "application/json",
      Origin: c.baseUrl,
      "X-CSRF-Token": c.csrf,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, any>, headers: res.headers };
}

/** The id a request page was redirected to (/access/requests/<id>?sent=1). */
export function requestIdFrom(location: string | null): string {
  const m = /\/access\/requests\/([0-9a-f-]{36})/.exec(location ?? "");
  if (!m) throw new Error(`no request id in ${location}`);
  return m[1];
}
