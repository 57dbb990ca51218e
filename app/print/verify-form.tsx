/** The form for typing a copy's short code (a GET form: it works without JavaScript). */
import { Form } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

export function VerifyForm({ defaultValue = "", error }: { defaultValue?: string; error?: string }) {
  const t = useT();
  return (
    <Form method="get" action="/verify" className="verify-form" noValidate>
      <label htmlFor="verify-code">{t("verify.codeLabel")}</label>
      <div className="verify-form-row">
        <input
          id="verify-code"
          name="code"
          defaultValue={defaultValue}
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          placeholder="EXE-014.3.K7Q2M9XA"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "verify-code-error" : "verify-code-hint"}
        />
        <button type="submit">{t("verify.check")}</button>
      </div>
      {error ? (
        <p id="verify-code-error" className="field-error" role="alert">
          {error}
        </p>
      ) : (
        <p id="verify-code-hint" className="muted small">
          {t("verify.codeHint")}
        </p>
      )}
    </Form>
  );
}
