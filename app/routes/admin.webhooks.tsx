import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { appendAudit } from "~/audit/audit.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from "~/notifications/webhook-options";
import {
  WebhookSchema,
  deleteWebhook,
  enqueueWebhookEvent,
  getWebhook,
  listWebhooks,
  saveWebhook,
  type Webhook,
} from "~/notifications/webhooks.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("webhooks.title");

const ActionSchema = z.discriminatedUnion("intent", [
  WebhookSchema.extend({ intent: z.literal("create") }),
  WebhookSchema.extend({ intent: z.literal("update"), id: z.string().min(1) }),
  z.object({ intent: z.literal("delete"), id: z.string().min(1) }),
  z.object({ intent: z.literal("test"), id: z.string().min(1) }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return data({ webhooks: listWebhooks() }, { headers: { "Cache-Control": "private, no-store" } });
});

export const action = page(async ({ request }: ActionFunctionArgs) => {
  const admin = await requireRole(request, "admin");
  try {
    const form = await readForm(request, ActionSchema);
    if (!form.ok) {
      const id = form.form.get("id");
      return invalid(form.fieldErrors, undefined, { id: typeof id === "string" ? id : "new" });
    }
    const v = form.value;
    if (v.intent === "create" || v.intent === "update") {
      const { intent, ...input } = v;
      const hook = await saveWebhook(input, intent === "update" ? v.id : undefined);
      await appendAudit({ actor: admin.username, action: `webhook.${intent}`, object: `webhook:${hook.id}`, details: { url: hook.url, format: hook.format, events: hook.events, active: hook.active } });
      return redirect(`/admin/webhooks?saved=${hook.id}`);
    }
    if (v.intent === "delete") {
      const hook = getWebhook(v.id);
      await deleteWebhook(v.id);
      await appendAudit({ actor: admin.username, action: "webhook.delete", object: `webhook:${v.id}`, details: { url: hook?.url } });
      return redirect("/admin/webhooks?saved=deleted");
    }
    if (!getWebhook(v.id)) throw new NotFoundError(msg("notifications.err.noWebhook"));
    await enqueueWebhookEvent("ping", {}, v.id);
    return redirect(`/admin/deliveries?channel=webhook&webhook=${v.id}`);
  } catch (error) {
    return actionError(error, { id: "new" });
  }
});

function WebhookFields({ hook, errors }: { hook?: Webhook; errors: Record<string, string> }) {
  const t = useT();
  const p = hook ? `${hook.id}-` : "new-";
  return (
    <>
      <Field label={t("webhooks.name")} name={`${p}name`} error={errors.name}>
        <input id={`${p}name`} name="name" defaultValue={hook?.name} required maxLength={60} />
      </Field>
      <Field label={t("webhooks.url")} name={`${p}url`} error={errors.url} hint={t("webhooks.urlHint")}>
        <input id={`${p}url`} name="url" type="url" defaultValue={hook?.url} required />
      </Field>
      <Field label={t("webhooks.format")} name={`${p}format`} error={errors.format}>
        <select id={`${p}format`} name="format" defaultValue={hook?.format ?? "json"}>
          {WEBHOOK_FORMATS.map((f) => (
            <option key={f} value={f}>
              {t(`webhooks.format.${f}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t("webhooks.secret")} name={`${p}secret`} error={errors.secret} hint={hook ? t("webhooks.secretKeep") : t("webhooks.secretNew")}>
        <input id={`${p}secret`} name="secret" autoComplete="off" maxLength={200} />
      </Field>
      <fieldset className="field">
        <legend>{t("webhooks.events")}</legend>
        <div className="checks">
          {WEBHOOK_EVENTS.map((e) => (
            <label key={e}>
              <input type="checkbox" name="events" value={e} defaultChecked={hook ? hook.events.includes(e) : true} /> {t(`webhooks.event.${e}`)}
            </label>
          ))}
        </div>
        {errors.events ? <p className="field-error">{errors.events}</p> : null}
      </fieldset>
      <div className="checks">
        <label>
          {t("webhooks.language")}{" "}
          <select name="locale" defaultValue={hook?.locale ?? "zh-CN"}>
            <option value="zh-CN">中文</option>
            <option value="en">English</option>
          </select>
        </label>
        <label>
          <input type="checkbox" name="active" defaultChecked={hook ? hook.active : true} /> {t("webhooks.active")}
        </label>
      </div>
    </>
  );
}

export default function AdminWebhooks() {
  const { webhooks } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string>; id?: string } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const errorsFor = (id: string) => (result?.id === id ? (result.fieldErrors ?? {}) : {});
  return (
    <div>
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("webhooks.title")}
      </p>
      <h1>{t("webhooks.title")}</h1>
      <p className="muted">{t("webhooks.help")}</p>
      <details className="panel">
        <summary>{t("webhooks.verifyTitle")}</summary>
        <p>{t("webhooks.verifyText")}</p>
        <pre className="code-block">{`X-Regula-Timestamp: 1700000000
X-Regula-Signature: sha256=HEX( HMAC_SHA256(secret, "1700000000." + body) )`}</pre>
        <p className="muted small">{t("webhooks.verifyRestricted")}</p>
      </details>
      {params.get("saved") ? (
        <p className="form-ok" role="status">
          {t("admin.saved")}
        </p>
      ) : null}
      {result?.formError && result.id === "new" ? <FormError message={result.formError} /> : null}
      {webhooks.length === 0 ? <p className="muted">{t("webhooks.none")}</p> : null}
      {webhooks.map((w) => (
        <section key={w.id} className="panel webhook" data-webhook={w.id}>
          <h2>
            {w.name} {w.active ? <span className="badge badge-current">{t("webhooks.active")}</span> : <span className="badge">{t("webhooks.inactive")}</span>}
          </h2>
          {result?.formError && result.id === w.id ? <FormError message={result.formError} /> : null}
          <Form method="post" className="form">
            <CsrfField />
            <input type="hidden" name="intent" value="update" />
            <input type="hidden" name="id" value={w.id} />
            <WebhookFields hook={w} errors={errorsFor(w.id)} />
            <details>
              <summary>{t("webhooks.showSecret")}</summary>
              <code className="secret">{w.secret}</code>
            </details>
            <div className="actions">
              <button type="submit">{t("admin.save")}</button>
              <Link to={`/admin/deliveries?channel=webhook&webhook=${w.id}`}>{t("webhooks.log")}</Link>
            </div>
          </Form>
          <div className="actions">
            <Form method="post">
              <CsrfField />
              <input type="hidden" name="intent" value="test" />
              <input type="hidden" name="id" value={w.id} />
              <button type="submit" className="secondary">
                {t("webhooks.test")}
              </button>
            </Form>
            <Form method="post">
              <CsrfField />
              <input type="hidden" name="intent" value="delete" />
              <input type="hidden" name="id" value={w.id} />
              <button type="submit" className="danger">
                {t("admin.delete")}
              </button>
            </Form>
          </div>
        </section>
      ))}
      <section className="panel">
        <h2>{t("webhooks.new")}</h2>
        <Form method="post" className="form">
          <CsrfField />
          <input type="hidden" name="intent" value="create" />
          <WebhookFields errors={errorsFor("new")} />
          <div>
            <button type="submit">{t("admin.create")}</button>
          </div>
        </Form>
      </section>
    </div>
  );
}
