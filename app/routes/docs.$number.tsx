import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData, useParams } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { documentHeader } from "~/reading/document-page.server";
import { DocHeader } from "~/components/doc-header";
import { DOC_TABS } from "~/components/doc-tabs";
import { useShell } from "~/components/use-shell";
import { useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.summary.number} ${data.summary.title} · Regula` : "Regula" },
];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return documentHeader(user, String(params.number));
});

export default function DocumentLayout() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const { user } = useShell();
  // On an old version's page the header must not call the page "current" (it shows the superseded banner below).
  const viewing = useParams().version;
  const oldVersion = viewing !== undefined && Number(viewing) !== data.summary.version;
  const tabs = DOC_TABS.filter(
    (tab) =>
      (!tab.roles || tab.roles.some((r) => user?.roles.includes(r) || user?.roles.includes("admin"))) && (!tab.needsRead || data.canRead),
  ).map((tab) => ({ to: `/docs/${data.summary.number}${tab.path}`, label: t(tab.label) }));
  return (
    <article>
      <DocHeader data={data} extraTabs={tabs} viewingOld={oldVersion} />
      <Outlet />
    </article>
  );
}
