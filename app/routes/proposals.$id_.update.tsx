import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { formatBytes } from "~/components/attachments";
import { CsrfField } from "~/components/csrf-field";
import { DiffView } from "~/components/diff-view";
import { FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { UpdateForm } from "~/revisions/forms";
import type { ConflictChoice } from "~/revisions/merge.server";
import { updatePage } from "~/revisions/pages.server";
import { updateToCurrent, type UpdateChoices } from "~/revisions/rebase.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import diffCss from "~/styles/diff.css?url";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: diffCss },
  { rel: "stylesheet", href: revisionsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: d ? `${d.proposal.id} · Regula` : "Regula" }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(await updatePage(user, String(params.id)), { headers: { "Cache-Control": "private, no-store" } });
});

const FIELD_LABELS: Record<string, string> = {
  title: "doc.title",
  type: "doc.type",
  confidentiality: "doc.confidentiality",
  audienceDepartments: "doc.audience",
};

/** Attachment conflicts arrive as attachment-name-<i> (the name) and attachment-<i> (current | proposal). */
function attachmentChoicesFrom(fields: Record<string, string | string[]>): UpdateChoices["attachments"] {
  const out: NonNullable<UpdateChoices["attachments"]> = {};
  for (let i = 0; `attachment-name-${i}` in fields; i++) {
    const v = fields[`attachment-${i}`];
    if (v === "current" || v === "proposal") out[String(fields[`attachment-name-${i}`])] = v;
  }
  return out;
}

function choicesFrom(fields: Record<string, string | string[]>): UpdateChoices {
  const body: ConflictChoice[] = [];
  for (let i = 0; `choice-${i}` in fields; i++) {
    const choice = String(fields[`choice-${i}`]);
    if (choice === "custom") body.push({ custom: String(fields[`custom-${i}`] ?? "") });
    else if (choice === "current" || choice === "proposal" || choice === "both") body.push(choice);
  }
  const meta: UpdateChoices["meta"] = {};
  for (const field of ["title", "type", "confidentiality", "audienceDepartments"] as const) {
    const v = fields[`meta-${field}`];
    if (v === "current" || v === "proposal") meta[field] = v;
  }
  return { body, meta, attachments: attachmentChoicesFrom(fields) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  try {
    const form = await readForm(request, UpdateForm);
    if (!form.ok) return invalid(form.fieldErrors);
    const { intent, ...fields } = form.value;
    await updateToCurrent(user, id, intent === "resolve" ? choicesFrom(fields as Record<string, string | string[]>) : {});
    return redirect(`/proposals/${id}?done=updated`);
  } catch (error) {
    return actionError(error);
  }
}

export default function UpdateProposal() {
  const { proposal: p, merge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const t = useT();
  const busy = useNavigation().state === "submitting";
  let conflictIndex = -1;
  return (
    <article className="revisions">
      <p className="muted">
        <Link to="/proposals">{t("revisions.proposals")}</Link> / <Link to={`/proposals/${p.id}`}>{p.id}</Link> / {t("revisions.action.update")}
      </p>
      <h1>{t("revisions.update.title", { id: p.id, number: p.number })}</h1>
      <FormError message={result?.formError} />
      {!merge.stale ? (
        <p className="banner banner-ok">{t("revisions.update.notStale")}</p>
      ) : (
        <>
          <p className="banner banner-info">{t("revisions.update.explain", { base: merge.baseVersion, current: merge.currentVersion })}</p>
          {merge.clean ? (
            <Form method="post" className="panel">
              <CsrfField />
              <input type="hidden" name="intent" value="merge" />
              <p>
                <strong>{t(merge.mode === "rebase" ? "revisions.update.rebase" : "revisions.update.clean")}</strong>
              </p>
              <p className="muted">{t("revisions.update.reapproval")}</p>
              <CarriedAttachments names={merge.attachmentsFromCurrent} version={merge.currentVersion} />
              {merge.diff ? (
                <DiffView
                  diff={merge.diff}
                  mode="split"
                  labels={{
                    old: t("revisions.diffCurrent", { version: merge.currentVersion }),
                    new: t("revisions.update.merged"),
                    tooLarge: t("diff.tooLarge"),
                    identical: t("diff.identical"),
                    skipped: (n: number) => t("diff.skipped", { count: n }),
                  }}
                />
              ) : null}
              <div className="actions">
                <button type="submit" disabled={busy}>
                  {t("revisions.update.useMerged")}
                </button>
                <Link to={`/proposals/${p.id}`}>{t("common.cancel")}</Link>
              </div>
            </Form>
          ) : (
            <Form method="post" className="merge-form">
              <CsrfField />
              <input type="hidden" name="intent" value="resolve" />
              <p className="banner banner-warn" role="note">
                {t("revisions.update.conflicts", { count: merge.conflicts, current: merge.currentVersion })}
              </p>
              {merge.metaConflicts.map((c) => (
                <fieldset key={c.field} className="panel conflict">
                  <legend>{t("revisions.update.metaConflict", { field: t(FIELD_LABELS[c.field] ?? c.field) })}</legend>
                  <label>
                    <input type="radio" name={`meta-${c.field}`} value="current" required />{" "}
                    {t("revisions.update.keepCurrent", { version: merge.currentVersion })}: <q>{c.current}</q>
                  </label>
                  <label>
                    <input type="radio" name={`meta-${c.field}`} value="proposal" /> {t("revisions.update.keepProposal")}: <q>{c.proposal}</q>
                  </label>
                </fieldset>
              ))}
              <CarriedAttachments names={merge.attachmentsFromCurrent} version={merge.currentVersion} />
              {merge.attachmentConflicts.map((c, i) => {
                const file = encodeURIComponent(c.name);
                return (
                  <fieldset key={c.name} className="panel conflict attachment-conflict" id={`attachment-conflict-${i}`}>
                    <legend>{t("revisions.update.attachmentConflict", { name: c.name })}</legend>
                    <input type="hidden" name={`attachment-name-${i}`} value={c.name} />
                    <div className="attachment-choices">
                      <AttachmentChoice
                        name={`attachment-${i}`}
                        value="current"
                        label={t("revisions.update.keepCurrent", { version: merge.currentVersion })}
                        side={c.current}
                        href={`/docs/${p.number}/v/${merge.currentVersion}/attachments/${file}`}
                      />
                      <AttachmentChoice
                        name={`attachment-${i}`}
                        value="proposal"
                        label={t("revisions.update.keepProposal")}
                        side={c.proposal}
                        href={`/proposals/${p.id}/attachments/${file}`}
                      />
                    </div>
                    <p className="muted small attachment-base">
                      {t("revisions.update.baseSide", { version: merge.baseVersion })}: <AttachmentSide side={c.base} />
                      {c.base ? (
                        <>
                          {" · "}
                          <a href={`/docs/${p.number}/v/${merge.baseVersion}/attachments/${file}?download=1`}>{t("attachments.download")}</a>
                        </>
                      ) : null}
                    </p>
                  </fieldset>
                );
              })}
              <div className="merge-chunks">
                {merge.chunks.map((chunk, i) => {
                  if (chunk.kind === "same") {
                    return (
                      <pre key={i} className="merge-same" aria-label={t("revisions.update.unchanged")}>
                        {chunk.lines.length > 8 ? [...chunk.lines.slice(0, 3), "…", ...chunk.lines.slice(-3)].join("\n") : chunk.lines.join("\n")}
                      </pre>
                    );
                  }
                  conflictIndex++;
                  const k = conflictIndex;
                  return (
                    <fieldset key={i} className="panel conflict" id={`conflict-${k}`}>
                      <legend>{t("revisions.update.conflict", { n: k + 1 })}</legend>
                      <div className="conflict-sides">
                        <div>
                          <h3 className="h4">{t("revisions.update.currentSide", { version: merge.currentVersion })}</h3>
                          <pre className="merge-current">{chunk.current.join("\n") || t("revisions.update.deleted")}</pre>
                        </div>
                        <div>
                          <h3 className="h4">{t("revisions.update.proposalSide")}</h3>
                          <pre className="merge-proposal">{chunk.proposal.join("\n") || t("revisions.update.deleted")}</pre>
                        </div>
                      </div>
                      <details>
                        <summary>{t("revisions.update.baseSide", { version: merge.baseVersion })}</summary>
                        <pre className="merge-base">{chunk.base.join("\n") || t("revisions.update.deleted")}</pre>
                      </details>
                      <div className="checks">
                        <label>
                          <input type="radio" name={`choice-${k}`} value="current" required />{" "}
                          {t("revisions.update.keepCurrent", { version: merge.currentVersion })}
                        </label>
                        <label>
                          <input type="radio" name={`choice-${k}`} value="proposal" /> {t("revisions.update.keepProposal")}
                        </label>
                        <label>
                          <input type="radio" name={`choice-${k}`} value="both" /> {t("revisions.update.keepBoth")}
                        </label>
                        <label>
                          <input type="radio" name={`choice-${k}`} value="custom" /> {t("revisions.update.custom")}
                        </label>
                      </div>
                      <label htmlFor={`custom-${k}`} className="visually-hidden">
                        {t("revisions.update.custom")}
                      </label>
                      <textarea
                        id={`custom-${k}`}
                        name={`custom-${k}`}
                        rows={Math.max(3, chunk.proposal.length + 1)}
                        defaultValue={chunk.proposal.join("\n")}
                      />
                    </fieldset>
                  );
                })}
              </div>
              <p className="muted">{t("revisions.update.reapproval")}</p>
              <div className="actions">
                <button type="submit" disabled={busy}>
                  {t("revisions.update.saveResolved")}
                </button>
                <Link to={`/proposals/${p.id}`}>{t("common.cancel")}</Link>
              </div>
            </Form>
          )}
        </>
      )}
    </article>
  );
}

function AttachmentSide({ side }: { side: { size: number; sha256: string } | null }) {
  const t = useT();
  if (!side) return <span>{t("revisions.update.attachmentNone")}</span>;
  return (
    <span>
      {t("revisions.update.attachmentFile", { size: formatBytes(side.size) })}{" "}
      <code className="hash" title={side.sha256}>
        {side.sha256.slice(0, 12)}
      </code>
    </span>
  );
}

/** One side of an attachment conflict: the whole row is the radio's label (easy to tap); the file opens from a link beside it. */
function AttachmentChoice({
  name,
  value,
  label,
  side,
  href,
}: {
  name: string;
  value: "current" | "proposal";
  label: string;
  side: { size: number; sha256: string } | null;
  href: string;
}) {
  const t = useT();
  return (
    <div className="attachment-choice">
      <label>
        <input type="radio" name={name} value={value} required={value === "current"} />
        <span>
          <strong>{label}</strong>: <AttachmentSide side={side} />
        </span>
      </label>
      {side ? (
        <a href={`${href}?download=1`} className="small">
          {t("attachments.download")}
        </a>
      ) : null}
    </div>
  );
}

function CarriedAttachments({ names, version }: { names: string[]; version: number }) {
  const t = useT();
  if (!names.length) return null;
  return (
    <p className="banner banner-info" data-testid="attachments-carried">
      {t("revisions.update.attachmentsCarried", { version, names: names.join(", ") })}
    </p>
  );
}
