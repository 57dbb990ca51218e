/**
 * What the revision pages show, assembled from the domain functions so the
 * routes stay thin: each function checks access and returns plain,
 * serialisable data.
 */
import { decideRead } from "~/access/policy.server";
import { linksForReader, referencedBy } from "~/reading/citation-links.server";
import type { AuthUser } from "~/access/session.server";
import { getUserById, hasRole, isAdmin, listDepartments } from "~/org/users.server";
import { getConfig } from "~/documents/config.server";
import { diffBodies, formattedBodies, formattedBodiesFold, readVersionContent, requireDocument } from "~/documents/documents.server";
import { openCurrent } from "~/reading/open.server";
import type { FormattedItem } from "~/documents/diff-blocks.server";
import type { DocumentMeta } from "~/documents/front-matter";
import { labelMaps } from "~/documents/labels.server";
import { renderMarkdown } from "~/documents/render.server";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { now } from "~/utils/clock.server";
import { AccessDeniedError, msg, NotFoundError } from "~/utils/errors.server";
import { canViewProposal, currentApprovers, isFarEffectiveDate, isOverdue, isStale, listProposals, nextScheduled, logProposalView, readProposalText, requireVisibleProposal, waitingFor, overdueApprovals, rerouteCandidates, strandedProposals } from "./proposals.server";
import { mergeView } from "./rebase.server";
import { mayTriage, mayTriageSuggestion, suggestionStats, suggestionsOn, listSuggestions } from "./suggestions.server";
import { EDITABLE_STATUSES, OPEN_STATUSES, type Proposal } from "./types";

const META_FIELDS = ["title", "type", "ownerDepartment", "confidentiality", "audienceDepartments"] as const;

function metaChanges(a: DocumentMeta | null, b: DocumentMeta) {
  const show = (v: unknown) => (Array.isArray(v) ? v.join(", ") : v === undefined || v === null ? "" : String(v));
  const changes = META_FIELDS.filter((f) => show(a?.[f]) !== show(b[f])).map((f) => ({ field: f as string, from: show(a?.[f]), to: show(b[f]) }));
  if (a && !a.retired && b.retired) changes.push({ field: "retired", from: "", to: "yes" });
  return changes;
}

/** A proposal as lists show it. */
export function proposalRow(p: Proposal) {
  return {
    id: p.id,
    number: p.number,
    title: p.meta.title,
    kind: p.kind,
    change: p.change,
    status: p.status,
    author: p.author.name,
    authorUsername: p.author.username,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    baseVersion: p.baseVersion,
    dueAt: p.status === "in-review" ? p.stage?.dueAt ?? null : null,
    stageRole: p.status === "in-review" ? p.stage?.role ?? null : null,
    overdue: isOverdue(p),
    stale: OPEN_STATUSES.includes(p.status) && p.status !== "scheduled" && isStale(p),
    effectiveDate: p.scheduledFor ?? p.effectiveDate ?? null,
    publishedVersion: p.publishedVersion ?? null,
  };
}
export type ProposalRow = ReturnType<typeof proposalRow>;

function nameOfUser(id: string) {
  const u = getUserById(id);
  return u ? { username: u.username, name: u.name } : { username: id, name: id };
}

/** What a proposal is compared with: a published proposal, the change it made (previous version → its version); any other, the current version. */
async function proposalComparison(user: AuthUser, p: ReturnType<typeof requireVisibleProposal>) {
  const current = latestVersion(p.number);
  const currentContent = current ? await readVersionContent(current) : null;
  let compare: { from: number | null; to: number | null; fromBody: string; fromMeta: DocumentMeta | null } = {
    from: current?.version ?? null,
    to: null,
    fromBody: currentContent?.body ?? "",
    fromMeta: currentContent?.meta ?? null,
  };
  if (p.status === "published" && p.publishedVersion && current && decideRead(user, current.meta, { history: true }).allowed) {
    const previous = versionsOf(p.number).find((v) => v.version === p.publishedVersion! - 1);
    const content = previous ? await readVersionContent(previous) : null;
    compare = { from: previous?.version ?? null, to: p.publishedVersion, fromBody: content?.body ?? "", fromMeta: content?.meta ?? null };
  }
  return { current, compare, attachmentBases: attachmentBasesOf(p, compare) };
}

/** Where the diff's images and attachment links point: the compared version's files, and the draft's (or the version it became). */
function attachmentBasesOf(p: Proposal, compare: { from: number | null; to: number | null }) {
  return {
    old: compare.from ? `/docs/${p.number}/v/${compare.from}/` : undefined,
    new: compare.to ? `/docs/${p.number}/v/${compare.to}/` : `/proposals/${p.id}/`,
  };
}

/** One folded stretch of a proposal's formatted diff, loaded when the reader opens it. */
export async function proposalDiffFold(user: AuthUser, id: string, fold: number): Promise<FormattedItem[]> {
  const p = requireVisibleProposal(user, id);
  const draft = await readProposalText(p);
  const { compare, attachmentBases } = await proposalComparison(user, p);
  const items = formattedBodiesFold(compare.fromBody, draft.body, fold, { attachmentBases });
  if (!items) throw new NotFoundError(msg("documents.err.noFold", { fold }));
  return items;
}

/**
 * The proposal page: record, stage, diff against the current version, preview, and what this user may do.
 * `diffView` chooses the formatted diff (default, with folds listed in `expand` shown open) or the source diff.
 */
export async function proposalPage(user: AuthUser, id: string, options: { diffView?: "formatted" | "split" | "inline"; expand?: number[] } = {}) {
  const p = requireVisibleProposal(user, id);
  const draft = await readProposalText(p);
  const { current, compare, attachmentBases } = await proposalComparison(user, p);
  await logProposalView(user, p, "proposal");
  const stale = OPEN_STATUSES.includes(p.status) && p.status !== "scheduled" && isStale(p);
  const approvers = currentApprovers(p);
  const author = user.id === p.author.id;
  const editable = EDITABLE_STATUSES.includes(p.status);
  return {
    proposal: {
      ...proposalRow(p),
      summary: p.summary,
      restoreOf: p.restoreOf ?? null,
      fromSuggestion: p.fromSuggestion ?? null,
      submittedAt: p.submittedAt ?? null,
      stages: p.stages,
      stage: p.stage ? { index: p.stage.index, role: p.stage.role, startedAt: p.stage.startedAt, dueAt: p.stage.dueAt, token: p.stage.token } : null,
      decisions: p.decisions,
      meta: p.meta,
      headCommit: p.headCommit,
      publishedAt: p.publishedAt ?? null,
      requestedEffectiveDate: p.effectiveDate ?? null,
    },
    approvers: approvers.map((u) => ({ username: u.username, name: u.name })),
    farEffectiveDate: OPEN_STATUSES.includes(p.status) && isFarEffectiveDate(p.scheduledFor ?? p.effectiveDate),
    current: current ? { version: current.version, title: current.meta.title, retired: current.meta.retired } : null,
    stale,
    compare: { from: compare.from, to: compare.to },
    diff: options.diffView === "split" || options.diffView === "inline" ? diffBodies(compare.fromBody, draft.body) : null,
    formatted: options.diffView === "split" || options.diffView === "inline" ? null : formattedBodies(compare.fromBody, draft.body, { expand: options.expand, attachmentBases }),
    metaChanges: metaChanges(compare.fromMeta, draft.meta),
    preview: linksForReader(user, renderMarkdown(draft.body, { attachmentBase: `/proposals/${p.id}/` }).html),
    // A retirement or a major change: the documents that cite this one, before anyone approves it (decision 089).
    citers: p.kind === "retire" || p.change === "major" ? await referencedBy(user, p.number) : null,
    labels: labelMaps(),
    can: {
      edit: author && editable,
      submit: author && editable && !stale,
      update: author && editable && stale,
      recall: author && p.status === "in-review",
      withdraw: (author && OPEN_STATUSES.includes(p.status) && p.status !== "scheduled") || (isAdmin(user) && OPEN_STATUSES.includes(p.status)),
      decide: !author && p.status === "in-review" && approvers.some((a) => a.id === user.id),
    },
    isAuthor: author,
  };
}

/** The editor for a draft. */
export async function editPage(user: AuthUser, id: string) {
  const p = requireVisibleProposal(user, id);
  if (p.author.id !== user.id) throw new AccessDeniedError(msg("revisions.err.authorEdit"));
  const draft = await readProposalText(p);
  await logProposalView(user, p, "proposal edit");
  const config = getConfig();
  return {
    proposal: proposalRow(p),
    editable: EDITABLE_STATUSES.includes(p.status),
    textEditable: p.kind === "revision" || p.kind === "new",
    body: draft.body,
    meta: draft.meta,
    summary: p.summary,
    effectiveDate: p.effectiveDate ?? "",
    types: config.types.map((t) => ({ code: t.code, name: t.name })),
    departments: listDepartments().map((d) => ({ id: d.id, name: d.name })),
    stale: isStale(p),
  };
}

/** The start-a-proposal page of a document. */
export async function proposePage(user: AuthUser, number: string) {
  if (!hasRole(user, "editor")) throw new AccessDeniedError(msg("revisions.err.editorsOnly"));
  const view = await openCurrent(user, number, "propose");
  if (view.access === "denied" || (view.decision.allowed && view.decision.grant && view.decision.grant.sections !== "all")) {
    throw new AccessDeniedError(msg("revisions.err.proposeAccess", { number }));
  }
  const history = decideRead(user, view.record.meta, { history: true }).allowed;
  const config = getConfig();
  return {
    number: view.summary.number,
    title: view.meta.title,
    version: view.record.version,
    retired: view.meta.retired,
    body: view.body,
    meta: view.meta,
    versions: history
      ? versionsOf(number)
          .map((v) => ({ version: v.version, date: v.date, summary: v.summary }))
          .reverse()
      : [],
    open: listProposals({ number: view.summary.number, open: true })
      .filter((p) => canViewProposal(user, p))
      .map(proposalRow),
    types: config.types.map((t) => ({ code: t.code, name: t.name })),
    departments: listDepartments().map((d) => ({ id: d.id, name: d.name })),
  };
}

/** The new-document page. */
export function newDocumentPage(user: AuthUser) {
  if (!hasRole(user, "editor")) throw new AccessDeniedError(msg("revisions.err.editorsNew"));
  const config = getConfig();
  return {
    categories: config.categories.map((c) => ({ code: c.code, name: c.name })),
    types: config.types.map((t) => ({ code: t.code, name: t.name })),
    departments: listDepartments().map((d) => ({ id: d.id, name: d.name })),
    userDepartment: user.departmentId,
  };
}

/** The update (merge) page of a stale proposal. */
export async function updatePage(user: AuthUser, id: string) {
  const p = requireVisibleProposal(user, id);
  if (p.author.id !== user.id) throw new AccessDeniedError(msg("revisions.err.authorUpdate"));
  await logProposalView(user, p, "proposal update");
  return { proposal: proposalRow(p), merge: await mergeView(p) };
}

export type ProposalListView = "mine" | "open" | "all";

/** The proposals list: mine, open ones, or all, that this user may see. */
export function proposalsIndex(user: AuthUser, options: { view: ProposalListView; status?: string; number?: string }) {
  const status =
    OPEN_STATUSES.includes(options.status as never) || options.status === "published" || options.status === "withdrawn"
      ? (options.status as Proposal["status"])
      : undefined;
  const list = listProposals({
    authorId: options.view === "mine" ? user.id : undefined,
    open: options.view === "open" ? true : undefined,
    status,
    number: options.number || undefined,
  }).filter((p) => canViewProposal(user, p));
  return {
    view: options.view,
    status: status ?? "",
    number: options.number ?? "",
    rows: list.slice(0, 500).map(proposalRow),
    total: list.length,
    canCreate: hasRole(user, "editor"),
    waiting: waitingFor(user).length,
  };
}

/** The approver's inbox: waiting items (overdue flagged), and for admins every overdue approval. */
export function inboxPage(user: AuthUser) {
  const mine = waitingFor(user);
  const decided = listProposals()
    .filter((p) =>
      p.decisions.some((d) => d.by.id === user.id && (d.decision === "approved" || d.decision === "rejected" || d.decision === "changes-requested"))
    )
    .slice(0, 20);
  return {
    waiting: mine.map((w) => ({ ...proposalRow(w.proposal), summary: w.proposal.summary })),
    overdueAll: isAdmin(user)
      ? overdueApprovals().map((w) => ({ ...proposalRow(w.proposal), approvers: currentApprovers(w.proposal).map((u) => u.name) }))
      : null,
    decided: decided.map((p) => {
      const mineDecisions = p.decisions.filter((d) => d.by.id === user.id && ["approved", "rejected", "changes-requested"].includes(d.decision));
      const last = mineDecisions[mineDecisions.length - 1];
      return { ...proposalRow(p), myDecision: last.decision, decidedAt: last.at };
    }),
    serviceLevelWorkingDays: getConfig().approval.serviceLevelWorkingDays,
    now: now().toISOString(),
  };
}

/** The upcoming (scheduled) version of a document against the current one, for its readers. */
export async function upcomingPage(user: AuthUser, number: string) {
  const view = await openCurrent(user, number, "upcoming version");
  if (view.access === "denied" || (view.decision.allowed && view.decision.grant && view.decision.grant.sections !== "all")) {
    throw new AccessDeniedError(msg("documents.err.needAccess", { number }));
  }
  const scheduled = nextScheduled(view.summary.number);
  if (!scheduled) throw new NotFoundError(msg("revisions.err.noUpcoming", { number }));
  const draft = await readProposalText(scheduled);
  return {
    number: view.summary.number,
    currentVersion: view.record.version,
    effectiveDate: scheduled.scheduledFor ?? scheduled.effectiveDate ?? "",
    summary: scheduled.summary,
    change: scheduled.change,
    diff: diffBodies(view.body, draft.body),
    metaChanges: metaChanges(view.meta, draft.meta),
    labels: labelMaps(),
  };
}

/** A document's suggestions page. */
export async function suggestionsPage(user: AuthUser, number: string) {
  const record = requireDocument(number);
  const readable = decideRead(user, record.meta).allowed;
  if (!readable) throw new AccessDeniedError(msg("revisions.err.suggestionsAccess", { number }));
  const list = suggestionsOn(user, number);
  const proposals = new Map(listProposals({ number }).map((p) => [p.id, p]));
  return {
    number: record.number,
    retired: record.meta.retired,
    canTriage: mayTriage(user, record.meta.ownerDepartment),
    suggestions: list.map((s) => {
      const p = s.proposalId ? proposals.get(s.proposalId) : undefined;
      return {
        ...s,
        mine: s.by.id === user.id,
        proposalStatus: p?.status ?? null,
        proposalVisible: p ? canViewProposal(user, p) : false,
        publishedVersion: p?.publishedVersion ?? null,
      };
    }),
  };
}

/** My suggestions and their outcomes; for editors, the open ones waiting for their department. */
export function mySuggestionsPage(user: AuthUser) {
  const proposals = new Map(listProposals().map((p) => [p.id, p]));
  const decorate = (s: ReturnType<typeof listSuggestions>[number]) => {
    const p = s.proposalId ? proposals.get(s.proposalId) : undefined;
    const doc = latestVersion(s.number);
    return { ...s, title: doc?.meta.title ?? "", proposalStatus: p?.status ?? null, publishedVersion: p?.publishedVersion ?? null };
  };
  const toTriage =
    hasRole(user, "editor") || isAdmin(user)
      ? listSuggestions({ status: "open" })
          .filter((s) => mayTriageSuggestion(user, s))
          .map(decorate)
      : [];
  return { mine: listSuggestions({ byUserId: user.id }).map(decorate), toTriage };
}

/** The suggestions report (admins and department heads). */
export function suggestionReport(user: AuthUser) {
  if (!isAdmin(user) && !hasRole(user, "approver")) throw new AccessDeniedError(msg("revisions.err.suggestionsReportWho"));
  const department = isAdmin(user) ? undefined : user.departmentId;
  return {
    scope: department ?? null,
    stats: suggestionStats({ ownerDepartment: department }),
    labels: labelMaps(),
  };
}

export { nameOfUser };

/** Proposals in review nobody can carry to a decision, with what is missing and whom a stage may be routed to (admin home page). */
export function strandedPage() {
  return strandedProposals().map(({ proposal: p, gap }) => ({
    id: p.id,
    number: p.number,
    title: p.meta.title,
    author: p.author.username,
    stages: p.stages,
    waitingStage: p.stage?.index ?? 0,
    gap: { stage: gap.stage, token: gap.token, role: gap.role, said: gap.said },
    candidates: rerouteCandidates(p).map((u) => ({ username: u.username, name: u.name })),
  }));
}
