import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { ProposalTable } from "~/components/revisions-ui";
import { useT } from "~/i18n/use-t";
import { proposalsIndex, type ProposalListView } from "~/revisions/pages.server";
import { OPEN_STATUSES } from "~/revisions/types";
import { page } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const requested = url.searchParams.get("view");
  const view: ProposalListView = requested === "open" || requested === "all" || requested === "mine" ? requested : "mine";
  const number = (url.searchParams.get("number") ?? "").trim().toUpperCase().slice(0, 40);
  return data(proposalsIndex(user, { view, status: url.searchParams.get("status") ?? undefined, number }), {
    headers: { "Cache-Control": "private, no-store" },
  });
});

export default function Proposals() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const tab = (view: string) => ({
    to: `/proposals?view=${view}`,
    className: d.view === view ? "button" : "button secondary",
    "aria-current": d.view === view ? ("page" as const) : undefined,
  });
  return (
    <section className="revisions">
      <h1>{t("revisions.proposals")}</h1>
      <div className="toolbar">
        <span className="actions">
          <Link {...tab("mine")}>{t("revisions.list.mine")}</Link>
          <Link {...tab("open")}>{t("revisions.list.open")}</Link>
          <Link {...tab("all")}>{t("revisions.list.all")}</Link>
        </span>
        {d.waiting ? (
          <Link to="/inbox" className="button secondary">
            {t("revisions.list.waiting", { count: d.waiting })}
          </Link>
        ) : null}
        {d.canCreate ? (
          <Link to="/proposals/new" className="button">
            {t("revisions.new.title")}
          </Link>
        ) : null}
      </div>
      <Form method="get" className="toolbar">
        <input type="hidden" name="view" value={d.view} />
        <label>
          {t("revisions.col.status")}{" "}
          <select name="status" defaultValue={d.status}>
            <option value="">{t("revisions.list.anyStatus")}</option>
            {[...OPEN_STATUSES, "published", "withdrawn"].map((s) => (
              <option key={s} value={s}>
                {t(`revisions.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("doc.number")} <input name="number" defaultValue={d.number} size={10} />
        </label>
        <button type="submit">{t("revisions.list.filter")}</button>
      </Form>
      <ProposalTable rows={d.rows} empty={t("revisions.list.empty")} />
      {d.total > d.rows.length ? <p className="muted small">{t("revisions.list.more", { shown: d.rows.length, total: d.total })}</p> : null}
    </section>
  );
}
