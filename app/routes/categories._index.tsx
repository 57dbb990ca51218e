import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { getConfig } from "~/documents/config.server";
import { categoryCounts } from "~/documents/documents.server";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireUser(request);
  const counts = new Map(categoryCounts().map((c) => [c.code, c]));
  return {
    categories: getConfig().categories.map((c) => ({ ...c, current: counts.get(c.code)?.current ?? 0, retired: counts.get(c.code)?.retired ?? 0 })),
  };
});

export default function Categories() {
  const { categories } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <h1>{t("categories.title")}</h1>
      <div className="grid grid-cards">
        {categories.map((c) => (
          <Link key={c.code} to={`/categories/${c.code}`} className="card">
            <div className="card-code">{c.code}</div>
            <div className="card-title">{c.name[locale]}</div>
            <p className="card-meta">{c.description?.[locale]}</p>
            <div className="card-meta">{t("home.current", { count: c.current })}</div>
          </Link>
        ))}
      </div>
    </div>
  );
}
