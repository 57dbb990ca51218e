import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { DiffView } from "~/components/diff-view";
import { MetaChanges } from "~/components/revisions-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { upcomingPage } from "~/revisions/pages.server";
import { page } from "~/web/http.server";
import diffCss from "~/styles/diff.css?url";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: diffCss },
  { rel: "stylesheet", href: revisionsCss },
];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(await upcomingPage(user, String(params.number)), { headers: { "Cache-Control": "private, no-store" } });
});

/** The approved next version that waits for its effective date, compared with the current one. */
export default function Upcoming() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <section className="revisions">
      <h2>{t("revisions.upcoming.title", { version: d.currentVersion + 1, date: formatDate(d.effectiveDate, locale) })}</h2>
      <p className="banner banner-info">
        {t("revisions.upcoming.explain", { version: d.currentVersion, date: formatDate(d.effectiveDate, locale) })}{" "}
        <Link to={`/docs/${d.number}`}>{t("revisions.upcoming.readCurrent")}</Link>
      </p>
      <p>
        <strong>{t("revisions.summary")}:</strong> {d.summary} <span className={`badge change-${d.change}`}>{t(`change.${d.change}`)}</span>
      </p>
      <MetaChanges changes={d.metaChanges} labels={d.labels} />
      <DiffView
        diff={d.diff}
        mode="split"
        labels={{
          old: t("revisions.diffCurrent", { version: d.currentVersion }),
          new: t("revisions.upcoming.side", { version: d.currentVersion + 1, date: formatDate(d.effectiveDate, locale) }),
          tooLarge: t("diff.tooLarge"),
          identical: t("diff.identical"),
          skipped: (n: number) => t("diff.skipped", { count: n }),
        }}
      />
    </section>
  );
}
