import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { getCategory } from "~/documents/config.server";
import { listDocuments } from "~/documents/documents.server";
import { labelMaps } from "~/documents/labels.server";
import { nameOf } from "~/components/labels";
import { DocBadges } from "~/components/doc-badges";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { msg, NotFoundError } from "~/utils/errors.server";
import { page } from "~/web/http.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.category.code ?? ""} · Regula` }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  await requireUser(request);
  const category = getCategory(String(params.code ?? "").toUpperCase());
  if (!category) throw new NotFoundError(msg("documents.err.noCategory", { code: String(params.code).slice(0, 20) }));
  const url = new URL(request.url);
  const includeRetired = url.searchParams.get("retired") === "1";
  return { category, includeRetired, documents: listDocuments({ category: category.code, includeRetired }), labels: labelMaps() };
});

export default function CategoryPage() {
  const { category, documents, includeRetired, labels } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <p className="muted">
        <Link to="/categories">{t("categories.title")}</Link> / {category.code}
      </p>
      <h1>
        <span className="doc-number">{category.code}</span> {category.name[locale]}
      </h1>
      {category.description ? <p className="muted">{category.description[locale]}</p> : null}
      <p>
        <Link to={includeRetired ? "?" : "?retired=1"}>{includeRetired ? t("category.hideRetired") : t("category.showRetired")}</Link>
      </p>
      {documents.length === 0 ? (
        <p className="muted">{t("category.empty")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("doc.number")}</th>
                <th scope="col">{t("doc.title")}</th>
                <th scope="col">{t("doc.type")}</th>
                <th scope="col">{t("doc.owner")}</th>
                <th scope="col">{t("doc.version")}</th>
                <th scope="col">{t("doc.effective")}</th>
              </tr>
            </thead>
            <tbody>
              {documents.map((d) => (
                <tr key={d.number}>
                  <td>
                    <Link className="doc-number" to={`/docs/${d.number}`}>
                      {d.number}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/docs/${d.number}`}>{d.title}</Link> <DocBadges retired={d.retired} confidentiality={d.confidentiality} />
                  </td>
                  <td>{nameOf(labels.types, d.type, locale)}</td>
                  <td>{nameOf(labels.departments, d.ownerDepartment, locale)}</td>
                  <td>v{d.version}</td>
                  <td>{formatDate(d.effectiveDate, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
