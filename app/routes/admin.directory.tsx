import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { ldapSettings } from "~/access/ldap-settings.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate, type Translate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { listRuns, openFlags, resolveFlag, runState, startApply, startDryRun, type Change } from "~/directory/sync.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";

const ActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("dry-run") }),
  z.object({ intent: z.literal("apply"), run: z.string().trim().min(1).max(20), confirm: z.literal("1").optional() }),
  z.object({ intent: z.literal("resolve-flag"), id: z.string().trim().min(1).max(20) }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const s = ldapSettings();
  const runs = listRuns();
  const wanted = new URL(request.url).searchParams.get("run");
  const run = (wanted ? runState(wanted) : undefined) ?? runs[0];
  const latestDry = runs.find((r) => r.mode === "dry-run");
  return data(
    {
      configured: !!s,
      url: s?.LDAP_URL ?? "",
      base: s?.LDAP_USER_BASE ?? "",
      interval: s?.LDAP_SYNC_INTERVAL_MINUTES ?? 0,
      limit: s?.LDAP_SYNC_MAX_DISABLE_PERCENT ?? 20,
      run: run ?? null,
      // Only the newest dry run may be applied (an older list may no longer be what the directory says).
      applicable: !!run && run.id === latestDry?.id && !runs.some((r) => r.dryRunId === run.id) && (run.status === "planned" || run.status === "needs-confirmation") && !!run.plan?.changes.some((c) => c.kind !== "skip"),
      runs: runs.map((r) => ({ id: r.id, mode: r.mode, status: r.status, startedAt: r.startedAt, by: r.by })),
      flags: openFlags(),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  try {
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    if (v.intent === "resolve-flag") {
      await resolveFlag(admin, v.id);
      return redirect("/admin/directory");
    }
    const { run } = v.intent === "dry-run" ? await startDryRun(admin.username) : await startApply(admin.username, v.run, v.confirm === "1");
    return redirect(`/admin/directory?run=${run.id}`);
  } catch (error) {
    return actionError(error, {}, request, admin);
  }
}

function reasonText(t: Translate, reason: string): string {
  const [code, attribute] = reason.split(":");
  return t(`directory.reason.${code}`, { attribute: attribute ?? "" });
}

function changeText(t: Translate, c: Change): string {
  switch (c.kind) {
    case "department.create":
      return t("directory.change.department.create", { id: c.departmentId, nameZh: c.nameZh, nameEn: c.nameEn });
    case "department.rename":
      return t("directory.change.department.rename", { id: c.departmentId, fromZh: c.from.zh, fromEn: c.from.en, nameZh: c.nameZh, nameEn: c.nameEn });
    case "department.head":
      return t("directory.change.department.head", { id: c.departmentId, from: c.fromUsername ?? t("directory.headNone"), to: c.toUsername ?? t("directory.headNone") });
    case "user.create":
      return t("directory.change.user.create", { username: c.username, name: c.name, department: c.departmentId, roles: c.roles.join(", ") });
    case "user.update":
      return t("directory.change.user.update", {
        username: c.username,
        fields: Object.entries(c.fields)
          .map(([k, v]) => `${k}: ${v!.from || "—"} → ${v!.to || "—"}`)
          .join("; "),
      });
    case "user.move":
      return t("directory.change.user.move", { username: c.username, from: c.from, to: c.to, grants: c.grantIds.length });
    case "user.reactivate":
      return t("directory.change.user.reactivate", { username: c.username });
    case "user.deprovision":
      return t("directory.change.user.deprovision", { username: c.username, sessions: c.sessions, tokens: c.tokens, grants: c.grantIds.length });
    case "skip":
      return t("directory.change.skip", { username: c.username || c.dn, reason: reasonText(t, c.reason) });
  }
}

export default function AdminDirectory() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const t = useT();
  const locale = useLocale();
  const revalidator = useRevalidator();
  const run = d.run;
  const running = run?.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [running, revalidator]);
  const plan = run?.plan;
  const changes = plan?.changes ?? [];
  const real = changes.filter((c) => c.kind !== "skip");
  return (
    <div className="directory-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("directory.title")}
      </p>
      <h1>{t("directory.title")}</h1>
      {!d.configured ? (
        <p className="banner banner-info">{t("directory.notConfigured")}</p>
      ) : (
        <>
          <p>{t("directory.intro")}</p>
          <p className="muted small" style={{ overflowWrap: "anywhere" }}>
            {t("directory.settings", { url: d.url, base: d.base })} · {d.interval > 0 ? t("directory.schedule", { minutes: d.interval }) : t("directory.scheduleOff")}{" "}
            {t("directory.limit", { percent: d.limit })}
          </p>
          <FormError message={result?.formError} />
          <Form method="post" className="actions">
            <CsrfField />
            <input type="hidden" name="intent" value="dry-run" />
            <button type="submit" disabled={running}>
              {t("directory.dryRun")}
            </button>
          </Form>
        </>
      )}

      {d.flags.length ? (
        <section className="panel banner-warn" aria-labelledby="flags-title" style={{ overflowWrap: "anywhere" }}>
          <h2 id="flags-title" className="h3">
            {t("directory.flags")}
          </h2>
          <ul>
            {d.flags.map((f) => (
              <li key={f.id}>
                {t("directory.flag", { username: f.username, documents: f.documents.join(", ") || "—", proposals: f.proposals.join(", ") || "—" })}
                <Form method="post" className="inline-form">
                  <CsrfField />
                  <input type="hidden" name="intent" value="resolve-flag" />
                  <input type="hidden" name="id" value={f.id} />
                  <button type="submit" className="secondary">
                    {t("directory.flagResolve")}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {run ? (
        <section className="panel" aria-live="polite" aria-labelledby="run-title">
          <h2 id="run-title">
            {t("directory.runTitle", { id: run.id })} · {t(`directory.mode.${run.mode}`)} ·{" "}
            <span className={`sync-status status-${run.status}`}>{t(`directory.status.${run.status}`)}</span>
          </h2>
          <p className="muted small">
            {formatDate(run.startedAt, locale, true)} · {run.by}
          </p>
          {running ? (
            <>
              <noscript>
                <meta httpEquiv="refresh" content="2" />
              </noscript>
              <p>{t(`directory.phase.${run.phase}`, { done: run.done, total: run.total })}</p>
              {run.total ? (
                <progress max={run.total} value={run.done}>
                  {run.done}/{run.total}
                </progress>
              ) : null}
              <p className="muted small">{t("directory.refreshing")}</p>
            </>
          ) : null}
          {run.status === "failed" && run.error ? (
            <p className="form-error" role="alert">
              {t(run.error.key, run.error.vars)} {t("directory.failedNote")}
            </p>
          ) : null}
          {run.status === "changed" ? <p className="banner banner-warn">{t("directory.changedNote")}</p> : null}
          {run.status === "applied" ? <p className="form-ok" role="status">{t("directory.appliedNote", { count: real.length })}</p> : null}
          {plan && plan.needsConfirmation && run.status !== "applied" ? (
            <p className="banner banner-warn" role="alert">
              {t("directory.needsConfirmation", { count: plan.disabling, active: plan.activeDirectoryUsers, percent: plan.disablePercent, limit: plan.limitPercent })}
            </p>
          ) : null}
          {plan && !running ? (
            <>
              <p>{real.length ? t("directory.changeCount", { count: real.length, skipped: changes.length - real.length }) : t("directory.noChanges")}</p>
              {changes.length ? (
                <ol className="sync-changes" style={{ overflowWrap: "anywhere" }}>
                  {changes.map((c, i) => (
                    <li key={i} className={`sync-change kind-${c.kind.replace(".", "-")}`}>
                      {changeText(t, c)}
                    </li>
                  ))}
                </ol>
              ) : null}
            </>
          ) : null}
          {run.rerouted?.length ? (
            <ul>
              {run.rerouted.map((r) => (
                <li key={r.proposal}>{t("directory.rerouted", { number: r.number, people: r.to.join(", ") || t("directory.reroutedNobody") })}</li>
              ))}
            </ul>
          ) : null}
          {d.applicable && plan ? (
            <Form method="post" className="form">
              <CsrfField />
              <input type="hidden" name="intent" value="apply" />
              <input type="hidden" name="run" value={run.id} />
              {plan.needsConfirmation ? (
                <label className="check">
                  <input type="checkbox" name="confirm" value="1" required />{" "}
                  {t("directory.confirmDisable", { count: plan.disabling, percent: plan.disablePercent, limit: plan.limitPercent })}
                </label>
              ) : null}
              <button type="submit">{t("directory.apply")}</button>
            </Form>
          ) : null}
        </section>
      ) : null}

      <h2>{t("directory.history")}</h2>
      {d.runs.length ? (
        <ul className="sync-history" style={{ overflowWrap: "anywhere" }}>
          {d.runs.map((r) => (
            <li key={r.id}>
              <Link to={`/admin/directory?run=${r.id}`}>{r.id}</Link> · {formatDate(r.startedAt, locale, true)} · {t(`directory.mode.${r.mode}`)} · {t(`directory.status.${r.status}`)} · {r.by}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t("directory.none")}</p>
      )}
    </div>
  );
}
