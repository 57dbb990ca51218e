/** A person's guide: progress bar, what to read next, steps with their documents. */
import { Form, Link } from "@remix-run/react";
import { CsrfField } from "~/components/csrf-field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import type { GuideItem, GuideProgress } from "./progress.server";

export function ProgressBar({ done, total, percent, label }: { done: number; total: number; percent: number; label: string }) {
  return (
    <div className="ob-progress">
      <progress max={Math.max(total, 1)} value={done} aria-label={label}>
        {percent}%
      </progress>
      <span className="ob-progress-text">{label}</span>
    </div>
  );
}

function Item({ item }: { item: GuideItem }) {
  const t = useT();
  return (
    <li className={`ob-item ob-item-${item.state}`} data-number={item.number}>
      <div className="ob-item-head">
        {item.state === "retired" ? (
          <span className="doc-number">{item.number}</span>
        ) : (
          <Link className="doc-number" to={`/docs/${item.number}`}>
            {item.number}
          </Link>
        )}{" "}
        <span className="ob-item-title" data-content="">
          {item.title}
        </span> {item.state !== "retired" ? <span className="muted small">v{item.version}</span> : null}{" "}
        <span className={`badge ob-badge-${item.state}`}>{t(`onboarding.state.${item.state}`, { version: item.lastAcknowledged ?? item.version })}</span>
      </div>
      {item.state === "reopened" && item.changedSince ? (
        <div className="ob-changed">
          <strong>{t("onboarding.changedSince", { from: item.changedSince.from, to: item.changedSince.to })}</strong>
          <ul>
            {item.changedSince.summaries.map((s) => (
              <li key={s} data-content="">
                {s}
              </li>
            ))}
          </ul>
          {item.changedSince.canDiff ? (
            <Link to={`/docs/${item.number}/diff?from=${item.changedSince.from}&to=${item.changedSince.to}`}>{t("onboarding.whatChanged")}</Link>
          ) : null}
        </div>
      ) : null}
      {item.state === "no-access" ? (
        <p className="muted small">
          {t("onboarding.noAccess")}{" "}
          <Link to={`/access/request?number=${encodeURIComponent(item.number)}`}>{t("doc.requestAccess")}</Link>
        </p>
      ) : null}
      {item.state === "todo" || item.state === "reopened" ? (
        <div className="actions ob-item-actions">
          <Link to={`/docs/${item.number}`}>{t("onboarding.read", { version: item.version })}</Link>
          <Form method="post" action="/onboarding" className="inline-form">
            <CsrfField />
            <input type="hidden" name="intent" value="acknowledge" />
            <input type="hidden" name="number" value={item.number} />
            <input type="hidden" name="version" value={item.version} />
            <button type="submit" className="secondary">
              {t("onboarding.acknowledge", { version: item.version })}
            </button>
          </Form>
        </div>
      ) : null}
    </li>
  );
}

export function GuideView({ guide }: { guide: GuideProgress }) {
  const t = useT();
  const locale = useLocale();
  return (
    <section className="panel ob-guide" id={`guide-${guide.guideId}`} aria-labelledby={`guide-title-${guide.guideId}`}>
      <h2 id={`guide-title-${guide.guideId}`} data-content="">
        {guide.title}
      </h2>
      {guide.description ? <p className="ob-description" data-content="">
          {guide.description}
        </p> : null}
      <ProgressBar done={guide.done} total={guide.total} percent={guide.percent} label={t("onboarding.progress", { done: guide.done, total: guide.total, percent: guide.percent })} />
      <p className={guide.overdue ? "ob-due is-overdue" : "ob-due"}>
        {guide.complete
          ? t("onboarding.completeOn", { date: formatDate(guide.completedAt, locale) })
          : guide.overdue
            ? t("onboarding.overdue", { date: formatDate(guide.dueDate, locale) })
            : t("onboarding.due", { date: formatDate(guide.dueDate, locale) })}
      </p>
      {guide.next ? (
        <div className={`banner ${guide.next.state === "reopened" ? "banner-warn" : "banner-info"} ob-next`}>
          {t(guide.next.state === "reopened" ? "onboarding.nextReopened" : "onboarding.next", { step: guide.next.stepTitle })}{" "}
          <Link to={`/docs/${guide.next.number}`}>
            <span className="doc-number">{guide.next.number}</span> <span data-content="">{guide.next.title}</span>
          </Link>
        </div>
      ) : null}
      <ol className="ob-steps">
        {guide.steps.map((step, i) => (
          <li key={step.id} className={`ob-step ob-step-${step.state}`}>
            <h3>
              {t("onboarding.step", { n: i + 1 })} · <span data-content="">{step.title}</span>{" "}
              <span className={`badge ob-badge-${step.state === "todo" ? "todo" : step.state}`}>
                {step.state === "done" ? t("onboarding.stepDone") : step.state === "reopened" ? t("onboarding.stepReopened") : t("onboarding.stepCount", { done: step.done, total: step.total })}
              </span>
            </h3>
            {step.note ? (
              <p className="ob-note" data-content="">
                {step.note}
              </p>
            ) : null}
            <ul className="ob-items">
              {step.items.map((item) => (
                <Item key={item.number} item={item} />
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}
