import { pageTitle } from "~/components/page-title";
import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { attachmentTextOverview } from "~/attachments/text/admin.server";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import ocrCss from "~/styles/ocr.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: ocrCss }];
export const meta = pageTitle("ocr.title");

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return attachmentTextOverview();
});

export default function AdminAttachmentText() {
  const { ocr, queue } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const current = queue.current;
  const kind = (k: string) => t(`ocr.kind.${k}`);
  return (
    <div className="ocr-admin">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("ocr.title")}
      </p>
      <h1>{t("ocr.title")}</h1>
      <p className="muted">{t("ocr.intro")}</p>
      {ocr.available ? (
        <p className="form-ok" data-testid="ocr-available">
          {t("ocr.available", { version: ocr.version ?? "?" })}
        </p>
      ) : (
        <div className="banner banner-warn" role="status" data-testid="ocr-unavailable">
          {t("ocr.unavailable", { reason: ocr.reason ?? "" })}
        </div>
      )}
      <section className="panel" aria-labelledby="ocr-queue-title">
        <h2 id="ocr-queue-title">{t("ocr.queue")}</h2>
        {current ? (
          <div className="ocr-current" data-testid="ocr-current">
            <p>
              {t("ocr.current", { name: current.name, number: current.number, kind: kind(current.kind) })}
              {current.pages ? ` · ${t("ocr.pageOf", { page: current.page ?? 1, pages: current.pages })}` : ""}
            </p>
            {current.pages ? <progress max={current.pages} value={Math.max(0, (current.page ?? 1) - 1)} aria-label={t("ocr.progress")} /> : null}
          </div>
        ) : null}
        <p data-testid="ocr-queued">{queue.queued ? t("ocr.queued", { count: queue.queued }) : t("ocr.idle")}</p>
        {queue.queued ? (
          <p>
            <Link to="/admin/attachment-text">{t("ocr.refresh")}</Link>
          </p>
        ) : null}
        <dl className="ocr-facts">
          <div>
            <dt>{t("ocr.totals.files")}</dt>
            <dd data-testid="ocr-files">{queue.totals.files}</dd>
          </div>
          <div>
            <dt>{t("ocr.totals.pages")}</dt>
            <dd>{queue.totals.pages}</dd>
          </div>
          <div>
            <dt>{t("ocr.totals.ocrPages")}</dt>
            <dd data-testid="ocr-pages">{queue.totals.ocrPages}</dd>
          </div>
          <div>
            <dt>{t("ocr.totals.perPage")}</dt>
            <dd>{queue.msPerOcrPage === null ? "—" : t("ocr.seconds", { s: (queue.msPerOcrPage / 1000).toFixed(1) })}</dd>
          </div>
          <div>
            <dt>{t("ocr.totals.failed")}</dt>
            <dd>{queue.totals.failed}</dd>
          </div>
        </dl>
        {queue.jobs.length ? (
          <div className="table-wrap">
            <table className="list ocr-list">
              <caption className="visually-hidden">{t("ocr.queue")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("ocr.col.file")}</th>
                  <th scope="col">{t("ocr.col.document")}</th>
                  <th scope="col">{t("ocr.col.kind")}</th>
                  <th scope="col">{t("ocr.col.queuedAt")}</th>
                </tr>
              </thead>
              <tbody>
                {queue.jobs.map((j) => (
                  <tr key={`${j.number}/${j.name}/${j.enqueuedAt}`}>
                    <td>{j.name}</td>
                    <td>
                      <Link to={`/docs/${j.number}`}>{j.number}</Link>
                    </td>
                    <td>{kind(j.kind)}</td>
                    <td>{formatDate(j.enqueuedAt, locale, true)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <h2>{t("ocr.recent")}</h2>
      {queue.recent.length === 0 ? (
        <p className="muted">{t("ocr.recentNone")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list ocr-list" data-testid="ocr-recent">
            <thead>
              <tr>
                <th scope="col">{t("ocr.col.file")}</th>
                <th scope="col">{t("ocr.col.document")}</th>
                <th scope="col">{t("ocr.col.result")}</th>
                <th scope="col">{t("ocr.col.finishedAt")}</th>
              </tr>
            </thead>
            <tbody>
              {queue.recent.map((r) => (
                <tr key={`${r.sha256}/${r.finishedAt}`}>
                  <td>{r.name}</td>
                  <td>
                    <Link to={`/docs/${r.number}`}>{r.number}</Link>
                  </td>
                  <td>
                    {r.failure
                      ? t(`ocr.failure.${r.failure.code}`)
                      : [
                          r.pages !== null ? t("ocr.result.pages", { count: r.pages }) : kind(r.kind),
                          r.ocrPages ? t("ocr.result.ocr", { count: r.ocrPages }) : "",
                          r.ocrSkipped ? t("ocr.result.skipped", { count: r.ocrSkipped }) : "",
                        ]
                          .filter(Boolean)
                          .join(" · ")}
                  </td>
                  <td>{formatDate(r.finishedAt, locale, true)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
