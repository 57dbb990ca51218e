import { apiJson } from "~/utils/http.server";
import { translate } from "~/i18n/i18n";

/** Any address under /api/ that no route answers: 404 in the documented JSON shape, for every method. */
function notFound(): Response {
  return apiJson({ error: { code: "not_found", message: translate("en", "error.apiNotFound") } }, { status: 404 });
}

export async function loader() {
  return notFound();
}

export async function action() {
  return notFound();
}
