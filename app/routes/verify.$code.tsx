import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { checkCopy, InvalidCopyCodeError, normaliseCode, UnknownCopyError, type CopyCheck } from "~/print/verify.server";
import { VerifyForm } from "~/print/verify-form";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import verifyCss from "~/styles/verify.css?url";

/** What a scanned or typed copy code says: current, superseded (by which version, since when) or retired. No sign-in. */
export const links: LinksFunction = () => [{ rel: "stylesheet", href: verifyCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }, { name: "robots", content: "noindex" }];

type Result = { result: "checked"; check: CopyCheck } | { result: "invalid" | "unknown"; code: string };

const HEADERS = { "Cache-Control": "no-store", "X-Robots-Tag": "noindex" };

export async function loader({ params }: LoaderFunctionArgs) {
  const raw = String(params.code ?? "");
  try {
    return data<Result>({ result: "checked", check: await checkCopy(raw) }, { headers: HEADERS });
  } catch (error) {
    const code = normaliseCode(raw).slice(0, 60);
    if (error instanceof InvalidCopyCodeError) return data<Result>({ result: "invalid", code }, { status: 400, headers: HEADERS });
    if (error instanceof UnknownCopyError) return data<Result>({ result: "unknown", code }, { status: 404, headers: HEADERS });
    throw error;
  }
}

export default function VerifyCopy() {
  const r = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  if (r.result !== "checked") {
    return (
      <div className="verify-page">
        <h1>{t("verify.title")}</h1>
        <section className="verify-result verify-refused" data-status={r.result} role="alert">
          <h2>{t(r.result === "invalid" ? "verify.invalidTitle" : "verify.unknownTitle")}</h2>
          <p>{t(r.result === "invalid" ? "verify.invalid" : "verify.unknown")}</p>
          {r.code ? <p className="verify-code">{r.code}</p> : null}
        </section>
        <VerifyForm defaultValue={r.code} />
      </div>
    );
  }
  const c = r.check;
  const since = formatDate(c.since, locale);
  return (
    <div className="verify-page">
      <h1>{t("verify.title")}</h1>
      <section className={`verify-result verify-${c.status}`} data-status={c.status}>
        <p className="verify-doc">
          <strong className="doc-number">{c.number}</strong> v{c.version}
          <br />
          <span>{c.title}</span>
        </p>
        <h2>{t(`verify.status.${c.status}`)}</h2>
        <p>
          {c.status === "current"
            ? t("verify.current", { number: c.number, version: c.version })
            : c.status === "superseded"
              ? t("verify.superseded", { number: c.number, version: c.version, current: c.currentVersion, since })
              : t("verify.retired", { number: c.number, version: c.version, since })}
        </p>
        {c.status !== "current" ? <p className="verify-advice">{t("verify.staleAdvice")}</p> : null}
        <p className="muted small">{t("verify.checks", { count: c.checks })}</p>
      </section>
      <p className="muted small">{t("verify.noContent")}</p>
      <VerifyForm />
    </div>
  );
}
