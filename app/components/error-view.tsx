import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

const TITLED = new Set([400, 401, 403, 404, 405, 409, 413, 429, 503]);

/**
 * One error view for every route: per-status title and the server's message
 * (already in the reader's language), never a stack trace or the framework's
 * own English text.
 */
export function ErrorView() {
  const error = useRouteError();
  const t = useT();
  let status = 500;
  let message = "";
  if (isRouteErrorResponse(error)) {
    status = error.status;
    // Only the portal's own error bodies ({error:{code,message}}) carry a message for people; a bare
    // string is the framework's (e.g. "Error: No route matches URL …") and is not shown.
    const body = error.data as { error?: { message?: string } } | string | undefined;
    message = typeof body === "object" && body ? (body.error?.message ?? "") : "";
  }
  const title = t(TITLED.has(status) ? `error.${status}` : "error.500");
  return (
    <section className="error-view" role="alert">
      <p className="error-status">{status}</p>
      <h1>{title}</h1>
      {message && message !== title && (status < 500 || status === 503) ? <p className="error-message">{message}</p> : null}
      <p>
        <Link to="/">{t("error.home")}</Link>
      </p>
    </section>
  );
}
