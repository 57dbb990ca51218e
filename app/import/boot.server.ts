/** Import at start-up: jobs cut off by a restart are marked interrupted; the admin card shows recent imports. */
import { onBoot } from "~/utils/lifecycle.server";
import { addAdminFigure } from "~/admin.server";
import { listImportJobs, markInterruptedJobs } from "./jobs.server";

onBoot("import", async () => {
  const n = await markInterruptedJobs();
  if (n) console.log(`[import] ${n} import(s) were interrupted by a restart; their reports list what was imported`);
});

addAdminFigure("/admin/import", () => {
  const last = listImportJobs(1)[0];
  return last ? `${last.createdAt.slice(0, 10)} · ${last.reports.filter((r) => r.outcome === "imported").length}` : "—";
});
