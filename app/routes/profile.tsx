import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { withoutInvisible } from "~/utils/visible-text";
import { createApiToken, listApiTokens, requireUser, revokeApiToken } from "~/access/session.server";
import { getDepartment, setPassword } from "~/org/users.server";
import { verifyPassword } from "~/org/password.server";
import { appendAudit } from "~/audit/audit.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { PROFILE_LINKS } from "~/components/profile-links";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";

const FormSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create-token"), label: withoutInvisible(z.string().trim().max(60).default("")) }),
  z.object({ intent: z.literal("revoke-token"), id: z.string().min(1) }),
  z.object({ intent: z.literal("password"), current: z.string().min(1, "required"), next: z.string().min(8, "at least 8 characters").max(200) }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return {
    user: { username: user.username, name: user.name, email: user.email, roles: user.roles, department: getDepartment(user.departmentId)?.name, fromDirectory: !!user.identity },
    tokens: listApiTokens(user.id),
  };
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const form = await readForm(request, FormSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    if (v.intent === "create-token") {
      const { token } = await createApiToken(user.id, v.label);
      await appendAudit({ actor: user.username, action: "token.create", object: `user:${user.username}` });
      return data({ ok: true as const, token }, { headers: { "Cache-Control": "no-store" } });
    }
    if (v.intent === "revoke-token") {
      await revokeApiToken(user.id, v.id);
      await appendAudit({ actor: user.username, action: "token.revoke", object: `user:${user.username}` });
      return redirect("/profile");
    }
    // A directory account's password belongs to the directory; it is changed there.
    if (user.identity) return invalid({ current: "managed by the directory" }, "profile.err.directoryPassword");
    if (!(await verifyPassword(v.current, user.passwordHash))) return invalid({ current: "wrong password" }, "profile.err.currentPassword");
    await setPassword(user.id, v.next, user.sessionId);
    await appendAudit({ actor: user.username, action: "user.password", object: `user:${user.username}` });
    return redirect("/profile?password=1");
  } catch (error) {
    return actionError(error);
  }
}

export default function Profile() {
  const { user, tokens } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { token?: string; formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <h1>{t("profile.title")}</h1>
      <div className="panel">
        <p>
          <strong>{user.name}</strong> ({user.username}) · {user.email} · {user.department?.[locale]} ·{" "}
          {user.roles.map((r) => t(`role.${r}`)).join(", ")}
        </p>
        {PROFILE_LINKS.length ? (
          <p className="actions">
            {PROFILE_LINKS.map((l) => (
              <Link key={l.to} to={l.to} className="button secondary">
                {t(l.label)}
              </Link>
            ))}
          </p>
        ) : null}
      </div>
      <h2>{t("profile.tokens")}</h2>
      <p className="muted">{t("profile.tokenHelp")}</p>
      {result?.token ? (
        <div className="form-ok" role="status">
          {t("profile.newToken")} <code data-testid="new-token">{result.token}</code>
        </div>
      ) : null}
      {tokens.length === 0 ? (
        <p className="muted">{t("profile.noTokens")}</p>
      ) : (
        <table className="list">
          <tbody>
            {tokens.map((tok) => (
              <tr key={tok.id}>
                <td>{tok.label}</td>
                <td>
                  <code>{tok.prefix}…</code>
                </td>
                <td>{formatDate(tok.createdAt, locale, true)}</td>
                <td>
                  <Form method="post">
                    <CsrfField />
                    <input type="hidden" name="intent" value="revoke-token" />
                    <input type="hidden" name="id" value={tok.id} />
                    <button type="submit" className="danger">
                      {t("profile.revoke")}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Form method="post" className="actions" style={{ marginTop: "1rem" }}>
        <CsrfField />
        <input type="hidden" name="intent" value="create-token" />
        <label htmlFor="token-label">{t("profile.tokenLabel")}</label>
        <input id="token-label" name="label" maxLength={60} />
        <button type="submit">{t("profile.createToken")}</button>
      </Form>
      <h2>{t("profile.password")}</h2>
      {params.get("password") ? <p className="form-ok">{t("profile.passwordChanged")}</p> : null}
      {user.fromDirectory ? <p className="muted">{t("profile.err.directoryPassword")}</p> : null}
      <Form method="post" className="form panel" hidden={user.fromDirectory}>
        <CsrfField />
        <input type="hidden" name="intent" value="password" />
        <FormError message={result?.formError} />
        <Field label={t("profile.currentPassword")} name="current" error={result?.fieldErrors?.current}>
          <input id="current" name="current" type="password" autoComplete="current-password" required />
        </Field>
        <Field label={t("profile.newPassword")} name="next" error={result?.fieldErrors?.next}>
          <input id="next" name="next" type="password" autoComplete="new-password" minLength={8} required />
        </Field>
        <button type="submit">{t("profile.password")}</button>
      </Form>
    </div>
  );
}
