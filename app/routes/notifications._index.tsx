import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { markRead, notificationCentre } from "~/notifications/centre.server";
import { localeOf } from "~/shell.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("centre.title");

const ActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("read"), id: z.string().regex(/^n\d{1,12}$/, "not a notification") }),
  z.object({ intent: z.literal("read-all") }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const unreadOnly = url.searchParams.get("show") === "unread";
  const pageParam = url.searchParams.get("page") ?? "1";
  if (!/^\d{1,5}$/.test(pageParam) || Number(pageParam) < 1) throw new ValidationError(msg("error.badPage"), { page: "invalid" });
  const centre = await notificationCentre(user, localeOf(request, user), { unreadOnly, page: Number(pageParam) });
  return data({ ...centre, unreadOnly, page: Number(pageParam) }, { headers: { "Cache-Control": "private, no-store" } });
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    await markRead(user.id, form.value.intent === "read-all" ? "all" : [form.value.id]);
    const back = new URL(request.url);
    return redirect(`/notifications${back.search}`);
  } catch (error) {
    return actionError(error);
  }
}

export default function NotificationCentre() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const busy = useNavigation().state === "submitting";
  const q = (p: number) => `?${d.unreadOnly ? "show=unread&" : ""}page=${p}`;
  return (
    <div className="notification-centre">
      <h1>{t("centre.title")}</h1>
      <div className="toolbar">
        <nav className="actions" aria-label={t("centre.filter")}>
          <Link to="/notifications" className={d.unreadOnly ? "button secondary" : "button"} aria-current={!d.unreadOnly ? "page" : undefined}>
            {t("centre.all")}
          </Link>
          <Link
            to="/notifications?show=unread"
            className={d.unreadOnly ? "button" : "button secondary"}
            aria-current={d.unreadOnly ? "page" : undefined}
          >
            {t("centre.unread", { count: d.unread })}
          </Link>
        </nav>
        {d.unread > 0 ? (
          <Form method="post">
            <CsrfField />
            <input type="hidden" name="intent" value="read-all" />
            <button type="submit" className="secondary" disabled={busy}>
              {t("centre.readAll")}
            </button>
          </Form>
        ) : null}
        <Link to="/settings/notifications" className="centre-settings">
          {t("centre.settings")}
        </Link>
      </div>
      {d.items.length === 0 ? (
        <p className="muted">{d.unreadOnly ? t("centre.noneUnread") : t("centre.none")}</p>
      ) : (
        <ol className="notification-list">
          {d.items.map((n) => (
            <li key={n.id} className={`notification-item${n.read ? "" : " unread"}`} data-id={n.id}>
              <div className="notification-main">
                <a href={`/notifications/${n.id}`} className="notification-title">
                  {n.read ? null : <span className="visually-hidden">{t("centre.unreadMark")} </span>}
                  {n.title}
                </a>
                {n.body ? <p className="notification-body" data-content="">{n.body}</p> : null}
                <p className="muted small">
                  <time dateTime={n.createdAt}>{formatDate(n.createdAt, locale, true)}</time>
                  {n.digest ? ` · ${t("centre.digest")}` : ""}
                  {n.restricted ? ` · ${t("centre.restricted")}` : ""}
                </p>
              </div>
              {n.read ? null : (
                <Form method="post" className="notification-read">
                  <CsrfField />
                  <input type="hidden" name="intent" value="read" />
                  <input type="hidden" name="id" value={n.id} />
                  <button type="submit" className="secondary" disabled={busy}>
                    {t("centre.markRead")}
                  </button>
                </Form>
              )}
            </li>
          ))}
        </ol>
      )}
      {d.pages > 1 ? (
        <nav className="pager" aria-label={t("centre.pages")}>
          {d.page > 1 ? (
            <Link to={q(d.page - 1)} rel="prev">
              {t("search.prev")}
            </Link>
          ) : null}
          <span>{t("search.pageOf", { page: d.page, pages: d.pages })}</span>
          {d.page < d.pages ? (
            <Link to={q(d.page + 1)} rel="next">
              {t("search.next")}
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
