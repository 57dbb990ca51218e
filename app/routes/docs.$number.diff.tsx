import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { diffVersions, requireDocument } from "~/documents/documents.server";
import { versionsOf } from "~/documents/version-index.server";
import { DiffView } from "~/components/diff-view";
import { useLocale, useT } from "~/i18n/use-t";
import { metaValueText } from "~/components/labels";
import { labelMaps } from "~/documents/labels.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { page } from "~/utils/http.server";
import diffCss from "~/styles/diff.css?url";

const META_LABELS: Record<string, string> = {
  title: "doc.title",
  type: "doc.type",
  ownerDepartment: "doc.owner",
  confidentiality: "doc.confidentiality",
  audienceDepartments: "doc.audience",
  effectiveDate: "doc.effective",
  nextReviewDate: "doc.review",
  retired: "doc.retired",
};

export const links: LinksFunction = () => [{ rel: "stylesheet", href: diffCss }];

function versionParam(value: string | null, fallback: number): number {
  if (value === null || value === "") return fallback;
  if (!/^\d{1,6}$/.test(value)) throw new ValidationError(msg("documents.err.notAVersion", { value: value.slice(0, 20) }), { version: "not a number" });
  return Number(value);
}

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const number = String(params.number);
  const current = requireDocument(number);
  const url = new URL(request.url);
  const to = versionParam(url.searchParams.get("to"), current.version);
  const from = versionParam(url.searchParams.get("from"), Math.max(1, to - 1));
  const view = url.searchParams.get("view") === "inline" ? "inline" : "split";
  const result = await diffVersions(user, number, from, to);
  return data(
    {
      number,
      from,
      to,
      view,
      versions: versionsOf(number).map((v) => v.version),
      diff: result.diff,
      metaChanges: result.metaChanges,
      labels: labelMaps(),
      fromSummary: result.from.summary,
      toSummary: result.to.summary,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export default function Compare() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const q = (view: string) => `?from=${d.from}&to=${d.to}&view=${view}`;
  return (
    <section>
      <h2>{t("diff.title", { number: d.number, from: d.from, to: d.to })}</h2>
      <Form method="get" className="toolbar">
        <label>
          {t("history.from")}{" "}
          <select name="from" defaultValue={String(d.from)}>
            {d.versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("history.to")}{" "}
          <select name="to" defaultValue={String(d.to)}>
            {d.versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        <input type="hidden" name="view" value={d.view} />
        <button type="submit">{t("diff.choose")}</button>
        <span className="actions">
          <Link to={q("split")} aria-current={d.view === "split" ? "page" : undefined} className={d.view === "split" ? "button" : "button secondary"}>
            {t("diff.split")}
          </Link>
          <Link to={q("inline")} aria-current={d.view === "inline" ? "page" : undefined} className={d.view === "inline" ? "button" : "button secondary"}>
            {t("diff.inline")}
          </Link>
        </span>
      </Form>
      {!d.diff.tooLarge ? (
        <p className="muted small">{t("diff.stats", { added: d.diff.stats.added, removed: d.diff.stats.removed, changed: d.diff.stats.changed })}</p>
      ) : null}
      {d.metaChanges.length ? (
        <div className="panel">
          <strong>{t("diff.meta")}</strong>
          <ul>
            {d.metaChanges.map((m) => (
              <li key={m.field}>
                {t(META_LABELS[m.field] ?? m.field)}: <del>{metaValueText(m.field, m.from, d.labels, t, locale)}</del> → <ins>{metaValueText(m.field, m.to, d.labels, t, locale)}</ins>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <DiffView
        diff={d.diff}
        mode={d.view as "split" | "inline"}
        labels={{
          old: t("diff.old", { version: d.from }),
          new: t("diff.new", { version: d.to }),
          tooLarge: t("diff.tooLarge"),
          identical: t("diff.identical"),
          skipped: (n: number) => t("diff.skipped", { count: n }),
        }}
      />
    </section>
  );
}
