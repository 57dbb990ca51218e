import { apiError, apiNotFound } from "~/web/http.server";
import { DomainError } from "~/utils/errors.server";
import type { ActionFunctionArgs } from "@remix-run/node";
import { getUserByUsername } from "~/org/users.server";
import { publishVersion, readVersionContent } from "~/documents/documents.server";
import type { DocumentMeta } from "~/documents/front-matter";
import { allocateNumber } from "~/documents/numbering.server";
import { allNumbers, latestVersion, type ChangeKind } from "~/documents/version-index.server";
import { emit, type DomainEvents } from "~/documents/events.server";

/**
 * Test hook: publish a version through the real publisher inside the running
 * portal (standing in for the approval workflow, which has its own tests), or
 * emit a domain event as another domain would. Exists only when the process
 * was started with REGULA_TEST_HOOKS=1; otherwise it answers 404.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (process.env.REGULA_TEST_HOOKS !== "1") return apiNotFound();
  const body = (await request.json().catch(() => ({}))) as {
    actor?: string;
    change?: ChangeKind;
    summary?: string;
    document?: Partial<DocumentMeta> & { body?: string };
    emit?: { event: keyof DomainEvents; payload: DomainEvents[keyof DomainEvents] };
  };
  if (body.emit) {
    await emit(body.emit.event, body.emit.payload as never);
    return Response.json({ emitted: body.emit.event });
  }
  const actor = getUserByUsername(body.actor ?? "editor");
  if (!actor) return Response.json({ error: "unknown actor" }, { status: 400 });
  const change = body.change ?? "new";
  const doc = body.document ?? {};
  const started = performance.now();
  let meta: DocumentMeta;
  let text: string;
  let expectedVersion = 0;
  if (change === "new") {
    const category = doc.category ?? "EXE";
    const number = doc.number ?? (await allocateNumber(category, allNumbers(), actor.username, "test hook"));
    meta = {
      number,
      title: doc.title ?? `Test document ${number}`,
      category,
      type: doc.type ?? "manual",
      ownerDepartment: doc.ownerDepartment ?? actor.departmentId,
      confidentiality: doc.confidentiality ?? "internal",
      audienceDepartments: doc.audienceDepartments ?? [],
      nextReviewDate: doc.nextReviewDate,
      retired: false,
    };
    text = doc.body ?? "Body.";
  } else {
    const current = doc.number ? latestVersion(doc.number) : undefined;
    if (!current) return Response.json({ error: "unknown document" }, { status: 404 });
    const content = await readVersionContent(current);
    const { body: newBody, ...fields } = doc;
    meta = { ...content.meta, ...fields, effectiveDate: undefined, nextReviewDate: fields.nextReviewDate } as DocumentMeta;
    text = newBody ?? `${content.body}\n\nRevision ${current.version + 1}.`;
    expectedVersion = current.version;
  }
  let record;
  try {
    record = await publishVersion({
      number: meta.number,
      meta,
      body: text,
      author: { username: actor.username, name: actor.name, email: actor.email },
      change,
      summary: body.summary ?? (change === "new" ? "First publication" : "Revision"),
      approvedBy: ["approver"],
      expectedVersion,
    });
  } catch (error) {
    // A refusal is answered as the API answers it (status, code, Retry-After), not as a crash.
    if (error instanceof DomainError) return apiError(error);
    throw error;
  }
  return Response.json({ number: record.number, version: record.version, ms: Math.round(performance.now() - started) });
}

export async function loader() {
  return apiNotFound();
}
