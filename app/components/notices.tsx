import { Form, Link } from "@remix-run/react";
import type { DocNotice } from "~/reading/notices.server";
import { CsrfField } from "~/components/csrf-field";
import { useT } from "~/i18n/use-t";

/** Renders document notices as banners, with an optional link or POST button. */
export function Notices({ notices }: { notices: DocNotice[] }) {
  const t = useT();
  return (
    <>
      {notices.map((n, i) => (
        <div key={i} className={`banner banner-${n.tone}`} role={n.tone === "danger" ? "alert" : "status"}>
          {t(n.key, n.vars)}{" "}
          {n.href ? <Link to={n.href}>{t(n.linkKey ?? "history.diffPrev")}</Link> : null}
          {n.action ? (
            <Form method="post" action={n.action.path} className="inline-form">
              <CsrfField />
              <input type="hidden" name="intent" value={n.action.intent} />
              {Object.entries(n.action.fields ?? {}).map(([k, v]) => (
                <input key={k} type="hidden" name={k} value={v} />
              ))}{" "}
              <button type="submit">{t(n.action.labelKey, n.vars)}</button>
            </Form>
          ) : null}
        </div>
      ))}
    </>
  );
}
