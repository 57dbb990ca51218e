import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect, useState } from "react";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { CsrfField, useCsrf } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate, localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { NOTIFICATION_GROUPS } from "~/notifications/groups";
import { PrefsSchema, savePreferences } from "~/notifications/preferences.server";
import { notificationSettings } from "~/notifications/settings.server";
import { unwatch, watch } from "~/notifications/watches.server";
import { subscribePush, unsubscribePush } from "~/notifications/webpush.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("settings.title");

const ActionSchema = z.discriminatedUnion("intent", [
  PrefsSchema.extend({ intent: z.literal("prefs") }),
  z.object({ intent: z.literal("push-subscribe"), subscription: z.string().min(2).max(5000) }),
  z.object({ intent: z.literal("push-unsubscribe"), endpoint: z.string().max(2000).optional(), id: z.string().max(64).optional() }),
  z.object({ intent: z.literal("watch-category"), code: z.string().trim().min(1, "choose a category").max(8) }),
  z.object({ intent: z.literal("unwatch"), kind: z.enum(["document", "category"]), target: z.string().min(1).max(40) }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(notificationSettings(user), { headers: { "Cache-Control": "private, no-store" } });
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    switch (v.intent) {
      case "prefs":
        await savePreferences(user.id, v);
        return redirect("/settings/notifications?saved=prefs");
      case "push-subscribe": {
        let parsed: unknown;
        try {
          parsed = JSON.parse(v.subscription);
        } catch {
          return invalid({ subscription: "not JSON" }, "notifications.err.subscriptionNotJson");
        }
        await subscribePush(user.id, parsed, request.headers.get("User-Agent") ?? "");
        return data({ ok: true as const, push: "subscribed" });
      }
      case "push-unsubscribe":
        await unsubscribePush(user.id, { endpoint: v.endpoint, id: v.id });
        return redirect("/settings/notifications?saved=push");
      case "watch-category":
        await watch(user.id, "category", v.code.toUpperCase());
        return redirect("/settings/notifications?saved=watch");
      case "unwatch":
        await unwatch(user.id, v.kind, v.target);
        return redirect("/settings/notifications?saved=watch");
    }
  } catch (error) {
    return actionError(error);
  }
}

function urlBase64ToUint8Array(base64: string): Uint8Array<ArrayBuffer> {
  const padded = (base64 + "=".repeat((4 - (base64.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

type PushState =
  | { kind: "checking" }
  | { kind: "unsupported" }
  | { kind: "denied" }
  | { kind: "off" }
  | { kind: "on"; endpoint: string }
  | { kind: "error"; message: string };

/** Browser push for this browser: needs JavaScript, a service worker and the Push API. */
function PushControl({ publicKey }: { publicKey: string }) {
  const t = useT();
  const csrf = useCsrf();
  const fetcher = useFetcher<{ ok?: boolean; formError?: string }>();
  const [state, setState] = useState<PushState>({ kind: "checking" });
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      setState({ kind: "unsupported" });
      return;
    }
    navigator.serviceWorker
      .register("/sw.js")
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => reg.pushManager.getSubscription())
      .then((sub) => {
        if (cancelled) return;
        if (Notification.permission === "denied") setState({ kind: "denied" });
        else setState(sub ? { kind: "on", endpoint: sub.endpoint } : { kind: "off" });
      })
      .catch((error: Error) => !cancelled && setState({ kind: "error", message: error.message }));
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    if (fetcher.data?.formError) setState({ kind: "error", message: fetcher.data.formError });
  }, [fetcher.data]);

  const turnOn = async () => {
    setBusy(true);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        setState({ kind: "denied" });
        return;
      }
      const reg = await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(publicKey) });
      fetcher.submit({ intent: "push-subscribe", subscription: JSON.stringify(sub.toJSON()), _csrf: csrf }, { method: "post" });
      setState({ kind: "on", endpoint: sub.endpoint });
    } catch (error) {
      setState({ kind: "error", message: (error as Error).message || String(error) });
    } finally {
      setBusy(false);
    }
  };

  const turnOff = async () => {
    setBusy(true);
    try {
      const reg = await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.getSubscription();
      const endpoint = sub?.endpoint ?? (state.kind === "on" ? state.endpoint : "");
      await sub?.unsubscribe();
      fetcher.submit({ intent: "push-unsubscribe", endpoint, _csrf: csrf }, { method: "post" });
      setState({ kind: "off" });
    } catch (error) {
      setState({ kind: "error", message: (error as Error).message || String(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="push-control" data-push-state={state.kind}>
      {state.kind === "checking" ? <p className="muted">{t("settings.push.checking")}</p> : null}
      {state.kind === "unsupported" ? (
        <p className="banner banner-warn" role="status">
          {t("settings.push.unsupported")}
        </p>
      ) : null}
      {state.kind === "denied" ? (
        <p className="banner banner-warn" role="status">
          {t("settings.push.denied")}
        </p>
      ) : null}
      {state.kind === "error" ? (
        <p className="banner banner-danger" role="alert">
          {t("settings.push.failed", { message: state.message })}
        </p>
      ) : null}
      {state.kind === "on" ? (
        <p className="actions">
          <span className="badge badge-current">{t("settings.push.on")}</span>
          <button type="button" className="secondary" onClick={turnOff} disabled={busy}>
            {t("settings.push.turnOff")}
          </button>
        </p>
      ) : null}
      {state.kind === "off" || state.kind === "error" ? (
        <p className="actions">
          <button type="button" onClick={turnOn} disabled={busy}>
            {t("settings.push.turnOn")}
          </button>
        </p>
      ) : null}
    </div>
  );
}

export default function NotificationSettings() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const [scripted, setScripted] = useState(false);
  useEffect(() => setScripted(true), []);
  const saved = params.get("saved");
  return (
    <div className="notification-settings">
      <p className="muted">
        <Link to="/profile">{t("profile.title")}</Link> / <Link to="/notifications">{t("centre.title")}</Link>
      </p>
      <h1>{t("settings.title")}</h1>
      {saved ? (
        <p className="form-ok" role="status">
          {t("settings.saved")}
        </p>
      ) : null}
      <FormError message={result?.formError} />

      <section className="panel">
        <h2>{t("settings.channels")}</h2>
        <p className="muted">{t("settings.inAppAlways")}</p>
        {!d.email.configured ? <p className="banner banner-info">{t("settings.emailOff")}</p> : null}
        <Form method="post" className="form prefs-form">
          <CsrfField />
          <input type="hidden" name="intent" value="prefs" />
          <table className="list prefs-table">
            <thead>
              <tr>
                <th scope="col">{t("settings.what")}</th>
                <th scope="col">{t("settings.email", { address: d.email.address })}</th>
                <th scope="col">{t("settings.push")}</th>
              </tr>
            </thead>
            <tbody>
              {NOTIFICATION_GROUPS.map((g) => (
                <tr key={g}>
                  <th scope="row">
                    {t(`settings.group.${g}`)}
                    <div className="muted small">{t(`settings.group.${g}.hint`)}</div>
                  </th>
                  <td>
                    <input
                      type="checkbox"
                      name="email"
                      value={g}
                      defaultChecked={d.prefs.email.includes(g)}
                      aria-label={`${t("settings.emailShort")}: ${t(`settings.group.${g}`)}`}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      name="push"
                      value={g}
                      defaultChecked={d.prefs.push.includes(g)}
                      aria-label={`${t("settings.push")}: ${t(`settings.group.${g}`)}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <fieldset className="field">
            <legend>{t("settings.minorTiming")}</legend>
            <label>
              <input type="radio" name="minorTiming" value="digest" defaultChecked={d.prefs.minorTiming === "digest"} /> {t("settings.minor.digest")}
            </label>
            <label>
              <input type="radio" name="minorTiming" value="immediate" defaultChecked={d.prefs.minorTiming === "immediate"} />{" "}
              {t("settings.minor.immediate")}
            </label>
          </fieldset>
          <div>
            <button type="submit">{t("settings.save")}</button>
          </div>
        </Form>
      </section>

      <section className="panel" id="push">
        <h2>{t("settings.pushTitle")}</h2>
        <p className="muted">{t("settings.pushHelp")}</p>
        {scripted ? <PushControl publicKey={d.push.publicKey} /> : <p className="banner banner-info">{t("settings.push.needsJs")}</p>}
        {d.push.subscriptions.length ? (
          <>
            <h3>{t("settings.push.browsers")}</h3>
            <ul className="plain-list">
              {d.push.subscriptions.map((s) => (
                <li key={s.id}>
                  <span>{s.userAgent || t("settings.push.unknownBrowser")}</span>{" "}
                  <span className="muted small">
                    {t("settings.push.since", { date: formatDate(s.createdAt, locale) })}
                    {s.lastSuccessAt ? ` · ${t("settings.push.lastSent", { date: formatDate(s.lastSuccessAt, locale, true) })}` : ""}
                  </span>{" "}
                  <Form method="post" className="inline-form">
                    <CsrfField />
                    <input type="hidden" name="intent" value="push-unsubscribe" />
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" className="link-button">
                      {t("settings.push.remove")}
                    </button>
                  </Form>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <section className="panel" id="watches">
        <h2>{t("settings.watches")}</h2>
        <p className="muted">{t("settings.watchesHelp")}</p>
        {d.watches.length === 0 ? (
          <p className="muted">{t("settings.noWatches")}</p>
        ) : (
          <ul className="plain-list">
            {d.watches.map((w) => (
              <li key={`${w.kind}:${w.target}`}>
                {w.kind === "document" ? (
                  <>
                    <Link className="doc-number" to={`/docs/${w.target}`}>
                      {w.target}
                    </Link>{" "}
                    {w.title}
                  </>
                ) : (
                  <>
                    {t("settings.wholeCategory")}{" "}
                    <Link className="doc-number" to={`/categories/${w.target}`}>
                      {w.target}
                    </Link>{" "}
                    {localName(w.categoryName, locale)}
                  </>
                )}{" "}
                <Form method="post" className="inline-form">
                  <CsrfField />
                  <input type="hidden" name="intent" value="unwatch" />
                  <input type="hidden" name="kind" value={w.kind} />
                  <input type="hidden" name="target" value={w.target} />
                  <button type="submit" className="link-button">
                    {t("watch.stop")}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        )}
        <Form method="post" className="actions">
          <CsrfField />
          <input type="hidden" name="intent" value="watch-category" />
          <label htmlFor="watch-code">{t("settings.watchCategory")}</label>
          <select id="watch-code" name="code" required defaultValue="">
            <option value="" disabled>
              {t("settings.chooseCategory")}
            </option>
            {d.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.code} {localName(c.name, locale)}
              </option>
            ))}
          </select>
          <button type="submit">{t("watch.start")}</button>
        </Form>
      </section>
    </div>
  );
}
