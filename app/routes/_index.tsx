import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { categoryCounts } from "~/documents/documents.server";
import { recentChanges } from "~/reading/open.server";
import { labelMaps } from "~/documents/labels.server";
import { nameOf } from "~/components/labels";
import { DocBadges } from "~/components/doc-badges";
import { HomeExtras } from "~/components/home-extras";
import { useLocale, useT } from "~/i18n/use-t";
import { useShell } from "~/components/use-shell";
import { formatDate } from "~/i18n/i18n";
import { page } from "~/web/http.server";
import { homeExtrasFor } from "~/home.server";

export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return {
    counts: categoryCounts(),
    recent: recentChanges(user, 12),
    labels: labelMaps(),
    extras: await homeExtrasFor(user),
  };
});

export default function Home() {
  const { counts, recent, labels, extras } = useLoaderData<typeof loader>();
  // The reader's name comes with the shell: the page itself is the same for readers who see the same documents (decision 105).
  const name = useShell().user?.name ?? "";
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <h1>{t("home.welcome", { name })}</h1>
      <HomeExtras extras={extras} />
      <h2>{t("home.categories")}</h2>
      <div className="grid grid-cards">
        {counts.map((c) => (
          <Link key={c.code} to={`/categories/${c.code}`} className="card" prefetch="intent">
            <div className="card-code">{c.code}</div>
            <div className="card-title">{nameOf(labels.categories, c.code, locale)}</div>
            <div className="card-meta">
              {t("home.current", { count: c.current })}
              {c.retired ? ` · ${t("home.retired", { count: c.retired })}` : ""}
            </div>
          </Link>
        ))}
      </div>
      <h2>{t("home.recent")}</h2>
      {recent.length === 0 ? (
        <p className="muted">{t("home.noRecent")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("doc.number")}</th>
                <th scope="col">{t("doc.title")}</th>
                <th scope="col">{t("doc.version")}</th>
                <th scope="col">{t("history.summary")}</th>
                <th scope="col">{t("history.when")}</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((r) => (
                <tr key={`${r.summary.number}-${r.version}`}>
                  <td>
                    <Link className="doc-number" to={`/docs/${r.summary.number}`}>
                      {r.summary.number}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/docs/${r.summary.number}`}>{r.summary.title}</Link>{" "}
                    <DocBadges
                      retired={r.summary.retired}
                      confidentiality={r.summary.confidentiality}
                      superseded={r.version < r.summary.version && !r.summary.retired ? r.summary.version : undefined}
                    />
                  </td>
                  <td>
                    v{r.version} {r.change === "major" ? <span className="badge badge-major">{t("change.major")}</span> : null}
                  </td>
                  <td data-content="">
                    {r.readable && r.version > 1 ? (
                      <Link to={`/docs/${r.summary.number}/diff?from=${r.version - 1}&to=${r.version}`}>{r.changeSummary}</Link>
                    ) : (
                      (r.changeSummary ?? "—")
                    )}
                  </td>
                  <td>{formatDate(r.date, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
