/**
 * What the consolidation pages show: the duplicate report, one
 * consolidation's aligned view, and the copies panel of a proposal.
 */
import { decideRead } from "~/access/policy.server";
import type { AuthUser } from "~/access/session.server";
import { isAdmin } from "~/org/users.server";
import { labelMaps } from "~/documents/labels.server";
import { latestVersion } from "~/documents/version-index.server";
import { getProposal, readProposalText } from "~/revisions/proposals.server";
import { EDITABLE_STATUSES } from "~/revisions/types";
import { listConsolidations, openConsolidation, proposalDefaults, sourceName, consolidationForProposal, type Consolidation } from "./consolidations.server";
import { currentCopiesOf, duplicateGroups, type LooksLike } from "./duplicates.server";

const mayRead = (user: AuthUser, number: string) => {
  const current = latestVersion(number);
  return !!current && decideRead(user, current.meta).allowed;
};

/** The duplicate report (groups the reader may read in full) and the consolidations made so far. */
export async function consolidationsPage(user: AuthUser) {
  const consolidations = listConsolidations();
  const open = consolidations.filter((c) => c.status === "open" || c.status === "proposed");
  const groups = (await duplicateGroups())
    .filter((g) => g.numbers.every((n) => mayRead(user, n)))
    .map((g) => ({
      numbers: g.numbers,
      members: g.numbers.map((number, i) => ({ number, title: g.titles[i] })),
      pairs: g.pairs.slice(0, 20),
      consolidation: open.find((c) => g.numbers.every((n) => c.sources.some((s) => s.kind === "document" && s.number === n)))?.id ?? null,
    }));
  return {
    groups,
    consolidations: consolidations.map((c) => ({
      id: c.id,
      createdAt: c.createdAt,
      copies: c.sources.map(sourceName),
      status: c.status,
      proposalId: c.proposalId ?? null,
      number: c.number ?? null,
      version: c.version ?? null,
    })),
  };
}

/** The number of possible duplicate groups, for the dashboard (from the cached report). */
export async function duplicateCount(): Promise<number> {
  return (await duplicateGroups()).length;
}

const LETTERS = "ABCDE";

/** One consolidation, aligned clause by clause; `only` keeps the rows that need a decision. */
export async function consolidationPage(user: AuthUser, id: string, only: "all" | "open" = "all") {
  const { consolidation: c, view } = await openConsolidation(user, id);
  const proposal = c.proposalId ? getProposal(c.proposalId) : undefined;
  const reopened = c.status === "proposed" && proposal?.status === "withdrawn";
  return {
    id: c.id,
    status: c.status,
    editable: c.status === "open",
    mayPropose: c.status === "open" || reopened,
    proposal: proposal ? { id: proposal.id, number: proposal.number, status: proposal.status } : null,
    number: c.number ?? null,
    version: c.version ?? null,
    retired: c.retired,
    failure: c.failure ?? null,
    sources: c.sources.map((s, i) => ({
      letter: LETTERS[i],
      name: sourceName(s),
      title: s.title,
      href: s.kind === "document" ? `/docs/${s.number}/v/${s.version}` : null,
    })),
    counts: view.counts,
    total: view.rows.length,
    only,
    rows: view.rows.filter((r) => only === "all" || r.state !== "same"),
    draft: view.draft,
    defaults: proposalDefaults(c),
    labels: labelMaps(),
  };
}

export type ProposalCopies =
  | { kind: "consolidation"; id: string; copies: { number: string; version: number; title: string }[]; status: Consolidation["status"] }
  | { kind: "looks-like"; matches: LooksLike[] }
  | null;

const looksLikeCache = new Map<string, LooksLike[]>();

/**
 * For a proposal page: the copies a consolidation proposal retires, or, for
 * a proposed new document still being worked on, the current documents it
 * looks like ("revise that instead?"). Computed once per draft commit.
 */
export async function proposalCopies(user: AuthUser, proposalId: string): Promise<ProposalCopies> {
  const c = consolidationForProposal(proposalId);
  if (c) {
    return {
      kind: "consolidation",
      id: c.id,
      status: c.status,
      copies: c.sources.flatMap((s) => (s.kind === "document" ? [{ number: s.number, version: s.version, title: s.title }] : [])),
    };
  }
  const p = getProposal(proposalId);
  if (p.kind !== "new" || !(EDITABLE_STATUSES.includes(p.status) || p.status === "in-review")) return null;
  let matches = looksLikeCache.get(p.headCommit);
  if (!matches) {
    const draft = await readProposalText(p);
    matches = await currentCopiesOf(draft.meta.title, draft.body, [p.number]);
    if (looksLikeCache.size > 500) looksLikeCache.clear();
    looksLikeCache.set(p.headCommit, matches);
  }
  const visible = matches.filter((m) => mayRead(user, m.number));
  return visible.length ? { kind: "looks-like", matches: visible } : null;
}

/** Whether the reader is a document controller (may consolidate). */
export function mayConsolidate(user: AuthUser): boolean {
  return isAdmin(user);
}

/** The dashboard's section on copies: possible duplicate groups (from the cached report) and consolidations under way. */
export async function duplicatesSection() {
  const groups = await duplicateCount();
  const open = listConsolidations().filter((c) => c.status === "open" || c.status === "proposed" || c.status === "retiring").length;
  return {
    id: "duplicates",
    titleKey: "consolidation.dashTitle",
    noteKey: "consolidation.dashNote",
    kpis: [
      { id: "duplicates.groups", labelKey: "consolidation.dashGroups", value: groups, unit: "count" as const, tone: "warn" as const, href: "/consolidations" },
      { id: "duplicates.consolidations", labelKey: "consolidation.dashOpen", value: open, unit: "count" as const, tone: "info" as const, href: "/consolidations" },
    ],
    charts: [],
  };
}
