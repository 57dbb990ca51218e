import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { proposalAttachmentView } from "~/attachments/pages.server";
import { AttachmentChanges } from "~/components/attachments";
import { CsrfField } from "~/components/csrf-field";
import { DiffView, FormattedDiffView } from "~/components/diff-view";
import { DiffViewTabs, expandParam, viewParam } from "~/components/diff-tabs";
import { Field, FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { MarkdownHtml } from "~/components/markdown-html";
import { ChangeBadge, DecisionLog, MetaChanges, StatusBadge } from "~/components/revisions-ui";
import { ReferencedByPanel } from "~/components/referenced-by";
import { useShell } from "~/components/use-shell";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { ProposalActionForm } from "~/revisions/forms";
import { proposalPage } from "~/revisions/pages.server";
import { proposalCopies } from "~/consolidation/pages.server";
import { CopiesPanel } from "~/components/consolidation-ui";
import { decideProposal } from "~/revisions/commands/decide.server";
import { recallProposal } from "~/revisions/commands/recall.server";
import { submitProposal } from "~/revisions/commands/submit.server";
import { withdrawProposal } from "~/revisions/commands/withdraw.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import { ssoSigning } from "~/revisions/sso-signature.server";
import { SsoSignForm } from "~/components/sso-sign-in";
import diffCss from "~/styles/diff.css?url";
import revisionsCss from "~/styles/revisions.css?url";
import attachmentsCss from "~/styles/attachments.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: diffCss },
  { rel: "stylesheet", href: revisionsCss },
  { rel: "stylesheet", href: attachmentsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `${d.proposal.id} ${d.proposal.number} ${d.proposal.title} · Regula` : "Regula" },
];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const diffOptions = { diffView: viewParam(url.searchParams.get("view")), expand: expandParam(url.searchParams.get("expand")) };
  const shown = await proposalPage(user, String(params.id), diffOptions);
  // Accounts of a company provider sign at the provider; a held approval brings its comment (and why it was not recorded) back.
  const sso = ssoSigning(user, String(params.id), url.searchParams);
  return data(
    { ...shown, sso, copies: await proposalCopies(user, String(params.id)), attachments: await proposalAttachmentView(user, String(params.id)) },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  try {
    const form = await readForm(request, ProposalActionForm);
    if (!form.ok) return invalid(form.fieldErrors, undefined, { intent: String(form.form.get("intent") ?? "") });
    const v = form.value;
    if (v.intent === "submit") await submitProposal(user, id);
    else if (v.intent === "recall") await recallProposal(user, id);
    else if (v.intent === "withdraw") await withdrawProposal(user, id, v.reason);
    else if (v.intent === "approve") {
      const outcome = await decideProposal(user, id, { decision: "approve", password: v.password, comment: v.comment });
      return redirect(`/proposals/${id}?done=${outcome.result}`);
    } else {
      const outcome = await decideProposal(user, id, { decision: v.intent, reason: v.reason });
      return redirect(`/proposals/${id}?done=${outcome.result}`);
    }
    return redirect(`/proposals/${id}?done=${v.intent}`);
  } catch (error) {
    return actionError(error, { intent: "" }, request, user);
  }
}

type ActionResult = { formError?: string; fieldErrors?: Record<string, string>; intent?: string } | undefined;

export default function ProposalPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const { user } = useShell();
  const busy = useNavigation().state === "submitting";
  const p = d.proposal;
  const fe = result?.fieldErrors ?? {};
  const view = viewParam(params.get("view"));
  const done = params.get("done");
  const lastReturn = [...p.decisions].reverse().find((x) => x.decision === "returned" || x.decision === "rejected" || x.decision === "changes-requested");
  const meaningKey = `revisions.meaning.${p.stage?.role ?? "approval"}`;
  return (
    <article className="revisions proposal-page">
      <p className="muted">
        <Link to="/proposals">{t("revisions.proposals")}</Link> / {p.id}
      </p>
      <h1>
        <span className="proposal-id">{p.id}</span> · <span className="doc-number">{p.number}</span> {p.title}
      </h1>
      <p>
        <StatusBadge status={p.status} overdue={p.overdue} stale={d.stale} /> <ChangeBadge change={p.change} />{" "}
        <span className="muted">{t(`revisions.kind.${p.kind}`)}</span>
      </p>
      {done ? (
        <p className="form-ok" role="status">
          {done === "word" ? t("attachments.fromWordDone", { name: params.get("word") ?? "", images: params.get("images") ?? "0" }) : t(`revisions.done.${done}`)}
        </p>
      ) : null}
      {params.get("notSubmitted") ? <p className="banner banner-warn">{t("revisions.notSubmitted")}</p> : null}
      <FormError message={result?.formError} />
      <CopiesPanel data={d.copies} isAdmin={!!user?.roles.includes("admin")} />

      <dl className="doc-meta proposal-meta">
        <div>
          <dt>{t("revisions.col.author")}</dt>
          <dd>{p.author}</dd>
        </div>
        <div>
          <dt>{t("revisions.created")}</dt>
          <dd>{formatDate(p.createdAt, locale, true)}</dd>
        </div>
        <div>
          <dt>{t("revisions.basedOn")}</dt>
          <dd>{p.baseVersion ? `v${p.baseVersion}` : t("revisions.newDocument")}</dd>
        </div>
        {d.current ? (
          <div>
            <dt>{t("revisions.currentVersion")}</dt>
            <dd>
              <Link to={`/docs/${p.number}`}>v{d.current.version}</Link>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t("revisions.field.effectiveDate")}</dt>
          <dd>
            {p.requestedEffectiveDate ? formatDate(p.requestedEffectiveDate, locale) : t("revisions.onApproval")}
            {d.farEffectiveDate && p.requestedEffectiveDate ? (
              <span className="field-error far-date-warning" role="note">
                {" "}
                {t("revisions.date.farWarning", { date: p.requestedEffectiveDate })}
              </span>
            ) : null}
          </dd>
        </div>
        {p.restoreOf ? (
          <div>
            <dt>{t("revisions.restores")}</dt>
            <dd>v{p.restoreOf}</dd>
          </div>
        ) : null}
        {p.fromSuggestion ? (
          <div>
            <dt>{t("revisions.fromSuggestion")}</dt>
            <dd>
              <Link to={`/docs/${p.number}/suggestions#${p.fromSuggestion}`}>{p.fromSuggestion}</Link>
            </dd>
          </div>
        ) : null}
      </dl>

      <div className="panel">
        <h2 className="h3">{t("revisions.summary")}</h2>
        <p>{p.summary || <span className="muted">{t("revisions.noSummary")}</span>}</p>
      </div>

      {p.status === "in-review" && p.stage ? (
        <div className={`panel stage-panel${p.overdue ? " stage-overdue" : ""}`}>
          <h2 className="h3">
            {t("revisions.waitingStage", { stage: t(`revisions.stage.${p.stage.role}`), index: p.stage.index + 1, count: p.stages.length })}
          </h2>
          <p>
            {t("revisions.approvers")}: {d.approvers.map((a) => `${a.name} (${a.username})`).join("、") || "—"}
          </p>
          <p className={p.overdue ? "field-error" : "muted"}>
            {t(p.overdue ? "revisions.overdueSince" : "revisions.dueBy", { date: formatDate(p.stage.dueAt, locale, true) })}
          </p>
        </div>
      ) : null}
      {p.status === "scheduled" ? (
        <p className="banner banner-info">{t("revisions.scheduledBanner", { date: formatDate(p.effectiveDate, locale), number: p.number })}</p>
      ) : null}
      {p.status === "published" && p.publishedVersion ? (
        <p className="banner banner-ok">
          {t("revisions.publishedBanner", { version: p.publishedVersion })}{" "}
          <Link to={`/docs/${p.number}/v/${p.publishedVersion}?stay=1`}>{t("revisions.openPublished")}</Link>
        </p>
      ) : null}
      {(p.status === "needs-update" || p.status === "rejected" || p.status === "changes-requested") && lastReturn?.reason ? (
        <div className="banner banner-warn" role="note">
          <strong>{t(`revisions.decision.${lastReturn.decision}`)}</strong> — {lastReturn.by.name}: <q>{lastReturn.reason}</q>
        </div>
      ) : null}
      {d.stale ? (
        <div className="banner banner-warn" role="note">
          {t("revisions.staleBanner", { base: p.baseVersion, current: d.current?.version ?? 0 })}{" "}
          {d.can.update ? <Link to={`/proposals/${p.id}/update`}>{t("revisions.updateLink")}</Link> : null}
        </div>
      ) : null}

      {d.citers ? (
        <ReferencedByPanel number={p.number} referencedBy={d.citers} titleKey="revisions.citers.title" noneKey="revisions.citers.none">
          {d.citers.documents.length + d.citers.hidden ? (
            <p className="muted">{t(p.kind === "retire" ? "revisions.citers.retire" : "revisions.citers.major")}</p>
          ) : null}
        </ReferencedByPanel>
      ) : null}

      {d.can.edit || d.can.submit || d.can.recall || d.can.withdraw ? (
        <div className="panel actions-panel">
          <div className="actions">
            {d.can.edit ? (
              <Link className="button secondary" to={`/proposals/${p.id}/edit`}>
                {t("revisions.action.edit")}
              </Link>
            ) : null}
            {d.can.update ? (
              <Link className="button" to={`/proposals/${p.id}/update`}>
                {t("revisions.action.update")}
              </Link>
            ) : null}
            {d.can.submit ? (
              <Form method="post" className="inline-form">
                <CsrfField />
                <button type="submit" name="intent" value="submit" disabled={busy}>
                  {t("revisions.action.submit")}
                </button>
              </Form>
            ) : null}
            {d.can.recall ? (
              <Form method="post" className="inline-form">
                <CsrfField />
                <button type="submit" name="intent" value="recall" className="secondary" disabled={busy}>
                  {t("revisions.action.recall")}
                </button>
              </Form>
            ) : null}
          </div>
          {d.can.withdraw ? (
            <Form method="post" className="actions withdraw-form">
              <CsrfField />
              <input type="hidden" name="intent" value="withdraw" />
              <label htmlFor="withdraw-reason">{t("revisions.field.withdrawReason")}</label>
              <input id="withdraw-reason" name="reason" maxLength={2000} required={!d.isAuthor || p.status === "scheduled"} />
              <button type="submit" className="danger" disabled={busy}>
                {t(p.status === "scheduled" ? "revisions.action.cancelScheduled" : "revisions.action.withdraw")}
              </button>
            </Form>
          ) : null}
        </div>
      ) : null}

      {d.can.decide && p.stage ? (
        <section className="panel decide-panel" aria-labelledby="decide-title">
          <h2 id="decide-title" className="h3">
            {t("revisions.decide.title")}
          </h2>
          {d.stale ? <p className="banner banner-warn">{t("revisions.decide.stale")}</p> : null}
          {d.sso ? (
            <SsoSignForm sso={d.sso} proposalId={p.id} statement={t("revisions.sign.statementSso", { provider: d.sso.provider, name: user?.name ?? "", meaning: t(meaningKey), id: p.id, number: p.number })} submit={t("revisions.action.approve", { meaning: t(meaningKey) })} />
          ) : (
          <Form method="post" className="form">
            <CsrfField />
            <input type="hidden" name="intent" value="approve" />
            <p className="signature-statement">
              {t("revisions.sign.statement", { name: user?.name ?? "", meaning: t(meaningKey), id: p.id, number: p.number })}
            </p>
            <Field label={t("revisions.field.comment")} name="comment">
              <input id="comment" name="comment" maxLength={4000} />
            </Field>
            <Field label={t("revisions.field.password")} name="password" error={fe.password} hint={t("revisions.field.passwordHint")}>
              <input id="password" name="password" type="password" autoComplete="current-password" required />
            </Field>
            <div className="actions">
              <button type="submit" disabled={busy}>
                {t("revisions.action.approve", { meaning: t(meaningKey) })}
              </button>
            </div>
          </Form>
          )}
          <Form method="post" className="form">
            <CsrfField />
            <Field label={t("revisions.field.reason")} name="reason" error={fe.reason} hint={t("revisions.field.reasonHint")}>
              <textarea id="reason" name="reason" rows={3} maxLength={4000} required minLength={3} />
            </Field>
            <div className="actions">
              <button type="submit" name="intent" value="request-changes" className="secondary" disabled={busy}>
                {t("revisions.action.requestChanges")}
              </button>
              <button type="submit" name="intent" value="reject" className="danger" disabled={busy}>
                {t("revisions.action.reject")}
              </button>
            </div>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="diff-title">
        <h2 id="diff-title">
          {d.compare.to && d.compare.from
            ? t("revisions.diffPublished", { from: d.compare.from, to: d.compare.to })
            : d.compare.from
            ? t("revisions.diffTitle", { version: d.compare.from })
            : t("revisions.diffNew")}
        </h2>
        <DiffViewTabs view={view} href={(v) => `?view=${v}`} t={t} />
        <MetaChanges
          labels={d.labels}
          changes={d.metaChanges.map((m) =>
            m.field === "ownerDepartment" || m.field === "audienceDepartments"
              ? {
                  ...m,
                  from: m.from
                    .split(", ")
                    .filter(Boolean)
                    .map((x) => nameOf(d.labels.departments, x, locale))
                    .join("、"),
                  to: m.to
                    .split(", ")
                    .filter(Boolean)
                    .map((x) => nameOf(d.labels.departments, x, locale))
                    .join("、"),
                }
              : m
          )}
        />
        <AttachmentChanges
          changes={d.attachments.changes}
          count={d.attachments.count}
          manage={d.attachments.manage}
          canEdit={d.attachments.canEdit}
          textDiffs={d.attachments.textDiffs}
        />
        {d.diff && !d.diff.tooLarge ? (
          <p className="muted small">{t("diff.stats", { added: d.diff.stats.added, removed: d.diff.stats.removed, changed: d.diff.stats.changed })}</p>
        ) : null}
        {d.formatted ? (
          <FormattedDiffView
            diff={d.formatted}
            t={t}
            folds={{ href: (fold) => `?expand=${fold}#fd-f${fold}`, src: (fold) => `/proposals/${p.id}/diff-fold?fold=${fold}` }}
            labels={{ tooLarge: t("diff.tooLarge"), identical: t(p.kind === "retire" ? "revisions.diffRetire" : "diff.identical") }}
          />
        ) : d.diff ? (
          <DiffView
            diff={d.diff}
            mode={view === "inline" ? "inline" : "split"}
            labels={{
              old: !d.compare.from ? t("revisions.diffNothing") : d.compare.to ? `v${d.compare.from}` : t("revisions.diffCurrent", { version: d.compare.from }),
              new: d.compare.to ? `v${d.compare.to}` : t("revisions.diffProposal", { id: p.id }),
              tooLarge: t("diff.tooLarge"),
              identical: t(p.kind === "retire" ? "revisions.diffRetire" : "diff.identical"),
              skipped: (n: number) => t("diff.skipped", { count: n }),
            }}
          />
        ) : null}
      </section>

      <details className="panel preview-details">
        <summary>{t("revisions.previewProposal")}</summary>
        <MarkdownHtml html={d.preview} />
      </details>

      <section aria-labelledby="record-title">
        <h2 id="record-title">{t("revisions.record")}</h2>
        <DecisionLog decisions={p.decisions} />
      </section>
    </article>
  );
}
