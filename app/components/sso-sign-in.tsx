import type { Vars } from "~/i18n/i18n";
import { CsrfField } from "~/components/csrf-field";
import { Field } from "~/components/field";
import { useLocale, useT } from "~/i18n/use-t";

type Names = { "zh-CN": string; en: string };

export interface SsoNoticeData {
  kind: "error" | "info" | "warn";
  key: string;
  provider: Names | null;
}

/** One link per company sign-in provider (plain links: they work without JavaScript). */
export function SsoButtons({ providers, redirectTo }: { providers: { id: string; name: Names }[]; redirectTo: string }) {
  const t = useT();
  const locale = useLocale();
  if (!providers.length) return null;
  const query = redirectTo && redirectTo !== "/" ? `?redirectTo=${encodeURIComponent(redirectTo)}` : "";
  return (
    <>
      <ul className="sso-list">
        {providers.map((p) => (
          <li key={p.id}>
            <a className="button sso-button" href={`/auth/oidc/${p.id}${query}`}>
              {t("oidc.signInWith", { provider: p.name[locale] })}
            </a>
          </li>
        ))}
      </ul>
      <p className="sso-or muted small">{t("oidc.orPortalAccount")}</p>
    </>
  );
}

/** Why a company sign-in did not happen, or what signing out did. */
export function SsoNotice({ notice }: { notice: SsoNoticeData | null }) {
  const t = useT();
  const locale = useLocale();
  if (!notice) return null;
  const provider = notice.provider?.[locale] ?? t("oidc.theProvider");
  return (
    <p className={`banner banner-${notice.kind === "error" ? "danger" : notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
      {t(notice.key, { provider, seconds: 60 })}
    </p>
  );
}

/**
 * The approval form of an account that signs in at a company provider: the
 * comment goes to the server, the browser to the provider to authenticate again.
 * A plain form (the answer sends the browser to another site).
 */
export function SsoSignForm({
  sso,
  proposalId,
  statement,
  submit,
}: {
  sso: { provider: Names; comment: string; problem: { key: string; vars?: Vars } | null };
  proposalId: string;
  statement: string;
  submit: string;
}) {
  const t = useT();
  const locale = useLocale();
  const provider = sso.provider[locale];
  return (
    <form method="post" action="/auth/sign" className="form sso-sign-form">
      <CsrfField />
      <input type="hidden" name="proposal" value={proposalId} />
      {sso.problem ? (
        <p className="banner banner-danger" role="alert">
          {t(sso.problem.key, { ...sso.problem.vars, provider })}
        </p>
      ) : null}
      <p className="signature-statement">{statement}</p>
      <Field label={t("revisions.field.comment")} name="comment">
        <input id="comment" name="comment" maxLength={4000} defaultValue={sso.comment} />
      </Field>
      <p className="muted small">{t("oidc.sign.hint", { provider })}</p>
      <div className="actions">
        <button type="submit">{submit}</button>
      </div>
    </form>
  );
}
