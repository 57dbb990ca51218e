/**
 * Consolidating copies of one manual into one numbered document. A document
 * controller opens a consolidation of 2–5 copies (current documents, or files
 * of an import's dry run), picks or edits the text of every clause where the
 * copies differ, and turns the draft into an ordinary proposal for a new
 * document. When that proposal is published, the copies that are documents
 * are retired, each carrying "consolidated-into" in its front matter, and the
 * people who had acknowledged a copy are asked to read the new document.
 * Records are the lowdb collection "consolidations" (decision 092).
 */
import { decideRead } from "~/access/policy.server";
import type { AuthUser } from "~/access/session.server";
import { getUserById, hasRole } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { wordSegments, type DiffSegment } from "~/documents/diff.server";
import { publishVersion, readVersionContent } from "~/documents/documents.server";
import { CONFIDENTIALITY, type DocumentMeta } from "~/documents/front-matter";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { acknowledgedBy, requireAcknowledgement } from "~/notifications/acknowledgements.server";
import { getProposal } from "~/revisions/proposals.server";
import { createProposal } from "~/revisions/commands/create.server";
import { now, nowIso } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { alignClauses, splitClauses, type AlignedRow, type RowState } from "./align";

const COLLECTION = "consolidations";
const LOCK = "consolidations";
export const MIN_COPIES = 2;
export const MAX_COPIES = 5;
/** The front matter key a retired copy carries: the number and version it was consolidated into. */
export const CONSOLIDATED_INTO = "consolidated-into";

export type ConsolidationSource =
  | { kind: "document"; number: string; version: number; title: string }
  | { kind: "file"; name: string; title: string; body: string };

/** What the controller chose for one clause: a copy's text, their own text, or leaving the clause out. */
export type ClauseChoice = { pick: number } | { text: string } | { omit: true };

export type ConsolidationStatus = "open" | "proposed" | "retiring" | "done";

export interface Consolidation {
  id: string;
  createdAt: string;
  updatedAt: string;
  by: { id: string; username: string; name: string };
  sources: ConsolidationSource[];
  /** Row id (AlignedRow.id) → choice. */
  choices: Record<string, ClauseChoice>;
  status: ConsolidationStatus;
  proposalId?: string;
  /** The consolidated document, once its proposal is published. */
  number?: string;
  version?: number;
  /** Copies retired so far. */
  retired: string[];
  /** The last failure while retiring (retried by the scheduler). */
  failure?: string;
  finishedAt?: string;
}

function requireController(user: AuthUser) {
  if (!hasRole(user, "editor")) throw new AccessDeniedError(msg("consolidation.err.controllersOnly"));
}

function nextId(): string {
  let highest = 0;
  for (const c of collection<Consolidation>(COLLECTION)) highest = Math.max(highest, Number(c.id.slice(2)) || 0);
  return `K-${String(highest + 1).padStart(4, "0")}`;
}

/** All consolidations, newest first. */
export function listConsolidations(): Consolidation[] {
  return [...collection<Consolidation>(COLLECTION)].reverse().map((c) => structuredClone(c));
}

/** One consolidation (404 when there is none). */
export function getConsolidation(id: string): Consolidation {
  const c = collection<Consolidation>(COLLECTION).find((x) => x.id === id);
  if (!c) throw new NotFoundError(msg("consolidation.err.notFound", { id: String(id).slice(0, 20) }));
  return structuredClone(c);
}

/** The consolidation a document was made by, or that retired it. */
export function consolidationOf(number: string): { into?: Consolidation; from?: Consolidation } {
  const list = collection<Consolidation>(COLLECTION);
  return {
    from: list.find((c) => c.number === number && (c.status === "done" || c.status === "retiring")),
    into: list.find((c) => c.number && c.retired.includes(number)),
  };
}

async function mutate<T>(id: string, fn: (c: Consolidation) => T): Promise<T> {
  return updateDb((data) => {
    const rec = mutableCollection<Consolidation>(data, COLLECTION).find((x) => x.id === id);
    if (!rec) throw new NotFoundError(msg("consolidation.err.notFound", { id }));
    rec.updatedAt = nowIso();
    return fn(rec);
  });
}

/** Starts a consolidation of 2–5 current documents the controller may read. */
export async function startConsolidation(user: AuthUser, input: { numbers?: string[]; files?: { name: string; title: string; body: string }[] }): Promise<Consolidation> {
  requireController(user);
  const numbers = [...new Set((input.numbers ?? []).map((n) => n.trim().toUpperCase()).filter(Boolean))];
  const files = input.files ?? [];
  const count = numbers.length + files.length;
  if (count < MIN_COPIES || count > MAX_COPIES) throw new ValidationError(msg("consolidation.err.count", { min: MIN_COPIES, max: MAX_COPIES }), { numbers: "consolidation.fe.count" });
  const sources: ConsolidationSource[] = [];
  for (const number of numbers) {
    const current = latestVersion(number);
    if (!current) throw new ValidationError(msg("documents.err.noDocument", { number: number.slice(0, 40) }), { numbers: "consolidation.fe.unknown" });
    if (current.meta.retired) throw new ValidationError(msg("consolidation.err.retired", { number }), { numbers: "consolidation.fe.retired" });
    if (!decideRead(user, current.meta).allowed) throw new AccessDeniedError(msg("consolidation.err.noAccess", { number }));
    sources.push({ kind: "document", number, version: current.version, title: current.meta.title });
  }
  for (const f of files) sources.push({ kind: "file", name: f.name.slice(0, 300), title: f.title.slice(0, 200), body: f.body });
  return withLock(LOCK, async () => {
    const at = nowIso();
    const rec: Consolidation = {
      id: nextId(),
      createdAt: at,
      updatedAt: at,
      by: { id: user.id, username: user.username, name: user.name },
      sources,
      choices: {},
      status: "open",
      retired: [],
    };
    await updateDb((data) => {
      mutableCollection<Consolidation>(data, COLLECTION).push(rec);
    });
    try {
      await appendAudit({ actor: user.username, action: "consolidation.start", object: rec.id, details: { copies: sources.map(sourceName) } });
    } catch (error) {
      await updateDb((data) => {
        const list = mutableCollection<Consolidation>(data, COLLECTION);
        list.splice(list.findIndex((x) => x.id === rec.id), 1);
      });
      throw error;
    }
    return structuredClone(rec);
  });
}

/** A copy's name as shown: its number and version, or its file name. */
export function sourceName(s: ConsolidationSource): string {
  return s.kind === "document" ? `${s.number} v${s.version}` : s.name;
}

/** The texts of the copies, in order. */
export async function sourceBodies(c: Pick<Consolidation, "sources">): Promise<string[]> {
  return Promise.all(
    c.sources.map(async (s) => {
      if (s.kind === "file") return s.body;
      const record = versionsOf(s.number).find((v) => v.version === s.version);
      if (!record) throw new NotFoundError(msg("documents.err.noVersion", { number: s.number, version: String(s.version) }));
      return (await readVersionContent(record)).body;
    }),
  );
}

export interface ViewVariant {
  copies: number[];
  /** The text with word-level marks against the row's first variant (which is all "same"). */
  segments: DiffSegment[];
  text: string;
}

export interface ViewRow {
  id: string;
  label: string;
  state: RowState;
  variants: ViewVariant[];
  /** Copies without this clause. */
  missing: number[];
  choice?: ClauseChoice;
  /** The text this row gives the draft: a string, null when left out, undefined while undecided. */
  chosen?: string | null;
}

export interface ConsolidationView {
  rows: ViewRow[];
  counts: { same: number; differ: number; partial: number; undecided: number };
  /** The running draft; undecided clauses are left out and counted. */
  draft: string;
}

/** Copies' clauses aligned, with the differences marked word by word and the draft so far. */
export function buildView(bodies: string[], choices: Record<string, ClauseChoice>): ConsolidationView {
  const rows = alignClauses(bodies.map(splitClauses));
  const counts = { same: 0, differ: 0, partial: 0, undecided: 0 };
  const out: ViewRow[] = rows.map((row) => {
    counts[row.state]++;
    const base = row.variants[0].text;
    const variants = row.variants.map((v, i) => ({
      copies: v.copies,
      text: v.text,
      segments: i === 0 ? [{ text: v.text, kind: "same" as const }] : (wordSegments(base, v.text)?.merged ?? [{ text: v.text, kind: "add" as const }]),
    }));
    const missing = row.cells.map((c, i) => (c ? -1 : i)).filter((i) => i >= 0);
    const choice = validChoice(row, choices[row.id]);
    const chosen = chosenText(row, choice);
    if (chosen === undefined) counts.undecided++;
    return { id: row.id, label: row.label, state: row.state, variants, missing, choice, chosen };
  });
  const draft = out
    .map((r) => r.chosen)
    .filter((t): t is string => typeof t === "string" && t.trim() !== "")
    .join("\n\n");
  return { rows: out, counts, draft: draft ? `${draft}\n` : "" };
}

function validChoice(row: AlignedRow, choice: ClauseChoice | undefined): ClauseChoice | undefined {
  if (!choice) return undefined;
  if ("pick" in choice) return row.cells[choice.pick] ? choice : undefined;
  return choice;
}

function chosenText(row: AlignedRow, choice: ClauseChoice | undefined): string | null | undefined {
  if (choice) {
    if ("pick" in choice) return row.cells[choice.pick]!.text;
    if ("text" in choice) return choice.text.replace(/\r\n?/g, "\n").trim();
    return null;
  }
  return row.state === "same" ? row.variants[0].text : undefined;
}

/** The consolidation and its view (the copies' texts are read once). */
export async function openConsolidation(user: AuthUser, id: string): Promise<{ consolidation: Consolidation; view: ConsolidationView }> {
  requireController(user);
  const consolidation = getConsolidation(id);
  for (const s of consolidation.sources) {
    if (s.kind !== "document") continue;
    const current = latestVersion(s.number);
    if (current && !decideRead(user, current.meta).allowed) throw new AccessDeniedError(msg("consolidation.err.noAccess", { number: s.number }));
  }
  return { consolidation, view: buildView(await sourceBodies(consolidation), consolidation.choices) };
}

export type ChoiceUpdate = { row: string; choice: "keep" | "omit" | "edit" | `copy:${number}`; text?: string };

/** Records the controller's choices (only for rows that exist; an edit needs text). */
export async function saveChoices(user: AuthUser, id: string, updates: ChoiceUpdate[], fill?: number): Promise<ConsolidationView> {
  requireController(user);
  return withLock(LOCK, async () => {
    const c = getConsolidation(id);
    if (c.status !== "open") throw new ConflictError(msg("consolidation.err.notOpen", { id }));
    const bodies = await sourceBodies(c);
    const rows = alignClauses(bodies.map(splitClauses));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const choices = { ...c.choices };
    const fieldErrors: Record<string, string> = {};
    for (const u of updates) {
      const row = byId.get(u.row);
      if (!row) continue;
      if (u.choice === "keep") delete choices[u.row];
      else if (u.choice === "omit") choices[u.row] = { omit: true };
      else if (u.choice === "edit") {
        const text = (u.text ?? "").trim();
        if (!text) fieldErrors[`text.${u.row}`] = "required";
        else choices[u.row] = { text: text.slice(0, 200_000) };
      } else {
        const pick = Number(u.choice.slice(5));
        if (!row.cells[pick]) fieldErrors[`pick.${u.row}`] = "consolidation.fe.unknownChoice";
        else choices[u.row] = { pick };
      }
    }
    if (Object.keys(fieldErrors).length) throw new ValidationError(msg("consolidation.err.choices"), fieldErrors);
    if (fill !== undefined) {
      if (!c.sources[fill]) throw new ValidationError(msg("consolidation.err.choices"), { fill: "consolidation.fe.unknownChoice" });
      for (const row of rows) {
        if (row.state === "same" || choices[row.id]) continue;
        choices[row.id] = row.cells[fill] ? { pick: fill } : { omit: true };
      }
    }
    await mutate(id, (rec) => {
      rec.choices = choices;
    });
    return buildView(bodies, choices);
  });
}

export interface ProposeInput {
  title: string;
  category: string;
  type: string;
  ownerDepartment: string;
  summary?: string;
}

/** The defaults for the proposal: the first document copy's details, the strictest confidentiality, every audience. */
export function proposalDefaults(c: Consolidation): { title: string; category: string; type: string; ownerDepartment: string; confidentiality: DocumentMeta["confidentiality"]; audienceDepartments: string[] } {
  const metas = c.sources.flatMap((s) => (s.kind === "document" ? [latestVersion(s.number)?.meta].filter((m): m is DocumentMeta => !!m) : []));
  const first = metas[0];
  const confidentiality = metas.reduce<DocumentMeta["confidentiality"]>((acc, m) => (CONFIDENTIALITY.indexOf(m.confidentiality) > CONFIDENTIALITY.indexOf(acc) ? m.confidentiality : acc), "internal");
  const everyone = metas.some((m) => !m.audienceDepartments.length);
  return {
    title: (first?.title ?? c.sources[0].title).replace(/\s*[（(]\s*\d{4}\s*年?\s*版\s*[)）]\s*$/u, ""),
    category: first?.category ?? "EXE",
    type: first?.type ?? "manual",
    ownerDepartment: first?.ownerDepartment ?? "",
    confidentiality,
    audienceDepartments: everyone ? [] : [...new Set(metas.flatMap((m) => m.audienceDepartments))],
  };
}

/**
 * Turns the draft into a proposal for a new document (every clause must be
 * decided, and the copies must still be the versions compared). The proposal
 * is then submitted and approved through the normal routing.
 */
export async function proposeConsolidation(user: AuthUser, id: string, input: ProposeInput) {
  requireController(user);
  return withLock(LOCK, async () => {
    const c = getConsolidation(id);
    if (c.status !== "open") {
      const p = c.proposalId ? getProposal(c.proposalId) : undefined;
      if (!p || p.status !== "withdrawn") throw new ConflictError(msg("consolidation.err.notOpen", { id }));
    }
    for (const s of c.sources) {
      if (s.kind !== "document") continue;
      const current = latestVersion(s.number);
      if (!current || current.meta.retired) throw new ConflictError(msg("consolidation.err.retired", { number: s.number }));
      if (current.version !== s.version) throw new ConflictError(msg("consolidation.err.moved", { number: s.number, version: current.version, was: s.version }));
    }
    const view = buildView(await sourceBodies(c), c.choices);
    if (view.counts.undecided) throw new ValidationError(msg("consolidation.err.undecided", { count: view.counts.undecided }), { choices: "consolidation.fe.undecided" });
    if (!view.draft.trim()) throw new ValidationError(msg("consolidation.err.empty"), { choices: "consolidation.fe.empty" });
    const defaults = proposalDefaults(c);
    const copies = c.sources.map(sourceName).join(", ");
    const proposal = await createProposal(user, {
      kind: "new",
      category: input.category,
      type: input.type,
      title: input.title,
      ownerDepartment: input.ownerDepartment,
      confidentiality: defaults.confidentiality,
      audienceDepartments: defaults.audienceDepartments,
      body: view.draft,
      summary: (input.summary?.trim() || `Consolidates ${copies}`).slice(0, 500),
    });
    await mutate(id, (rec) => {
      rec.status = "proposed";
      rec.proposalId = proposal.id;
    });
    await appendAudit({ actor: user.username, action: "consolidation.propose", object: id, details: { proposal: proposal.id, number: proposal.number, copies } });
    return proposal;
  });
}

/** The open consolidation behind a proposal, if any (shown on the proposal: which copies it retires). */
export function consolidationForProposal(proposalId: string): Consolidation | undefined {
  const c = collection<Consolidation>(COLLECTION).find((x) => x.proposalId === proposalId);
  return c ? structuredClone(c) : undefined;
}

/**
 * After the consolidated document's proposal is published: retires every copy
 * that is a document (front matter "consolidated-into: EXE-012 v1"), then asks
 * the people who had acknowledged a copy to read the new document. The
 * intention is recorded first ("retiring"); a copy already retired is passed
 * over, so a run cut short is finished by the next one (the scheduler retries).
 */
export async function completeConsolidation(proposalId: string): Promise<Consolidation | undefined> {
  return withLock(LOCK, async () => {
    const found = collection<Consolidation>(COLLECTION).find((x) => x.proposalId === proposalId);
    if (!found || (found.status !== "proposed" && found.status !== "retiring")) return undefined;
    const p = getProposal(proposalId);
    if (p.status !== "published" || !p.publishedVersion) return undefined;
    const into = p.number;
    const version = p.publishedVersion;
    await mutate(found.id, (rec) => {
      rec.status = "retiring";
      rec.number = into;
      rec.version = version;
    });
    const readers = new Set<string>();
    const docs = found.sources.filter((s): s is Extract<ConsolidationSource, { kind: "document" }> => s.kind === "document");
    for (const s of docs) for (const userId of acknowledgedBy(s.number)) readers.add(userId);
    const approvedBy = [...new Set(p.decisions.filter((d) => d.decision === "approved").map((d) => d.by.username))];
    const author = getUserById(found.by.id);
    try {
      for (const s of docs) {
        const current = latestVersion(s.number);
        if (!current) continue;
        if (current.meta.retired) {
          if (current.meta.extra?.[CONSOLIDATED_INTO] === `${into} v${version}`) await mutate(found.id, (rec) => void (rec.retired.includes(s.number) || rec.retired.push(s.number)));
          continue;
        }
        const { meta, body } = await readVersionContent(current);
        await publishVersion({
          number: s.number,
          meta: { ...meta, retired: true, effectiveDate: undefined, nextReviewDate: undefined, extra: { ...(meta.extra ?? {}), [CONSOLIDATED_INTO]: `${into} v${version}` } },
          body,
          author: { username: found.by.username, name: found.by.name, email: author?.email ?? `${found.by.username}@regula.invalid` },
          change: "retire",
          summary: `Consolidated into ${into} v${version}`,
          proposal: p.id,
          approvedBy,
          expectedVersion: current.version,
          timestamp: Math.floor(now().getTime() / 1000),
        });
        await mutate(found.id, (rec) => void rec.retired.push(s.number));
        await appendAudit({ actor: found.by.username, action: "consolidation.retire", object: s.number, details: { into: `${into} v${version}`, consolidation: found.id, proposal: p.id } });
      }
      await requireAcknowledgement({ userIds: [...readers], number: into, version, reason: "consolidation" });
    } catch (error) {
      await mutate(found.id, (rec) => {
        rec.failure = (error as Error).message.slice(0, 300);
      });
      throw error;
    }
    const done = await mutate(found.id, (rec) => {
      rec.status = "done";
      rec.failure = undefined;
      rec.finishedAt = nowIso();
      return structuredClone(rec);
    });
    await appendAudit({ actor: found.by.username, action: "consolidation.complete", object: into, details: { consolidation: found.id, retired: done.retired, readers: readers.size } });
    return done;
  });
}

/** Finishes consolidations whose retirements were cut short (scheduler and start-up). */
export async function finishPendingConsolidations(): Promise<number> {
  let finished = 0;
  for (const c of collection<Consolidation>(COLLECTION)) {
    if (!c.proposalId || (c.status !== "retiring" && c.status !== "proposed")) continue;
    if (getProposal(c.proposalId).status !== "published") continue;
    if (await completeConsolidation(c.proposalId)) finished++;
  }
  return finished;
}

/** The number a retired copy was consolidated into (from its front matter), if any. */
export function consolidatedInto(number: string): string | undefined {
  const current = latestVersion(number);
  const into = current?.meta.retired ? current.meta.extra?.[CONSOLIDATED_INTO] : undefined;
  const target = typeof into === "string" ? into.split(" ")[0] : undefined;
  return target && latestVersion(target) && !latestVersion(target)!.meta.retired ? target : undefined;
}
