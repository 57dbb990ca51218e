import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getUser, signIn } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { actionError, readForm } from "~/web/http.server";
import { getEnv } from "~/utils/env.server";
import { clientAddress } from "~/utils/origin.server";

export const meta = pageTitle("login.submit");

const LoginSchema = z.object({
  username: z.string().trim().min(1, "required").max(64),
  password: z.string().min(1, "required").max(200),
  redirectTo: z.string().optional(),
});

function safeRedirect(to: string | undefined | null): string {
  if (!to || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return "/";
  return to;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  if (user) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return { demo: getEnv().DEMO === "1" };
}

export async function action({ request, context }: ActionFunctionArgs) {
  try {
    const form = await readForm(request, LoginSchema);
    if (!form.ok) return data({ formError: form.formError, fieldErrors: form.fieldErrors }, { status: 400 });
    const address = clientAddress((name) => request.headers.get(name), (context as { clientAddress?: string }).clientAddress);
    const { setCookie } = await signIn(request, form.value.username, form.value.password, address);
    return redirect(safeRedirect(form.value.redirectTo), { headers: { "Set-Cookie": setCookie } });
  } catch (error) {
    return actionError(error);
  }
}

export default function Login() {
  const t = useT();
  const result = useActionData<typeof action>() as
    | { formError?: string; fieldErrors?: Record<string, string>; details?: { key?: string; vars?: Record<string, string | number> } }
    | undefined;
  // Refusals with a message key (wrong password, too many attempts) are shown in the reader's language.
  const formError = result?.details?.key ? t(result.details.key, result.details.vars) : result?.formError;
  const [params] = useSearchParams();
  const navigation = useNavigation();
  return (
    <div className="login-box panel">
      <h1>{t("login.title")}</h1>
      <Form method="post" className="form">
        <CsrfField />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        <FormError message={formError} />
        <Field label={t("login.username")} name="username" error={result?.fieldErrors?.username}>
          <input id="username" name="username" type="text" autoComplete="username" required autoFocus />
        </Field>
        <Field label={t("login.password")} name="password" error={result?.fieldErrors?.password}>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </Field>
        <button type="submit" disabled={navigation.state === "submitting"}>
          {t("login.submit")}
        </button>
      </Form>
      <p className="muted small">{t("login.demo")}</p>
    </div>
  );
}
