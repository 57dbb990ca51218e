import type { LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { historyOf } from "~/reading/open.server";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const { current, versions } = await historyOf(user, String(params.number));
  return data(
    {
      number: current.number,
      current: current.version,
      versions: versions.map((v) => ({
        version: v.version,
        date: v.date,
        author: v.authorName,
        summary: v.summary,
        change: v.change,
        approvedBy: v.approvedBy,
        commit: v.commit.slice(0, 10),
      })),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export default function History() {
  const { number, current, versions } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const latest = versions[0]?.version ?? 1;
  return (
    <section>
      <h2>{t("history.title", { number })}</h2>
      {versions.length > 1 ? (
        <Form method="get" action={`/docs/${number}/diff`} className="toolbar">
          <label>
            {t("history.from")}{" "}
            <select name="from" defaultValue={String(Math.max(1, latest - 1))}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  {`v${v.version}`}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("history.to")}{" "}
            <select name="to" defaultValue={String(latest)}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  {`v${v.version}`}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{t("history.compare")}</button>
        </Form>
      ) : null}
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("doc.version")}</th>
              <th scope="col">{t("history.when")}</th>
              <th scope="col">{t("history.author")}</th>
              <th scope="col">{t("history.change")}</th>
              <th scope="col">{t("history.summary")}</th>
              <th scope="col">{t("history.approvedBy")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("history.open")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <td>
                  <Link to={v.version === current ? `/docs/${number}` : `/docs/${number}/v/${v.version}`}>{`v${v.version}`}</Link>{" "}
                  {v.version === current ? <span className="badge badge-current">{t("doc.current")}</span> : null}
                </td>
                <td>{formatDate(v.date, locale, true)}</td>
                <td>{v.author}</td>
                <td>
                  <span className={v.change === "major" ? "badge badge-major" : "badge"}>{t(`change.${v.change}`)}</span>
                </td>
                <td data-content="">{v.summary}</td>
                <td>{v.approvedBy.join(", ") || "—"}</td>
                <td>
                  {v.version > 1 ? (
                    <Link to={`/docs/${number}/diff?from=${v.version - 1}&to=${v.version}`}>{t("history.diffPrev")}</Link>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
