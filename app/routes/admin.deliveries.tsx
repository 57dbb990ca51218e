import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { appendAudit } from "~/audit/audit.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { MAX_ATTEMPTS, listDeliveries, outboxCounts, retryNow } from "~/notifications/outbox.server";
import { listWebhooks } from "~/notifications/webhooks.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("admin.deliveries");

const FilterSchema = z.object({
  channel: z.enum(["email", "webpush", "webhook", "fanout", ""]).optional().transform((v) => v || undefined),
  status: z.enum(["pending", "sent", "failed", "dropped", ""]).optional().transform((v) => v || undefined),
  webhook: z.string().max(64).optional().transform((v) => v || undefined),
});

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const parsed = FilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const filter = parsed.success ? parsed.data : {};
  const deliveries = listDeliveries({ channel: filter.channel, status: filter.status, webhookId: filter.webhook, limit: 300 });
  return data(
    {
      filter,
      counts: outboxCounts(),
      maxAttempts: MAX_ATTEMPTS,
      webhooks: listWebhooks().map((w) => ({ id: w.id, name: w.name })),
      deliveries: deliveries.map((e) => ({
        id: e.id,
        channel: e.channel,
        recipient: e.recipient,
        label: e.label,
        status: e.status,
        attempts: e.attempts,
        createdAt: e.createdAt,
        lastAttemptAt: e.lastAttemptAt,
        nextAttemptAt: e.status === "pending" ? e.nextAttemptAt : undefined,
        lastStatus: e.lastStatus,
        lastError: e.lastError,
        lastMs: e.lastMs,
        webhookId: e.webhookId,
      })),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export const action = page(async ({ request }: ActionFunctionArgs) => {
  const admin = await requireRole(request, "admin");
  try {
    const form = await readForm(request, z.object({ intent: z.literal("retry"), id: z.string().min(1).max(64) }));
    if (!form.ok) return invalid(form.fieldErrors);
    const e = await retryNow(form.value.id);
    if (!e) throw new NotFoundError(msg("notifications.err.noDelivery"));
    await appendAudit({ actor: admin.username, action: "delivery.retry", object: `delivery:${e.id}`, details: { channel: e.channel, recipient: e.recipient } });
    return redirect(`/admin/deliveries?${new URL(request.url).searchParams}`);
  } catch (error) {
    return actionError(error);
  }
});

export default function AdminDeliveries() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const t = useT();
  const locale = useLocale();
  const hookName = (id?: string) => d.webhooks.find((w) => w.id === id)?.name;
  return (
    <div>
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("deliveries.title")}
      </p>
      <h1>{t("deliveries.title")}</h1>
      <p className="muted">{t("deliveries.help", { max: d.maxAttempts })}</p>
      <p className="actions">
        {(["pending", "sent", "failed", "dropped"] as const).map((s) => (
          <Link key={s} to={`?status=${s}`} className="badge">
            {t(`deliveries.status.${s}`)}: {d.counts[s]}
          </Link>
        ))}
      </p>
      <FormError message={result?.formError} />
      <Form method="get" className="toolbar">
        <label>
          {t("deliveries.channel")}{" "}
          <select name="channel" defaultValue={d.filter.channel ?? ""}>
            <option value="">{t("search.filter.any")}</option>
            <option value="email">{t("deliveries.channel.email")}</option>
            <option value="webpush">{t("deliveries.channel.webpush")}</option>
            <option value="webhook">{t("deliveries.channel.webhook")}</option>
          </select>
        </label>
        <label>
          {t("deliveries.statusLabel")}{" "}
          <select name="status" defaultValue={d.filter.status ?? ""}>
            <option value="">{t("search.filter.any")}</option>
            {(["pending", "sent", "failed", "dropped"] as const).map((s) => (
              <option key={s} value={s}>
                {t(`deliveries.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {d.webhooks.length ? (
          <label>
            {t("deliveries.channel.webhook")}{" "}
            <select name="webhook" defaultValue={d.filter.webhook ?? ""}>
              <option value="">{t("search.filter.any")}</option>
              {d.webhooks.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="submit">{t("search.apply")}</button>
      </Form>
      {d.deliveries.length === 0 ? (
        <p className="muted">{t("deliveries.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list deliveries" data-testid="deliveries">
            <thead>
              <tr>
                <th scope="col">{t("deliveries.when")}</th>
                <th scope="col">{t("deliveries.channel")}</th>
                <th scope="col">{t("deliveries.recipient")}</th>
                <th scope="col">{t("deliveries.what")}</th>
                <th scope="col">{t("deliveries.statusLabel")}</th>
                <th scope="col">{t("deliveries.lastAttempt")}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {d.deliveries.map((e) => (
                <tr key={e.id} data-delivery={e.id} data-status={e.status} data-channel={e.channel}>
                  <td>{formatDate(e.createdAt, locale, true)}</td>
                  <td>{t(`deliveries.channel.${e.channel}`)}</td>
                  <td className="recipient">
                    {e.channel === "webhook" && hookName(e.webhookId) ? <div>{hookName(e.webhookId)}</div> : null}
                    <span className="muted small">{e.recipient}</span>
                  </td>
                  <td>{e.label}</td>
                  <td>
                    <span className={`badge delivery-${e.status}`}>{t(`deliveries.status.${e.status}`)}</span>
                    <div className="muted small">{t("deliveries.attempts", { count: e.attempts })}</div>
                    {e.nextAttemptAt ? <div className="muted small">{t("deliveries.next", { date: formatDate(e.nextAttemptAt, locale, true) })}</div> : null}
                  </td>
                  <td>
                    {e.lastAttemptAt ? (
                      <>
                        {formatDate(e.lastAttemptAt, locale, true)}
                        {e.lastStatus ? ` · HTTP ${e.lastStatus}` : ""}
                        {e.lastMs !== undefined ? ` · ${e.lastMs} ms` : ""}
                        {e.lastError ? <div className="delivery-error small">{e.lastError}</div> : null}
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    {e.status !== "sent" ? (
                      <Form method="post">
                        <CsrfField />
                        <input type="hidden" name="intent" value="retry" />
                        <input type="hidden" name="id" value={e.id} />
                        <button type="submit" className="secondary">
                          {t("deliveries.retry")}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
