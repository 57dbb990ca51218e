/**
 * Notifications at start-up: event handlers, jobs, and the small hooks other
 * pages show (unread count in the header, acknowledgements owed on the home
 * page, the acknowledgement notice above a document, health and admin figures).
 */
import { onBoot, onShutdown } from "~/utils/lifecycle.server";
import { addAdminFigure } from "~/admin.server";
import { decideRead } from "~/access/policy.server";
import { hasRole } from "~/org/users.server";
import type { DocNotice } from "~/reading/notices.server";
import { addDocNotice } from "~/reading/notices.server";
import { addHealthCheck } from "~/health.server";
import { addHomeExtra } from "~/home.server";
import { addShellExtra } from "~/shell.server";
import { dayOf } from "~/utils/clock.server";
import { registerJob } from "~/utils/scheduler.server";
import { acknowledgedAt, acknowledgementReport, lastAcknowledgedVersion, owedBy } from "./acknowledgements.server";
import { emailConfigured } from "./email.server";
import { openStreams, stopLiveHub } from "./live.server";
import { unreadCount } from "./notifications.server";
import { outboxCounts, stopOutbox } from "./outbox.server";
import { reviewStats } from "./reviews.server";
import { JOBS, startNotifications, subscribeToEvents } from "./service.server";
import { listWebhooks } from "./webhooks.server";

subscribeToEvents();

onBoot("notifications", async () => {
  console.log(`[notifications] ${await startNotifications()}`);
});

// Open live streams would keep the server waiting for their requests to end.
onShutdown("notifications.live", () => stopLiveHub(), "signal");
onShutdown("notifications.outbox", () => stopOutbox());

for (const [name, job] of Object.entries(JOBS)) registerJob(name, job.run, job.everySeconds);

addShellExtra((user) => ({ notifications: { unread: unreadCount(user.id), owed: owedBy(user.id).length } }));

addHomeExtra("acknowledgements", (user) => {
  const owed = owedBy(user.id);
  const manager = hasRole(user, "approver");
  const report = manager ? acknowledgementReport(user.roles.includes("admin") ? {} : { departmentId: user.departmentId }) : [];
  return {
    owed: owed.slice(0, 5),
    owedCount: owed.length,
    overdueCount: owed.filter((o) => o.overdue).length,
    manager,
    teamOverdue: report.filter((r) => r.status === "overdue").length,
    teamPending: report.filter((r) => r.status === "pending").length,
  };
});

addDocNotice("acknowledgements", (user, current) => {
  const notices: DocNotice[] = [];
  const number = current.number;
  const owed = owedBy(user.id).find((o) => o.number === number);
  const last = lastAcknowledgedVersion(user.id, number);
  if (last !== undefined && last < current.version && decideRead(user, current.meta, { history: true }).allowed) {
    notices.push({
      tone: "info",
      key: "ack.notice.since",
      vars: { last, current: current.version },
      href: `/docs/${number}/diff?from=${last}&to=${current.version}`,
      linkKey: "ack.notice.sinceLink",
    });
  }
  if (owed) {
    notices.push({
      tone: owed.overdue ? "danger" : "warn",
      key: owed.overdue ? "ack.notice.overdue" : owed.reason === "onboarding" ? "ack.notice.owedOnboarding" : "ack.notice.owed",
      vars: { version: current.version, date: owed.dueDate },
      action: { path: `/docs/${number}/ack`, intent: "acknowledge", labelKey: "ack.button", fields: { version: String(current.version) } },
    });
  } else if (last === current.version) {
    const at = acknowledgedAt(user.id, number, current.version);
    notices.push({ tone: "ok", key: "ack.notice.done", vars: { version: current.version, date: at ? dayOf(at) : "" } });
  }
  return notices;
});

addHealthCheck("notifications", () => {
  const counts = outboxCounts();
  return { ok: true, email: emailConfigured() ? "smtp" : "off", liveStreams: openStreams(), deliveries: counts };
});

addAdminFigure("/admin/deliveries", () => {
  const c = outboxCounts();
  return `${c.pending} / ${c.failed}`;
});
addAdminFigure("/admin/webhooks", () => listWebhooks().filter((w) => w.active).length);
addAdminFigure("/admin/reviews", () => reviewStats().overdue);
addAdminFigure("/acknowledgements/report", () => acknowledgementReport({ status: "overdue" }).length);
