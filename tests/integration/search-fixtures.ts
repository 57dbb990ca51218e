/**
 * Helpers for the search tests: publish documents through the real publisher
 * (so "document.published" fires), look up demo accounts, start search in
 * this process the way the portal's boot step does.
 */
import type { Confidentiality, DocumentMeta } from "~/documents/front-matter";
import type { VersionRecord } from "~/documents/version-index.server";
import type { SearchEngine } from "~/search/engine.server";

const editor = { username: "editor", name: "王编辑", email: "editor@regula.example" };

export interface TestDoc {
  category?: string;
  type?: string;
  title: string;
  body: string;
  confidentiality?: Confidentiality;
  ownerDepartment?: string;
  audienceDepartments?: string[];
}

/** Publishes a new document with a freshly issued number. */
export async function publishTestDoc(doc: TestDoc): Promise<VersionRecord> {
  const { allocateNumber } = await import("~/documents/numbering.server");
  const { allNumbers } = await import("~/documents/version-index.server");
  const { publishVersion } = await import("~/documents/documents.server");
  const category = doc.category ?? "EXE";
  const number = await allocateNumber(category, allNumbers(), "editor", "search test");
  const meta: DocumentMeta = {
    number,
    title: doc.title,
    category,
    type: doc.type ?? "manual",
    ownerDepartment: doc.ownerDepartment ?? "ops",
    confidentiality: doc.confidentiality ?? "internal",
    audienceDepartments: doc.audienceDepartments ?? [],
    retired: false,
  };
  return publishVersion({ number, meta, body: doc.body, author: editor, change: "new", summary: "First publication", approvedBy: ["approver"] });
}

/** Publishes the next version of a document (new body and/or title, or a retirement). */
export async function reviseTestDoc(number: string, change: { body?: string; title?: string; retire?: boolean; confidentiality?: Confidentiality }): Promise<VersionRecord> {
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const current = latestVersion(number)!;
  const { meta, body } = await readVersionContent(current);
  return publishVersion({
    number,
    meta: {
      ...meta,
      title: change.title ?? meta.title,
      confidentiality: change.confidentiality ?? meta.confidentiality,
      effectiveDate: undefined,
      nextReviewDate: undefined,
    },
    body: change.body ?? body,
    author: editor,
    change: change.retire ? "retire" : "minor",
    summary: change.retire ? "Retired" : "Revision",
    approvedBy: ["approver"],
    expectedVersion: current.version,
  });
}

/** A demo account by username. */
export async function demoUser(username: string) {
  const { getUserByUsername } = await import("~/org/users.server");
  const user = getUserByUsername(username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user;
}

/** Chooses the engine, loads or builds the index and subscribes to publications, like the boot step. */
export async function startSearchInProcess(): Promise<{ engine: SearchEngine; report: Awaited<ReturnType<typeof import("~/search/indexer.server").syncIndex>> }> {
  const { chooseEngine, resetEngineForTests } = await import("~/search/choice.server");
  const { subscribeToPublications, syncIndex } = await import("~/search/indexer.server");
  resetEngineForTests();
  const engine = await chooseEngine({ log: () => {} });
  subscribeToPublications(() => engine);
  const report = await syncIndex(engine);
  return { engine, report };
}
