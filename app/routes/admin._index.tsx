import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { ADMIN_LINKS } from "~/components/admin-links";
import { useT } from "~/i18n/use-t";
import { page } from "~/utils/http.server";
import { adminSummary } from "~/admin.server";

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return adminSummary();
});

export default function AdminHome() {
  const summary = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div>
      <h1>{t("admin.title")}</h1>
      <div className="grid grid-cards">
        {ADMIN_LINKS.map((l) => (
          <Link key={l.to} to={l.to} className="card">
            <div className="card-title">{t(l.label)}</div>
            {summary[l.to] !== undefined ? <div className="card-meta">{String(summary[l.to])}</div> : null}
          </Link>
        ))}
      </div>
    </div>
  );
}
