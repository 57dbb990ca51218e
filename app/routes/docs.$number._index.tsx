import type { LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { hasRole } from "~/org/users.server";
import { consolidatedInto } from "~/consolidation/consolidations.server";
import { attachmentsOfView } from "~/attachments/reading.server";
import { VersionAttachments } from "~/components/attachments";
import { articleHtml } from "~/web/article-html.server";
import { openCurrent } from "~/reading/open.server";
import { noticesFor } from "~/reading/notices.server";
import { linksForReader, referencedBy } from "~/reading/citation-links.server";
import { recordOpened } from "~/notifications/acknowledgements.server";
import { AccessDenied } from "~/components/access-denied";
import { DownloadLinks } from "~/components/download-links";
import { MarkdownView } from "~/components/markdown-view";
import { pdfAvailable } from "~/downloads/downloads.server";
import { Notices } from "~/components/notices";
import { ReferencedByPanel } from "~/components/referenced-by";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";

export const loader = page(async ({ request, params, context }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  // Readers of a copy that was consolidated are sent to the consolidated document (editors see the retired copy).
  const into = consolidatedInto(String(params.number));
  if (into && !hasRole(user, "editor") && !new URL(request.url).searchParams.has("stay")) throw redirect(`/docs/${into}?from=${encodeURIComponent(String(params.number))}`);
  const view = await openCurrent(user, String(params.number));
  const headers = { "Cache-Control": "private, no-store" };
  if (view.access === "denied") return data({ denied: true as const, number: view.summary.number, reason: view.reason }, { headers });
  // Only a version the reader has opened can be acknowledged (decision 071).
  await recordOpened(user.id, view.summary.number, view.record.version);
  return data(
    {
      denied: false as const,
      number: view.summary.number,
      version: view.record.version,
      retired: view.meta.retired,
      retiredAt: view.record.date,
      lang: view.meta.lang,
      html: articleHtml(context, `${view.summary.number}@${view.record.version}`, linksForReader(user, view.rendered.html)),
      toc: view.rendered.toc,
      attachments: await attachmentsOfView(view),
      publishedAt: view.record.date,
      author: view.record.authorName,
      notices: await noticesFor(user, view.record),
      referencedBy: await referencedBy(user, view.summary.number),
      pdf: pdfAvailable(),
    },
    { headers },
  );
});

export default function ReadDocument() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  if (d.denied) return <AccessDenied number={d.number} reason={d.reason} />;
  return (
    <div>
      {d.retired ? <div className="banner banner-danger">{t("doc.retiredNote", { date: formatDate(d.retiredAt, locale) })}</div> : null}
      <Notices notices={d.notices} />
      <p className="muted small">{t("doc.publishedBy", { date: formatDate(d.publishedAt, locale, true), author: d.author })}</p>
      <MarkdownView html={d.html} toc={d.toc} lang={d.lang} />
      <ReferencedByPanel number={d.number} referencedBy={d.referencedBy} />
      <VersionAttachments attachments={d.attachments} version={d.version} />
      <DownloadLinks number={d.number} pdf={d.pdf} />
    </div>
  );
}
