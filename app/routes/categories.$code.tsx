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

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.category.code ?? ""} · Regula` },
];

/** Documents listed per page of a category (decision 128). */
const PAGE_SIZE = 50;

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  await requireUser(request);
  const category = getCategory(String(params.code ?? "").toUpperCase());
  if (!category)
    throw new NotFoundError(
      msg("documents.err.noCategory", {
        code: String(params.code).slice(0, 20),
      })
    );
  const url = new URL(request.url);
  const includeRetired = url.searchParams.get("retired") === "1";
  const all = listDocuments({ category: category.code, includeRetired });
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  // A page number that is not one (or past the end) shows the nearest page that exists.
  const asked = Number.parseInt(url.searchParams.get("page") ?? "1", 10);
  const pageNo = Number.isFinite(asked)
    ? Math.min(Math.max(1, asked), pages)
    : 1;
  const from = (pageNo - 1) * PAGE_SIZE;
  return {
    category,
    includeRetired,
    documents: all.slice(from, from + PAGE_SIZE),
    total: all.length,
    from: from + 1,
    page: pageNo,
    pages,
    labels: labelMaps(),
  };
});

/** The address of another page of the list, keeping the choice of retired documents. */
function pageLink(includeRetired: boolean, pageNo: number): string {
  const params = new URLSearchParams();
  if (includeRetired) params.set("retired", "1");
  if (pageNo > 1) params.set("page", String(pageNo));
  const text = params.toString();
  return text ? `?${text}` : "?";
}

export default function CategoryPage() {
  const {
    category,
    documents,
    includeRetired,
    labels,
    total,
    from,
    page: pageNo,
    pages,
  } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <p className="muted">
        <Link to="/categories">{t("categories.title")}</Link> / {category.code}
      </p>
      <h1>
        <span className="doc-number">{category.code}</span>{" "}
        {category.name[locale]}
      </h1>
      {category.description ? (
        <p className="muted">{category.description[locale]}</p>
      ) : null}
      <p>
        <Link to={includeRetired ? "?" : "?retired=1"}>
          {includeRetired
            ? t("category.hideRetired")
            : t("category.showRetired")}
        </Link>
      </p>
      {documents.length === 0 ? (
        <p className="muted">{t("category.empty")}</p>
      ) : (
        <>
          {pages > 1 ? (
            <p className="muted small">
              {t("category.range", {
                from,
                to: from + documents.length - 1,
                total,
              })}
            </p>
          ) : null}
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
                      <Link to={`/docs/${d.number}`}>{d.title}</Link>{" "}
                      <DocBadges
                        retired={d.retired}
                        confidentiality={d.confidentiality}
                      />
                    </td>
                    <td>{nameOf(labels.types, d.type, locale)}</td>
                    <td>
                      {nameOf(labels.departments, d.ownerDepartment, locale)}
                    </td>
                    <td>v{d.version}</td>
                    <td>{formatDate(d.effectiveDate, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 ? (
            <nav className="pager" aria-label={t("category.pages")}>
              {pageNo > 1 ? (
                <Link to={pageLink(includeRetired, pageNo - 1)} rel="prev">
                  {t("search.prev")}
                </Link>
              ) : null}
              <span>{t("search.pageOf", { page: pageNo, pages })}</span>
              {pageNo < pages ? (
                <Link to={pageLink(includeRetired, pageNo + 1)} rel="next">
                  {t("search.next")}
                </Link>
              ) : null}
            </nav>
          ) : null}
        </>
      )}
    </div>
  );
}
