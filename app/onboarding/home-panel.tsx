/** The home-page panel: a new employee's guide at a glance. */
import { Link } from "@remix-run/react";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import type { OnboardingHomePanel } from "./progress.server";
import { ProgressBar } from "./guide-view";

export function OnboardingPanel({ data }: { data: OnboardingHomePanel | undefined }) {
  const t = useT();
  const locale = useLocale();
  const open = (data?.guides ?? []).filter((g) => !g.complete || g.reopened);
  if (!open.length) return null;
  return (
    <section className="panel ob-home" aria-labelledby="ob-home-title">
      <h2 id="ob-home-title">{t("onboarding.home.title")}</h2>
      {open.map((g) => (
        <div key={g.guideId} className="ob-home-guide">
          <p className="ob-home-head">
            <Link to={`/onboarding#guide-${g.guideId}`}>
              <strong data-content="">{g.title}</strong>
            </Link>{" "}
            <span className={g.overdue ? "ob-due is-overdue" : "ob-due"}>
              {g.overdue ? t("onboarding.overdue", { date: formatDate(g.dueDate, locale) }) : t("onboarding.due", { date: formatDate(g.dueDate, locale) })}
            </span>
          </p>
          <ProgressBar done={g.done} total={g.total} percent={g.percent} label={t("onboarding.progress", { done: g.done, total: g.total, percent: g.percent })} />
          <ol className="ob-home-steps">
            {g.steps.map((s, i) => (
              <li key={i}>
                <span data-content="">{s.title}</span> <span className="muted small">{s.state === "done" ? `✓ ${s.done}/${s.total}` : s.state === "reopened" ? `↻ ${s.done}/${s.total}` : `${s.done}/${s.total}`}</span>
              </li>
            ))}
          </ol>
          {g.next ? (
            <p className="ob-home-next">
              {t(g.next.state === "reopened" ? "onboarding.nextReopened" : "onboarding.next", { step: g.next.stepTitle })}{" "}
              <Link to={`/docs/${g.next.number}`}>
                <span className="doc-number">{g.next.number}</span> <span data-content="">{g.next.title}</span>
              </Link>
            </p>
          ) : null}
        </div>
      ))}
      <p>
        <Link to="/onboarding">{t("onboarding.home.open")}</Link>
      </p>
    </section>
  );
}
