import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { normaliseCode } from "~/print/verify.server";
import { VerifyForm } from "~/print/verify-form";
import { useT } from "~/i18n/use-t";
import verifyCss from "~/styles/verify.css?url";

/** Checking a printed copy by its short code: open to everyone, no sign-in. */
export const links: LinksFunction = () => [{ rel: "stylesheet", href: verifyCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }, { name: "robots", content: "noindex" }];

const VerifySchema = z.object({ code: z.string().trim().min(1, "verify.required").max(200, "verify.tooLong") });

export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  if (!params.has("code")) return data({ error: "", typed: "" });
  const parsed = VerifySchema.safeParse({ code: params.get("code") ?? "" });
  const typed = String(params.get("code") ?? "").slice(0, 200);
  if (!parsed.success) return data({ error: parsed.error.issues[0]?.message ?? "verify.required", typed }, { status: 400 });
  const code = normaliseCode(parsed.data.code);
  if (!code) return data({ error: "verify.required", typed }, { status: 400 });
  throw redirect(`/verify/${encodeURIComponent(code)}`);
}

export default function VerifyIndex() {
  const { error, typed } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div className="verify-page">
      <h1>{t("verify.title")}</h1>
      <p>{t("verify.intro")}</p>
      <VerifyForm defaultValue={typed} error={error ? t(error) : undefined} />
    </div>
  );
}
