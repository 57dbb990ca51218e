/**
 * The revision workflow's start-up: subscriptions, scheduled jobs (effective
 * dates, overdue approvals), notices above documents and the home panel.
 */
import { hasRole, isAdmin } from "~/org/users.server";
import { onBoot } from "~/utils/lifecycle.server";
import { addHomeExtra } from "~/home.server";
import { addDocNotice } from "~/reading/notices.server";
import { on } from "~/documents/events.server";
import { warmLater } from "~/documents/diff-cache.server";
import { readVersionContent } from "~/documents/documents.server";
import { latestVersion } from "~/documents/version-index.server";
import { registerJob } from "~/utils/scheduler.server";
import { canViewProposal, getProposal, listProposals, readProposalText, nextScheduled, overdueApprovals, strandedProposals, waitingFor } from "./proposals.server";
import { flagOverdueApprovals } from "./commands/flag-overdue.server";
import { onDocumentPublished, reconcileWithMainLine } from "./commands/reconcile.server";
import { publishDueRevisions } from "./commands/publish-due.server";
import { listSuggestions, mayTriage } from "./suggestions.server";

on("document.published", "revisions.stale-proposals", ({ record }) => onDocumentPublished(record));

// Reviewers read the diff next: compare the new version with the one before it
// (and a submitted proposal with the current version) in the background, so the
// first of them finds it computed (documents/diff-cache.server.ts).
on("document.published", "revisions.warm-diff", ({ record, previous }) => {
  if (!previous) return;
  warmLater(async () => {
    const [a, b] = await Promise.all([readVersionContent(previous), readVersionContent(record)]);
    return { oldText: a.body, newText: b.body };
  });
});
on("approval.waiting", "revisions.warm-proposal-diff", ({ kind, id }) => {
  if (kind !== "proposal") return;
  warmLater(async () => {
    const p = getProposal(id);
    const current = latestVersion(p.number);
    const [a, b] = await Promise.all([current ? readVersionContent(current) : { body: "" }, readProposalText(p)]);
    return { oldText: a.body, newText: b.body };
  });
});

registerJob("revisions.effective-dates", async () => {
  const { published, returned } = await publishDueRevisions();
  if (published.length || returned.length) {
    console.log(`[revisions] effective dates: published ${published.join(", ") || "none"}; returned ${returned.join(", ") || "none"}`);
  }
});

// A publication whose instance died between its push and its bookkeeping is finished by the leader (decision 121).
registerJob("revisions.reconcile", async () => {
  const fixed = await reconcileWithMainLine();
  if (fixed) console.log(`[revisions] ${fixed} proposal(s) found published on the main line and finished`);
});

registerJob("revisions.overdue", async () => {
  await flagOverdueApprovals();
});

onBoot("revisions", async () => {
  const fixed = await reconcileWithMainLine();
  if (fixed) console.log(`[revisions] ${fixed} proposal(s) found published on the main line and marked so`);
});

addDocNotice("revisions.scheduled", (_user, current) => {
  const scheduled = nextScheduled(current.number);
  if (!scheduled) return [];
  return [
    {
      tone: "info",
      key: "revisions.notice.scheduled",
      vars: { version: current.version + 1, date: scheduled.scheduledFor ?? scheduled.effectiveDate ?? "" },
      href: `/docs/${current.number}/upcoming`,
      linkKey: "revisions.notice.scheduledLink",
    },
  ];
});

addDocNotice("revisions.open", (user, current) => {
  if (!hasRole(user, "editor") && !hasRole(user, "approver")) return [];
  const open = listProposals({ number: current.number, open: true }).filter((p) => p.status !== "scheduled" && canViewProposal(user, p));
  if (!open.length) return [];
  return [
    {
      tone: "warn",
      key: "revisions.notice.open",
      vars: { count: open.length, ids: open.map((p) => `${p.id} (${p.author.name})`).join(", ") },
      href: open.length === 1 ? `/proposals/${open[0].id}` : `/proposals?view=open&number=${current.number}`,
      linkKey: "revisions.notice.openLink",
    },
  ];
});

addDocNotice("revisions.suggestions", (user, current) => {
  const open = listSuggestions({ number: current.number, status: "open" });
  if (!open.length) return [];
  return [
    {
      tone: "info",
      key: mayTriage(user, current.meta.ownerDepartment) ? "revisions.notice.suggestionsTriage" : "revisions.notice.suggestions",
      vars: { count: open.length },
      href: `/docs/${current.number}/suggestions`,
      linkKey: "revisions.notice.suggestionsLink",
    },
  ];
});

addHomeExtra("revisions", (user) => {
  const waiting = waitingFor(user);
  const drafts = listProposals({ authorId: user.id, open: true });
  const decidedSuggestions = listSuggestions({ byUserId: user.id })
    .filter((s) => s.status !== "open")
    .slice(0, 5);
  const overdueAll = isAdmin(user) ? overdueApprovals().length : 0;
  const strandedAll = isAdmin(user) ? strandedProposals().length : 0;
  if (!waiting.length && !drafts.length && !decidedSuggestions.length && !overdueAll && !strandedAll) return null;
  return {
    waiting: waiting
      .slice(0, 8)
      .map((w) => ({ id: w.proposal.id, number: w.proposal.number, title: w.proposal.meta.title, dueAt: w.dueAt, overdue: w.overdue })),
    waitingCount: waiting.length,
    overdueCount: waiting.filter((w) => w.overdue).length,
    overdueAll,
    strandedAll,
    drafts: drafts.slice(0, 8).map((p) => ({ id: p.id, number: p.number, title: p.meta.title, status: p.status })),
    draftCount: drafts.length,
    suggestions: decidedSuggestions.map((s) => ({ id: s.id, number: s.number, status: s.status, reason: s.reason ?? null, proposalId: s.proposalId ?? null })),
  };
});
