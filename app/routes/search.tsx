import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { labelMaps } from "~/documents/labels.server";
import { DocBadges } from "~/components/doc-badges";
import { nameOf, type Names } from "~/components/labels";
import { formatDate, type Translate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { documentNumberIn, parseSearchParams, searchCatchUp, searchDocuments, type SearchParams } from "~/search/search.server";
import { page } from "~/web/http.server";
import type { SearchHit } from "~/search/engine.server";
// search.css reaches every page through the header's search-suggest component.

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.params.q ? `${data.params.q} · Regula` : "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const params = parseSearchParams(new URL(request.url));
  const q = params.q.trim();
  // A document number goes straight to the document.
  if (q && !filtered(params) && params.page === 1) {
    const match = documentNumberIn(q);
    if (match) throw redirect(`/docs/${match.number}`);
  }
  const labels = labelMaps();
  if (!q) return { params, labels, outcome: null, catchingUp: searchCatchUp() };
  const { result, tookMs, catchingUp } = await searchDocuments(user, params);
  return { params, labels, outcome: { result, tookMs }, catchingUp };
});

const CONFIDENTIALITY = ["internal", "department", "restricted"] as const;

function filtered(params: Pick<SearchParams, "category" | "type" | "department" | "confidentiality" | "retired">): boolean {
  return !!(params.category || params.type || params.department || params.confidentiality || params.retired);
}

function queryString(params: SearchParams, changes: Partial<Record<keyof SearchParams, string | number | undefined>>): string {
  const out = new URLSearchParams();
  const merged: Record<string, unknown> = { ...params, ...changes };
  if (merged.q) out.set("q", String(merged.q));
  for (const key of ["category", "type", "department", "confidentiality"]) if (merged[key]) out.set(key, String(merged[key]));
  if (merged.retired === true || merged.retired === "1") out.set("retired", "1");
  if (merged.page && Number(merged.page) > 1) out.set("page", String(merged.page));
  if (merged.pageSize && Number(merged.pageSize) !== 20) out.set("pageSize", String(merged.pageSize));
  return `?${out.toString()}`;
}

function FacetSelect({
  name,
  label,
  value,
  options,
  counts,
  t,
}: {
  name: string;
  label: string;
  value: string | undefined;
  options: { value: string; label: string }[];
  counts: Record<string, number> | undefined;
  t: Translate;
}) {
  return (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      <select id={`filter-${name}`} name={name} defaultValue={value ?? ""}>
        <option value="">{t("search.filter.any")}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {counts ? `${o.label} (${counts[o.value] ?? 0})` : o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function options(names: Names, locale: "zh-CN" | "en", withCode = false) {
  return Object.keys(names).map((code) => ({ value: code, label: withCode ? `${code} ${nameOf(names, code, locale)}` : nameOf(names, code, locale) }));
}

export default function SearchPage() {
  const { params, labels, outcome, catchingUp } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const navigation = useNavigation();
  const busy = navigation.state === "loading" && navigation.location?.pathname === "/search";
  const result = outcome?.result;
  const facets = result?.facets;
  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  const q = params.q.trim();
  const activeFilters = [params.category, params.type, params.department, params.confidentiality, params.retired].filter(Boolean).length;
  return (
    <div className={`search-page${busy ? " is-busy" : ""}`}>
      <h1>{q ? t("search.titleFor", { q }) : t("search.title")}</h1>
      <Form method="get" action="/search" className="search-form" role="search">
        <div className="search-box">
          <label htmlFor="search-q" className="visually-hidden">
            {t("search.query")}
          </label>
          <input id="search-q" key={params.q} type="search" name="q" defaultValue={params.q} placeholder={t("search.query")} maxLength={200} />
          <button type="submit">{t("search.go")}</button>
        </div>
        {/* On a phone the filters fold behind this toggle so the results come first (works without JavaScript). */}
        <input type="checkbox" id="search-filters-toggle" className="filters-toggle" aria-controls="search-filters" />
        <label htmlFor="search-filters-toggle" className="filters-button">
          {t("search.filters")}
          {activeFilters ? <span className="badge">{activeFilters}</span> : null}
        </label>
        <fieldset className="search-filters" id="search-filters">
          <legend>{t("search.filters")}</legend>
          <FacetSelect name="category" label={t("search.filter.category")} value={params.category} options={options(labels.categories, locale, true)} counts={facets?.category} t={t} />
          <FacetSelect name="type" label={t("search.filter.type")} value={params.type} options={options(labels.types, locale)} counts={facets?.type} t={t} />
          <FacetSelect name="department" label={t("search.filter.department")} value={params.department} options={options(labels.departments, locale)} counts={facets?.department} t={t} />
          <FacetSelect
            name="confidentiality"
            label={t("search.filter.confidentiality")}
            value={params.confidentiality}
            options={CONFIDENTIALITY.map((c) => ({ value: c, label: t(`doc.conf.${c}`) }))}
            counts={facets?.confidentiality}
            t={t}
          />
          <label className="search-retired">
            <input type="checkbox" name="retired" value="1" defaultChecked={params.retired} /> {t("search.filter.retired")}
          </label>
          <div className="actions">
            <button type="submit" className="secondary">
              {t("search.apply")}
            </button>
            {filtered(params) ? <Link to={queryString(params, { category: undefined, type: undefined, department: undefined, confidentiality: undefined, retired: undefined, page: undefined })}>{t("search.clear")}</Link> : null}
          </div>
        </fieldset>
      </Form>

      {catchingUp ? (
        <p className="banner banner-info search-catching-up" role="status">
          {t("search.catchingUp", { done: catchingUp.done, total: catchingUp.total })}
        </p>
      ) : null}

      {!result ? (
        <SearchTips t={t} intro />
      ) : result.total === 0 ? (
        <section className="panel search-empty" aria-live="polite">
          <p>
            <strong>{t("search.none", { q })}</strong>
          </p>
          <p className="muted">{t("search.noneHint")}</p>
          <SearchTips t={t} />
        </section>
      ) : (
        <section aria-labelledby="search-count">
          <p id="search-count" className="search-count" aria-live="polite">
            {result.estimated ? t("search.resultsAboutFor", { q, count: result.total }) : result.total === 1 ? t("search.result1For", { q }) : t("search.resultsFor", { q, count: result.total })}
            <span className="muted small"> · {outcome.tookMs} ms</span>
          </p>
          <ol className="search-results" start={(result.page - 1) * result.pageSize + 1}>
            {result.hits.map((hit) => (
              <li key={hit.number} className={`search-hit${hit.readable ? "" : " is-restricted"}`}>
                <div className="hit-head">
                  <Link className="doc-number" to={`/docs/${hit.number}`}>
                    {hit.number}
                  </Link>{" "}
                  <Link to={`/docs/${hit.number}`} className="hit-title">
                    <span dangerouslySetInnerHTML={{ __html: hit.titleHtml }} />
                  </Link>{" "}
                  <DocBadges retired={hit.retired} confidentiality={hit.confidentiality} />
                </div>
                <p className="hit-meta">
                  <span>{`${hit.category} ${nameOf(labels.categories, hit.category, locale)}`}</span>
                  <span>{nameOf(labels.types, hit.type, locale)}</span>
                  <span>{t("search.owner", { department: nameOf(labels.departments, hit.ownerDepartment, locale) })}</span>
                  <span>{`v${hit.version}`}</span>
                  {hit.effectiveDate ? <span>{t("search.effective", { date: formatDate(hit.effectiveDate, locale) })}</span> : null}
                </p>
                {hit.readable && hit.snippetHtml !== null ? (
                  <>
                    {hit.attachment ? <HitAttachmentLink attachment={hit.attachment} /> : null}
                    <p className="hit-snippet" dangerouslySetInnerHTML={{ __html: hit.snippetHtml }} />
                  </>
                ) : (
                  <p className="hit-snippet hit-locked">
                    {t("search.restricted")}{" "}
                    <Link to={`/access/request?number=${encodeURIComponent(hit.number)}`}>{t("doc.requestAccess")}</Link>
                  </p>
                )}
              </li>
            ))}
          </ol>
          {pages > 1 || result.page > 1 ? (
            <nav className="pager" aria-label={t("search.pages")}>
              {result.page > 1 ? (
                <Link to={queryString(params, { page: Math.min(result.page - 1, pages) })} rel="prev">
                  {t("search.prev")}
                </Link>
              ) : null}
              <span>{t("search.pageOf", { page: result.page, pages })}</span>
              {result.page < pages ? (
                <Link to={queryString(params, { page: result.page + 1 })} rel="next">
                  {t("search.next")}
                </Link>
              ) : null}
            </nav>
          ) : null}
        </section>
      )}
    </div>
  );
}

function SearchTips({ t, intro = false }: { t: Translate; intro?: boolean }) {
  return (
    <div className={intro ? "panel search-tips" : "search-tips"}>
      {intro ? <p>{t("search.start")}</p> : null}
      <h2 className="small">{t("search.tips")}</h2>
      <ul>
        <li>{t("search.tip.number")}</li>
        <li>{t("search.tip.fragment")}</li>
        <li>{t("search.tip.phrase")}</li>
        <li>{t("search.tip.prefix")}</li>
      </ul>
    </div>
  );
}

/** Where a hit found inside an attachment comes from, linking to the file (a PDF at the page). */
function HitAttachmentLink({ attachment }: { attachment: NonNullable<SearchHit["attachment"]> }) {
  const t = useT();
  const at = attachment.locator;
  const key = !at ? "search.inAttachment" : at.kind === "page" ? "search.inAttachmentPage" : at.kind === "slide" ? "search.inAttachmentSlide" : "search.inAttachmentSheet";
  return (
    <p className="hit-attachment">
      <a href={attachment.url} data-testid="hit-attachment">
        {t(key, { name: attachment.name, page: at?.value ?? "" })}
      </a>
    </p>
  );
}
