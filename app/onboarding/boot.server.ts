/**
 * Onboarding at start-up and while running (the demo guides are seeded by
 * demo/seed.server.ts before this runs): automatic assignment of new
 * employees (at boot, hourly, and when a person opens the home page), re-reading
 * after major revisions, the home-page panel, and a notice on documents that
 * are part of the reader's guide.
 */
import { onBoot } from "~/utils/lifecycle.server";
import { addAdminFigure } from "~/admin.server";
import { hasRole } from "~/org/users.server";
import { addDocNotice, type DocNotice } from "~/reading/notices.server";
import { hasAcknowledged } from "~/notifications/acknowledgements.server";
import { addHomeExtra } from "~/home.server";
import { on } from "~/documents/events.server";
import { registerJob } from "~/utils/scheduler.server";
import { assignmentsWithDocument, autoAssign, guidesOf, requireGuideReading } from "./assignment.server";
import { guideNumbers, listGuides } from "./guides.server";
import { myGuides, type OnboardingHomePanel } from "./progress.server";

onBoot("onboarding", async () => {
  const n = await autoAssign();
  if (n) console.log(`[onboarding] assigned ${n} guide(s) to new employees`);
});

registerJob("onboarding-assign", async () => {
  await autoAssign();
}, 3600);

// A major revision of a document in someone's guide asks them to read it again.
on("document.published", "onboarding", async ({ record }) => {
  if (record.change !== "major") return;
  for (const { guide, assignment } of assignmentsWithDocument(record.number)) await requireGuideReading(guide, assignment);
});

addHomeExtra("onboarding", async (user): Promise<OnboardingHomePanel> => {
  await autoAssign([user]);
  return {
    guides: myGuides(user).map((g) => ({
      guideId: g.guideId,
      title: g.title,
      done: g.done,
      total: g.total,
      percent: g.percent,
      dueDate: g.dueDate,
      overdue: g.overdue,
      complete: g.complete,
      reopened: g.reopened,
      next: g.next,
      steps: g.steps.map((s) => ({ title: s.title, done: s.done, total: s.total, state: s.state })),
    })),
    manager: hasRole(user, "approver"),
  };
});

addDocNotice("onboarding", (user, current) => {
  for (const { guide } of guidesOf(user.id)) {
    const numbers = guideNumbers(guide);
    const i = numbers.indexOf(current.number);
    if (i < 0) continue;
    const step = guide.steps.findIndex((s) => s.numbers.includes(current.number));
    const notices: DocNotice[] = [
      {
        tone: "info" as const,
        key: "onboarding.notice",
        vars: { guide: guide.title, step: step + 1, steps: guide.steps.length },
        href: `/onboarding#guide-${guide.id}`,
        linkKey: "onboarding.notice.link",
      },
    ];
    // Once this version is confirmed, the guide offers what to read next.
    if (hasAcknowledged(user.id, current.number, current.version)) {
      const progress = myGuides(user).find((g) => g.guideId === guide.id);
      if (progress?.next && progress.next.number !== current.number) {
        notices.push({
          tone: "ok",
          key: "onboarding.afterAck.next",
          vars: { guide: guide.title, number: progress.next.number, title: progress.next.title },
          href: `/docs/${progress.next.number}`,
          linkKey: "onboarding.afterAck.open",
        });
      } else if (progress?.complete) {
        notices.push({ tone: "ok", key: "onboarding.afterAck.done", vars: { guide: guide.title }, href: `/onboarding#guide-${guide.id}`, linkKey: "onboarding.notice.link" });
      }
    }
    return notices;
  }
  return [];
});

addAdminFigure("/onboarding/guides", () => listGuides().length);
