import { apiNotFound } from "~/web/http.server";

/** Any address under /api/ that no route answers: 404 in the documented JSON shape, for every method. */
export async function loader() {
  return apiNotFound();
}

export async function action() {
  return apiNotFound();
}
