import { NavLink } from "@remix-run/react";
import type { DocumentSummary } from "~/documents/documents.server";
import { nameOf, type Names } from "~/components/labels";
import { DocBadges } from "~/components/doc-badges";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";

export interface DocHeaderData {
  summary: DocumentSummary;
  canRead: boolean;
  canReadHistory: boolean;
  labels: { categories: Names; types: Names; departments: Names };
}

/** Number, title, state and the document's tabs. */
export function DocHeader({ data, extraTabs, viewingOld }: { data: DocHeaderData; extraTabs?: { to: string; label: string }[]; viewingOld?: boolean }) {
  const t = useT();
  const locale = useLocale();
  const s = data.summary;
  const base = `/docs/${s.number}`;
  return (
    <div className="doc-header">
      <p className="muted small">
        <a href={`/categories/${s.category}`}>
          {s.category} · {nameOf(data.labels.categories, s.category, locale)}
        </a>
      </p>
      <h1>
        <span className="doc-number">{s.number}</span> {s.title}
      </h1>
      <p>
        <DocBadges retired={s.retired} confidentiality={s.confidentiality} superseded={viewingOld && !s.retired ? s.version : undefined} />
      </p>
      <dl className="doc-meta">
        <div>
          <dt>{t("doc.type")}</dt>
          <dd>{nameOf(data.labels.types, s.type, locale)}</dd>
        </div>
        <div>
          <dt>{t("doc.owner")}</dt>
          <dd>{nameOf(data.labels.departments, s.ownerDepartment, locale)}</dd>
        </div>
        {data.canRead ? (
          <>
            <div>
              <dt>{t("doc.version")}</dt>
              <dd>v{s.version}</dd>
            </div>
            <div>
              <dt>{t("doc.effective")}</dt>
              <dd>{formatDate(s.effectiveDate, locale)}</dd>
            </div>
            <div>
              <dt>{t("doc.review")}</dt>
              <dd>{formatDate(s.nextReviewDate, locale)}</dd>
            </div>
            {s.audienceDepartments.length ? (
              <div>
                <dt>{t("doc.audience")}</dt>
                <dd>{s.audienceDepartments.map((d) => nameOf(data.labels.departments, d, locale)).join("、")}</dd>
              </div>
            ) : null}
          </>
        ) : null}
      </dl>
      <nav className="doc-tabs" aria-label={s.number}>
        <NavLink to={base} end>
          {t("doc.tab.read")}
        </NavLink>
        {data.canReadHistory ? (
          <>
            <NavLink to={`${base}/history`}>{t("doc.tab.history")}</NavLink>
            <NavLink to={`${base}/diff`}>{t("doc.tab.compare")}</NavLink>
          </>
        ) : null}
        {(extraTabs ?? []).map((tab) => (
          <NavLink key={tab.to} to={tab.to}>
            {tab.label}
          </NavLink>
        ))}
      </nav>
    </div>
  );
}
