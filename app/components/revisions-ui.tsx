/** Pieces shared by the revision pages: badges, proposal tables, the decision record. */
import { Link } from "@remix-run/react";
import { formatDate, type Locale } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import type { Decision } from "~/revisions/types";
import { metaValueText, type Names } from "~/components/labels";

export function StatusBadge({ status, overdue, stale }: { status: string; overdue?: boolean; stale?: boolean }) {
  const t = useT();
  return (
    <>
      <span className={`badge status-${status}`}>{t(`revisions.status.${status}`)}</span>
      {overdue ? (
        <>
          {" "}
          <span className="badge badge-overdue">{t("revisions.overdue")}</span>
        </>
      ) : null}
      {stale ? (
        <>
          {" "}
          <span className="badge badge-stale">{t("revisions.stale")}</span>
        </>
      ) : null}
    </>
  );
}

export function ChangeBadge({ change }: { change: string }) {
  const t = useT();
  return <span className={`badge change-${change}`}>{t(`change.${change}`)}</span>;
}

export interface ProposalRowData {
  id: string;
  number: string;
  title: string;
  change: string;
  status: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  dueAt: string | null;
  overdue: boolean;
  stale: boolean;
  effectiveDate: string | null;
  publishedVersion: number | null;
}

/** A table of proposals; `due` adds the service-level column. */
export function ProposalTable({ rows, due, empty }: { rows: ProposalRowData[]; due?: boolean; empty: string }) {
  const t = useT();
  const locale = useLocale();
  if (!rows.length) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="list proposals-table">
        <thead>
          <tr>
            <th scope="col">{t("revisions.col.proposal")}</th>
            <th scope="col">{t("doc.number")}</th>
            <th scope="col">{t("doc.title")}</th>
            <th scope="col">{t("revisions.col.change")}</th>
            <th scope="col">{t("revisions.col.status")}</th>
            <th scope="col">{t("revisions.col.author")}</th>
            <th scope="col">{due ? t("revisions.col.due") : t("revisions.col.updated")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className={r.overdue ? "row-overdue" : undefined}>
              <td>
                <Link to={`/proposals/${r.id}`} className="proposal-id">
                  {r.id}
                </Link>
              </td>
              <td>
                <span className="doc-number">{r.number}</span>
              </td>
              <td>{r.title}</td>
              <td>
                <ChangeBadge change={r.change} />
              </td>
              <td>
                <StatusBadge status={r.status} overdue={r.overdue} stale={r.stale} />
                {r.status === "scheduled" && r.effectiveDate ? <span className="muted small"> {formatDate(r.effectiveDate, locale)}</span> : null}
                {r.status === "published" && r.publishedVersion ? <span className="muted small"> v{r.publishedVersion}</span> : null}
              </td>
              <td>{r.author}</td>
              <td>{due ? formatDate(r.dueAt, locale, true) : formatDate(r.updatedAt, locale, true)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * What the portal itself says about a step, in the reader's language: how an update merged, when a
 * scheduled version takes effect. Records from before these were kept as fields carry the same in English words.
 */
function stepNote(d: Decision, t: ReturnType<typeof useT>, locale: Locale): string | null {
  if (d.decision === "updated") {
    const legacy = d.reason?.match(/^(?:merged cleanly|resolved (\d+) conflict\(s\))$/);
    const conflicts = d.conflicts ?? (legacy ? Number(legacy[1] ?? 0) : undefined);
    if (conflicts !== undefined) return conflicts ? t("revisions.updatedResolved", { count: conflicts }) : t("revisions.updatedClean");
  }
  if (d.decision === "scheduled") {
    const date = d.effectiveDate ?? d.reason?.match(/^takes effect on (\d{4}-\d{2}-\d{2})$/)?.[1];
    if (date) return t("revisions.scheduledOn", { date: formatDate(date, locale) });
  }
  return null;
}

function DecisionNote({ text }: { text?: string | null }) {
  return text ? <p className="decision-reason">{text}</p> : null;
}

/** The proposal's record: every step and decision, with electronic signatures. */
export function DecisionLog({ decisions }: { decisions: Decision[] }) {
  const t = useT();
  const locale = useLocale();
  return (
    <ol className="decision-log">
      {decisions.map((d, i) => (
        <li key={i} className={`decision decision-${d.decision}`}>
          <div className="decision-head">
            <strong>{t(`revisions.decision.${d.decision}`)}</strong>
            {d.stageRole ? <span className="muted"> · {t(`revisions.stage.${d.stageRole}`)}</span> : null}
            {d.version !== undefined && (d.decision === "published" || d.decision === "updated") ? <span className="muted"> · v{d.version}</span> : null}
            <span className="muted">
              {" "}
              — {d.by.name} ({d.by.username}) · <time dateTime={d.at}>{formatDate(d.at, locale, true)}</time>
            </span>
          </div>
          {d.signed ? (
            <p className="signature" aria-label={t("revisions.signature")}>
              {t("revisions.signatureLine", {
                name: d.by.name,
                username: d.by.username,
                time: formatDate(d.at, locale, true),
                meaning: t(`revisions.meaning.${d.stageRole ?? "approval"}`),
              })}
              {d.contentCommit ? <span className="muted small"> · {t("revisions.signedContent", { commit: d.contentCommit.slice(0, 10) })}</span> : null}
              {d.signedWith ? (
                <span className="muted small signed-with">
                  {" "}
                  · {d.signedWith.startsWith("oidc:")
                    ? t("revisions.signedWithProvider", { provider: d.signedWith.slice(5) })
                    : d.signedWith === "ldap-bind"
                      ? t("revisions.signedWithDirectory")
                      : t("revisions.signedWithPassword")}
                </span>
              ) : null}
            </p>
          ) : null}
          <DecisionNote text={stepNote(d, t, locale) ?? d.reason} />
        </li>
      ))}
    </ol>
  );
}

/** Metadata changes a proposal makes (title, owner, confidentiality …). */
export function MetaChanges({ changes, labels }: { changes: { field: string; from: string; to: string }[]; labels?: { departments?: Names; types?: Names } }) {
  const t = useT();
  const locale = useLocale();
  if (!changes.length) return null;
  const label = (f: string) =>
    ({
      title: "doc.title",
      type: "doc.type",
      ownerDepartment: "doc.owner",
      confidentiality: "doc.confidentiality",
      audienceDepartments: "doc.audience",
      retired: "doc.retired",
    }[f] ?? f);
  return (
    <div className="panel">
      <strong>{t("diff.meta")}</strong>
      <ul>
        {changes.map((m) => (
          <li key={m.field}>
            {t(label(m.field))}: <del>{metaValueText(m.field, m.from, labels, t, locale)}</del> → <ins>{metaValueText(m.field, m.to, labels, t, locale)}</ins>
          </li>
        ))}
      </ul>
    </div>
  );
}
