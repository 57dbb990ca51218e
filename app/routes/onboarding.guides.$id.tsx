import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { isAdmin, listUsers } from "~/org/users.server";
import { listDocuments } from "~/documents/documents.server";
import { labelMaps } from "~/documents/labels.server";
import { latestVersion } from "~/documents/version-index.server";
import { assignGuide, listAssignments, removeAssignment, syncGuideReading } from "~/onboarding/assignment.server";
import {
  addStep,
  archiveGuide,
  canEditGuide,
  getGuide,
  GuideDetailsSchema,
  moveStep,
  removeStep,
  restoreGuide,
  StepSchema,
  updateGuideDetails,
  updateStep,
} from "~/onboarding/guides.server";
import { completionReport } from "~/onboarding/progress.server";
import { AudienceFields } from "~/onboarding/audience-fields";
import { ProgressBar } from "~/onboarding/guide-view";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import onboardingCss from "~/styles/onboarding.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: onboardingCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.guide.title} · Regula` : "Regula" }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "editor");
  const guide = getGuide(String(params.id));
  if (!canEditGuide(user, guide)) throw new AccessDeniedError(msg("onboarding.err.editWho"));
  const admin = isAdmin(user);
  const assigned = new Set(listAssignments({ guideId: guide.id }).map((a) => a.userId));
  return {
    admin,
    ownDepartment: user.departmentId,
    labels: labelMaps(),
    guide: {
      ...guide,
      steps: guide.steps.map((s) => ({
        ...s,
        docs: s.numbers.map((n) => {
          const v = latestVersion(n);
          return { number: n, title: v?.meta.title ?? n, version: v?.version ?? 0, retired: v?.meta.retired ?? true, confidentiality: v?.meta.confidentiality ?? "internal" };
        }),
      })),
    },
    documents: listDocuments().map((d) => ({ number: d.number, title: d.title })),
    completion: admin ? completionReport(user, { guideId: guide.id })[0] : null,
    candidates: admin ? listUsers().filter((u) => u.active && !assigned.has(u.id)).map((u) => ({ id: u.id, name: u.name, username: u.username, departmentId: u.departmentId })) : [],
  };
});

const ActionSchema = z.discriminatedUnion("intent", [
  GuideDetailsSchema.extend({ intent: z.literal("details") }),
  StepSchema.extend({ intent: z.literal("add-step") }),
  StepSchema.extend({ intent: z.literal("update-step"), stepId: z.string().min(1) }),
  z.object({ intent: z.enum(["step-up", "step-down", "step-remove"]), stepId: z.string().min(1) }),
  z.object({ intent: z.enum(["archive", "restore"]) }),
  z.object({ intent: z.literal("assign"), userId: z.string().min(1, "choose a person") }),
  z.object({ intent: z.literal("unassign"), assignmentId: z.string().min(1) }),
]);

export async function action({ request, params }: ActionFunctionArgs) {
  try {
    const user = await requireRole(request, "editor");
    const id = String(params.id);
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    let anchor = "";
    switch (v.intent) {
      case "details":
        await updateGuideDetails(user, id, v);
        break;
      case "add-step":
        await syncGuideReading(await addStep(user, id, v));
        anchor = "#steps";
        break;
      case "update-step":
        await syncGuideReading(await updateStep(user, id, v.stepId, v));
        anchor = `#step-${v.stepId}`;
        break;
      case "step-up":
      case "step-down":
        await moveStep(user, id, v.stepId, v.intent === "step-up" ? "up" : "down");
        anchor = `#step-${v.stepId}`;
        break;
      case "step-remove":
        await removeStep(user, id, v.stepId);
        anchor = "#steps";
        break;
      case "archive":
        await archiveGuide(user, id);
        break;
      case "restore":
        await restoreGuide(user, id);
        break;
      case "assign":
        await assignGuide(user, id, v.userId);
        anchor = "#people";
        break;
      case "unassign":
        await removeAssignment(user, v.assignmentId);
        anchor = "#people";
        break;
    }
    return redirect(`/onboarding/guides/${id}?saved=${v.intent}${anchor}`);
  } catch (error) {
    return actionError(error);
  }
}

export default function GuideEditor() {
  const { admin, ownDepartment, labels, guide, documents, completion, candidates } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const fe = result?.fieldErrors ?? {};
  return (
    <div className="ob-page">
      <p className="muted">
        <Link to="/onboarding">{t("onboarding.title")}</Link> / <Link to="/onboarding/guides">{t("onboarding.guides")}</Link> / {guide.title}
      </p>
      <h1>
        {guide.title} {guide.archivedAt ? <span className="badge">{t("onboarding.archived")}</span> : null}
      </h1>
      {params.get("saved") ? (
        <p className="form-ok" role="status">
          {t("admin.saved")}
        </p>
      ) : null}
      <FormError message={result?.formError} />

      <datalist id="doc-numbers">
        {documents.map((d) => (
          <option key={d.number} value={d.number}>
            {d.title}
          </option>
        ))}
      </datalist>

      <h2 id="steps">{t("onboarding.steps")}</h2>
      <p className="muted small">{t("onboarding.stepsHint")}</p>
      {guide.steps.length === 0 ? <p className="muted">{t("onboarding.noSteps")}</p> : null}
      <ol className="ob-edit-steps">
        {guide.steps.map((s, i) => (
          <li key={s.id} id={`step-${s.id}`} className="panel">
            <Form method="post" className="form">
              <CsrfField />
              <input type="hidden" name="intent" value="update-step" />
              <input type="hidden" name="stepId" value={s.id} />
              <Field label={t("onboarding.stepTitle", { n: i + 1 })} name={`title-${s.id}`}>
                <input id={`title-${s.id}`} name="title" defaultValue={s.title} required maxLength={120} />
              </Field>
              <Field label={t("onboarding.note")} name={`note-${s.id}`}>
                <textarea id={`note-${s.id}`} name="note" defaultValue={s.note ?? ""} rows={2} maxLength={2000} />
              </Field>
              <Field label={t("onboarding.documents")} name={`numbers-${s.id}`} hint={t("onboarding.documentsHint")}>
                <input id={`numbers-${s.id}`} name="numbers" defaultValue={s.numbers.join(", ")} list="doc-numbers" />
              </Field>
              <ul className="ob-edit-docs">
                {s.docs.map((d) => (
                  <li key={d.number}>
                    <Link className="doc-number" to={`/docs/${d.number}`}>
                      {d.number}
                    </Link>{" "}
                    {d.title} <span className="muted small">v{d.version}</span>{" "}
                    {d.retired ? <span className="badge badge-retired">{t("doc.retired")}</span> : null}
                    {d.confidentiality !== "internal" ? <span className={`badge badge-${d.confidentiality}`}>{t(`doc.conf.${d.confidentiality}`)}</span> : null}
                  </li>
                ))}
              </ul>
              <div>
                <button type="submit">{t("onboarding.saveStep")}</button>
              </div>
            </Form>
            <Form method="post" className="actions ob-step-tools">
              <CsrfField />
              <input type="hidden" name="stepId" value={s.id} />
              <button type="submit" name="intent" value="step-up" className="secondary" disabled={i === 0}>
                ↑ {t("onboarding.up")}
              </button>
              <button type="submit" name="intent" value="step-down" className="secondary" disabled={i === guide.steps.length - 1}>
                ↓ {t("onboarding.down")}
              </button>
              <button type="submit" name="intent" value="step-remove" className="danger">
                {t("onboarding.removeStep")}
              </button>
            </Form>
          </li>
        ))}
      </ol>

      <h3>{t("onboarding.addStep")}</h3>
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="add-step" />
        <Field label={t("onboarding.stepTitleNew")} name="new-title" error={fe.title}>
          <input id="new-title" name="title" required maxLength={120} />
        </Field>
        <Field label={t("onboarding.note")} name="new-note" error={fe.note}>
          <textarea id="new-note" name="note" rows={2} maxLength={2000} />
        </Field>
        <Field label={t("onboarding.documents")} name="new-numbers" error={fe.numbers} hint={t("onboarding.documentsHint")}>
          <input id="new-numbers" name="numbers" list="doc-numbers" />
        </Field>
        <div>
          <button type="submit">{t("onboarding.addStep")}</button>
        </div>
      </Form>

      <h2>{t("onboarding.details")}</h2>
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="details" />
        <Field label={t("onboarding.guideTitle")} name="title" error={fe.title}>
          <input id="title" name="title" defaultValue={guide.title} required maxLength={120} />
        </Field>
        <Field label={t("onboarding.description")} name="description" error={fe.description}>
          <textarea id="description" name="description" defaultValue={guide.description ?? ""} rows={3} maxLength={2000} />
        </Field>
        <AudienceFields admin={admin} ownDepartment={ownDepartment} labels={labels} roles={guide.roles} departmentIds={guide.departmentIds} fieldErrors={fe} />
        <Field label={t("onboarding.dueDays")} name="dueDays" error={fe.dueDays}>
          <input id="dueDays" name="dueDays" type="number" min={1} max={365} defaultValue={guide.dueDays} required />
        </Field>
        <label className="check">
          <input type="checkbox" name="autoAssign" defaultChecked={guide.autoAssign} /> {t("onboarding.autoAssign")}
        </label>
        <div className="actions">
          <button type="submit">{t("admin.save")}</button>
        </div>
      </Form>
      <Form method="post" className="actions">
        <CsrfField />
        {guide.archivedAt ? (
          <button type="submit" name="intent" value="restore" className="secondary">
            {t("onboarding.restore")}
          </button>
        ) : (
          <button type="submit" name="intent" value="archive" className="danger">
            {t("onboarding.archive")}
          </button>
        )}
      </Form>

      {admin && completion ? (
        <>
          <h2 id="people">{t("onboarding.people")}</h2>
          {completion.rows.length === 0 ? (
            <p className="muted">{t("onboarding.nobody")}</p>
          ) : (
            <div className="table-wrap">
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">{t("user.name")}</th>
                    <th scope="col">{t("admin.department")}</th>
                    <th scope="col">{t("onboarding.progressCol")}</th>
                    <th scope="col">{t("onboarding.dueCol")}</th>
                    <th scope="col">{t("onboarding.assignedBy")}</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {completion.rows.map((r) => (
                    <tr key={r.assignmentId} className={r.overdue ? "is-overdue" : undefined}>
                      <td>
                        {r.name} <span className="muted small">{`(${r.username})`}</span>
                      </td>
                      <td>{nameOf(labels.departments, r.departmentId, locale)}</td>
                      <td>
                        <ProgressBar done={r.done} total={r.total} percent={r.percent} label={`${r.done}/${r.total} · ${t(`onboarding.status.${r.status}`)}`} />
                      </td>
                      <td>
                        {formatDate(r.dueDate, locale)} {r.overdue ? <span className="badge badge-restricted">{t("onboarding.overdueBadge")}</span> : null}
                      </td>
                      <td>{r.assignedBy === "auto" ? t("onboarding.auto") : r.assignedBy}</td>
                      <td>
                        <Form method="post" className="inline-form">
                          <CsrfField />
                          <input type="hidden" name="intent" value="unassign" />
                          <input type="hidden" name="assignmentId" value={r.assignmentId} />
                          <button type="submit" className="link-button">
                            {t("onboarding.unassign")}
                          </button>
                        </Form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {!guide.archivedAt ? (
            <Form method="post" className="actions panel">
              <CsrfField />
              <input type="hidden" name="intent" value="assign" />
              <label htmlFor="userId">{t("onboarding.assignTo")}</label>
              <select id="userId" name="userId" required defaultValue="">
                <option value="" disabled>
                  —
                </option>
                {candidates.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name} ({u.username}, {nameOf(labels.departments, u.departmentId, locale)})
                  </option>
                ))}
              </select>
              <button type="submit">{t("onboarding.assign")}</button>
              {fe.userId ? <span className="field-error">{fe.userId}</span> : null}
            </Form>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
