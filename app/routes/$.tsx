import { page } from "~/web/http.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { ErrorView } from "~/components/error-view";

/**
 * Every address no other route answers: a 404 page inside the portal's frame
 * (navigation, search, language), in the reader's language.
 */
export const loader = page(async () => {
  throw new NotFoundError(msg("error.noPage"));
});

export const action = loader;

export default function NoSuchPage() {
  return null;
}

export function ErrorBoundary() {
  return <ErrorView />;
}
