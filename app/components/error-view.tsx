import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

/** One error view for every route: per-status message, never a stack trace. */
export function ErrorView() {
  const error = useRouteError();
  const t = useT();
  let status = 500;
  let message = "";
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const body = error.data as { error?: { message?: string } } | string | undefined;
    message = typeof body === "string" ? body : (body?.error?.message ?? "");
  }
  const titleKey =
    status === 404 ? "error.404" : status === 403 ? "error.403" : status === 401 ? "error.401" : status === 409 ? "error.409" : status === 400 ? "error.400" : status === 429 ? "error.429" : "error.500";
  return (
    <section className="error-view" role="alert">
      <p className="error-status">{status}</p>
      <h1>{t(titleKey)}</h1>
      {message && status !== 500 ? <p className="error-message">{message}</p> : null}
      <p>
        <Link to="/">{t("error.home")}</Link>
      </p>
    </section>
  );
}
