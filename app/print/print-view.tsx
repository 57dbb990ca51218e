/**
 * The print layout: a running header and footer that Chromium repeats on
 * every printed page (position: fixed in print), table header/footer spacers
 * that keep the body clear of them on every page, and a watermark.
 */
import { useEffect, useRef, useState } from "react";
import { Form, Link } from "@remix-run/react";
import { AccessDenied } from "~/components/access-denied";
import { diagramsDrawn, useDiagrams, withDiagramNotes } from "~/components/diagrams";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import type { PrintLoaderData } from "./print.server";

export function PrintView({ data }: { data: PrintLoaderData }) {
  const t = useT();
  const locale = useLocale();
  const [canPrint, setCanPrint] = useState(false);
  useEffect(() => setCanPrint(typeof window !== "undefined" && typeof window.print === "function"), []);
  const body = useRef<HTMLDivElement>(null);
  const bodyHtml = data.denied ? "" : withDiagramNotes(data.copy.html, t);
  useDiagrams(body, bodyHtml, t);
  if (data.denied) {
    return (
      <div className="print-page">
        <p className="print-toolbar">
          <Link to={`/docs/${data.number}`}>← {t("print.back")}</Link>
        </p>
        <AccessDenied number={data.number} reason={data.reason} />
      </div>
    );
  }
  const c = data.copy;
  const when = formatDate(c.printedAt, locale, true);
  const effective = formatDate(c.effectiveDate, locale);
  const watermarkLines = c.watermark || c.superseded ? Array.from({ length: 6 }) : [];
  const watermarkText = [c.superseded ? t("print.superseded") : "", c.watermark ?? ""].filter(Boolean).join(" · ");
  return (
    <div className={`print-page${c.superseded ? " is-superseded" : ""}`}>
      <div className="print-toolbar">
        <Link to={c.superseded ? `/docs/${c.number}/v/${c.version}` : `/docs/${c.number}`}>← {t("print.back")}</Link>
        {canPrint ? (
          <button type="button" onClick={() => void diagramsDrawn(body.current).then(() => window.print())}>
            {t("print.button")}
          </button>
        ) : null}
        {c.versions.length > 1 ? (
          <Form method="get" action={`/docs/${c.number}/print`} className="actions">
            <label htmlFor="print-version">{t("print.chooseVersion")}</label>
            <select id="print-version" name="version" defaultValue={String(c.version)}>
              {c.versions.map((v) => (
                <option key={v} value={v}>
                  v{v}
                  {v === c.currentVersion ? ` (${t("doc.current")})` : ""}
                </option>
              ))}
            </select>
            <button type="submit" className="secondary">
              {t("print.show")}
            </button>
          </Form>
        ) : null}
        <span className="muted small">{t("print.hint")}</span>
      </div>

      <header className="print-running-header" data-print="header">
        <div className="print-header-main">
          <strong className="print-number">{c.number}</strong> <span className="print-doc-title">{c.title}</span>
        </div>
        <div className="print-header-meta">
          <span>{t("print.version", { version: `v${c.version}` })}</span>
          <span>{t("print.effective", { date: effective })}</span>
          {c.superseded ? <strong className="print-superseded-mark">{t("print.superseded")}</strong> : null}
          {c.retired && !c.superseded ? <strong className="print-superseded-mark">{t("print.retired")}</strong> : null}
        </div>
      </header>

      <footer className="print-running-footer" data-print="footer">
        <div>{t("print.printedBy", { name: c.printedBy.name, username: c.printedBy.username, when })}</div>
        <div className="print-uncontrolled">{t("print.uncontrolled")}</div>
        <div className="print-copy-verify" data-verify-code={c.verify.code}>
          <img src={c.verify.qr} alt={t("verify.qrAlt", { code: c.verify.code })} width={72} height={72} className="print-copy-qr" />
          <span className="print-copy-code">
            {t("verify.printHint")} <span className="print-copy-url">{c.verify.url}</span>
            <br />
            {t("verify.printCode")} <strong className="print-number">{c.verify.code}</strong>
          </span>
        </div>
      </footer>

      {watermarkLines.length ? (
        <div className="print-watermark" aria-hidden="true">
          {watermarkLines.map((_, i) => (
            <span key={i}>{watermarkText}</span>
          ))}
        </div>
      ) : null}

      <table className="print-frame" role="presentation">
        <thead>
          <tr>
            <td>
              <div className="print-header-space" />
            </td>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>
              {c.superseded ? (
                <p className="print-superseded-note" role="note">
                  {t("print.supersededNote", { version: c.version, current: c.currentVersion })}
                </p>
              ) : null}
              {c.watermark ? <p className="print-restricted-note">{t("print.restricted", { name: c.watermark })}</p> : null}
              <h1 className="print-heading">
                <span className="doc-number">{c.number}</span> {c.title}
              </h1>
              <dl className="print-meta">
                <div>
                  <dt>{t("doc.version")}</dt>
                  <dd>v{c.version}</dd>
                </div>
                <div>
                  <dt>{t("doc.effective")}</dt>
                  <dd>{effective}</dd>
                </div>
                <div>
                  <dt>{t("doc.category")}</dt>
                  <dd>
                    {c.category} · {nameOf(c.labels.categories, c.category, locale)}
                  </dd>
                </div>
                <div>
                  <dt>{t("doc.type")}</dt>
                  <dd>{nameOf(c.labels.types, c.type, locale)}</dd>
                </div>
                <div>
                  <dt>{t("doc.owner")}</dt>
                  <dd>{nameOf(c.labels.departments, c.ownerDepartment, locale)}</dd>
                </div>
              </dl>
              <div
                ref={body}
                className="markdown print-body"
                lang={c.lang === "en" ? "en" : c.lang === "zh" ? "zh" : undefined}
                dangerouslySetInnerHTML={{ __html: bodyHtml }}
              />
            </td>
          </tr>
        </tbody>
        <tfoot>
          <tr>
            <td>
              <div className="print-footer-space" />
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
