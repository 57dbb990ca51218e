import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { diffVersions, formattedVersionDiff } from "~/reading/diff.server";
import { requireDocument } from "~/documents/documents.server";
import { versionsOf } from "~/documents/version-index.server";
import { versionDiffAttachments } from "~/attachments/pages.server";
import { AttachmentChanges } from "~/components/attachments";
import { DiffView, FormattedDiffView } from "~/components/diff-view";
import { DiffViewTabs, expandParam, viewParam } from "~/components/diff-tabs";
import { useLocale, useT } from "~/i18n/use-t";
import { metaValueText } from "~/components/labels";
import { labelMaps } from "~/documents/labels.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { page } from "~/web/http.server";
import attachmentsCss from "~/styles/attachments.css?url";
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

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: diffCss },
  { rel: "stylesheet", href: attachmentsCss },
];

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
  const view = viewParam(url.searchParams.get("view"));
  const base = { number, from, to, versions: versionsOf(number).map((v) => v.version) };
  const headers = { "Cache-Control": "private, no-store" };
  if (view === "formatted") {
    const result = await formattedVersionDiff(user, number, from, to, { expand: expandParam(url.searchParams.get("expand")) });
    const attachments = await versionDiffAttachments(number, result.from, result.to);
    return data({ ...base, view, formatted: result.diff, diff: null, metaChanges: result.metaChanges, attachments, labels: labelMaps() }, { headers });
  }
  const result = await diffVersions(user, number, from, to);
  const attachments = await versionDiffAttachments(number, result.from, result.to);
  return data({ ...base, view, formatted: null, diff: result.diff, metaChanges: result.metaChanges, attachments, labels: labelMaps() }, { headers });
});

export default function Compare() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const range = `from=${d.from}&to=${d.to}`;
  const locale = useLocale();
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
      </Form>
      <DiffViewTabs view={d.view} href={(view) => `?${range}&view=${view}`} t={t} />
      {d.diff && !d.diff.tooLarge ? (
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
      {d.attachments.changes.length ? (
        <AttachmentChanges
          changes={d.attachments.changes}
          count={d.attachments.count}
          canEdit={false}
          textDiffs={d.attachments.textDiffs}
        />
      ) : null}
      {d.formatted ? (
        <FormattedDiffView
          diff={d.formatted}
          t={t}
          folds={{
            href: (fold) => `?${range}&expand=${fold}#fd-f${fold}`,
            src: (fold) => `/docs/${d.number}/diff-fold?${range}&fold=${fold}`,
          }}
          labels={{ tooLarge: t("diff.tooLarge"), identical: t("diff.identical") }}
        />
      ) : d.diff ? (
      <DiffView
        diff={d.diff}
        mode={d.view === "inline" ? "inline" : "split"}
        labels={{
          old: t("diff.old", { version: d.from }),
          new: t("diff.new", { version: d.to }),
          tooLarge: t("diff.tooLarge"),
          identical: t("diff.identical"),
          skipped: (n: number) => t("diff.skipped", { count: n }),
        }}
      />
      ) : null}
    </section>
  );
}
