/**
 * Consolidation's start-up: the duplicate index follows publications, a
 * published consolidation retires its copies, cut-short retirements are
 * finished, and notices link copies and the consolidated document both ways.
 */
import { isAdmin } from "~/org/users.server";
import { onBoot } from "~/utils/lifecycle.server";
import { startupWork } from "~/utils/memory.server";
import { addDocNotice, type DocNotice } from "~/reading/notices.server";
import { on } from "~/documents/events.server";
import { registerJob } from "~/utils/scheduler.server";
import { consolidationOf, completeConsolidation, finishPendingConsolidations, CONSOLIDATED_INTO } from "./consolidations.server";
import { buildDuplicateIndex, noteDuplicatePublication } from "./duplicates.server";

on("document.published", "consolidation.duplicate-index", ({ record }) => noteDuplicatePublication(record));
on("document.arrived", "consolidation.duplicate-index", ({ record }) => noteDuplicatePublication(record));

on("proposal.decided", "consolidation.retire-copies", async (e) => {
  if (e.decision === "published") await completeConsolidation(e.proposalId);
});

registerJob("consolidation.finish", async () => {
  const n = await finishPendingConsolidations();
  if (n) console.log(`[consolidation] finished ${n} consolidation(s) whose copies were not all retired`);
});

onBoot("consolidation", async () => {
  await finishPendingConsolidations().catch((error) => console.warn(`[consolidation] finishing: ${(error as Error).message}`));
  // The duplicate report's index is read in the background: start-up does not wait for every document.
  // Reading every document's text once leaves garbage: it goes back with the rest of start-up's (decision 130).
  void buildDuplicateIndex()
    .catch((error) => console.warn(`[consolidation] duplicate index: ${(error as Error).message}`))
    .finally(startupWork());
});

addDocNotice("consolidation.links", (user, current) => {
  const { into, from } = consolidationOf(current.number);
  const out: DocNotice[] = [];
  const stated = current.meta.retired ? current.meta.extra?.[CONSOLIDATED_INTO] : undefined;
  if (into?.number || typeof stated === "string") {
    const target = into?.number ? `${into.number} v${into.version}` : String(stated);
    out.push({ tone: "warn", key: "consolidation.notice.into", vars: { target }, href: `/docs/${target.split(" ")[0]}`, linkKey: "consolidation.notice.intoLink" });
  }
  if (from) {
    out.push({ tone: "info", key: "consolidation.notice.from", vars: { copies: from.retired.join(", ") || from.sources.map((s) => (s.kind === "document" ? s.number : s.name)).join(", ") } });
    if (from.status === "retiring" && isAdmin(user)) {
      out.push({ tone: "danger", key: "consolidation.notice.unfinished", vars: { id: from.id }, href: `/consolidations/${from.id}`, linkKey: "consolidation.notice.open" });
    }
  }
  return out;
});
