import type { LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { attachmentsOfView } from "~/attachments/reading.server";
import { VersionAttachments } from "~/components/attachments";
import { articleHtml } from "~/web/article-html.server";
import { openVersion } from "~/reading/open.server";
import { linksForReader } from "~/reading/citation-links.server";
import { recordOpened } from "~/notifications/acknowledgements.server";
import { AccessDenied } from "~/components/access-denied";
import { DownloadLinks } from "~/components/download-links";
import { MarkdownView } from "~/components/markdown-view";
import { pdfAvailable } from "~/downloads/downloads.server";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { msg, NotFoundError } from "~/utils/errors.server";
import { page } from "~/web/http.server";

export const loader = page(async ({ request, params, context }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const version = Number(params.version);
  if (!/^\d{1,6}$/.test(String(params.version)) || version < 1) throw new NotFoundError(msg("documents.err.notAVersion", { value: String(params.version).slice(0, 20) }));
  const view = await openVersion(user, String(params.number), version);
  const headers = { "Cache-Control": "private, no-store" };
  if (view.access === "denied") return data({ denied: true as const, number: view.summary.number, reason: view.reason }, { headers });
  if (view.record.version === view.current.version && new URL(request.url).searchParams.get("stay") !== "1") {
    throw redirect(`/docs/${view.summary.number}`);
  }
  await recordOpened(user.id, view.summary.number, view.record.version);
  return data(
    {
      denied: false as const,
      number: view.summary.number,
      version: view.record.version,
      current: view.current.version,
      date: view.record.date,
      author: view.record.authorName,
      summary: view.record.summary,
      title: view.meta.title,
      lang: view.meta.lang,
      html: articleHtml(context, `${view.summary.number}@${view.record.version}`, linksForReader(user, view.rendered.html)),
      toc: view.rendered.toc,
      attachments: await attachmentsOfView(view),
      pdf: pdfAvailable(),
    },
    { headers },
  );
});

export default function OldVersion() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  if (d.denied) return <AccessDenied number={d.number} reason={d.reason} />;
  const superseded = d.version !== d.current;
  return (
    <div>
      {superseded ? (
        <div className="banner banner-warn superseded-banner" role="note">
          <strong>{t("doc.superseded", { current: d.current })}</strong> —{" "}
          <Link to={`/docs/${d.number}`}>{t("doc.supersededLink")}</Link> ·{" "}
          <Link to={`/docs/${d.number}/diff?from=${d.version}&to=${d.current}`}>{t("diff.choose")} v{d.version} → v{d.current}</Link>
        </div>
      ) : null}
      <h2>
        v{d.version} · {d.title}
      </h2>
      <p className="muted small">
        {t("doc.publishedBy", { date: formatDate(d.date, locale, true), author: d.author })} — <span data-content="">{d.summary}</span>
      </p>
      <MarkdownView html={d.html} toc={d.toc} lang={d.lang} />
      <VersionAttachments attachments={d.attachments} version={d.version} />
      <DownloadLinks number={d.number} version={d.version} pdf={d.pdf} />
    </div>
  );
}
