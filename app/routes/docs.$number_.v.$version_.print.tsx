import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { printTokenReader } from "~/downloads/downloads.server";
import { loadPrintCopy } from "~/print/print.server";
import { verifyBase } from "~/print/verify.server";
import { PrintView } from "~/print/print-view";
import { page } from "~/web/http.server";
import printCss from "~/styles/print.css?url";

/** Controlled print copy of version N (marked SUPERSEDED unless it is the current one). */
export const links: LinksFunction = () => [{ rel: "stylesheet", href: printCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && !data.denied ? `${data.copy.number} v${data.copy.version} ${data.copy.title}` : "Regula" },
  { name: "robots", content: "noindex" },
];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  // The server's own PDF renderer opens this page with a one-time token standing for the reader.
  const user = printTokenReader(request, String(params.number), String(params.version)) ?? (await requireUser(request));
  const result = await loadPrintCopy(user, String(params.number), String(params.version), verifyBase(request.url));
  return data(result, { status: result.denied ? 403 : 200, headers: { "Cache-Control": "private, no-store" } });
});

export default function PrintVersion() {
  return <PrintView data={useLoaderData<typeof loader>()} />;
}
