import { useRouteLoaderData } from "@remix-run/react";

/** Hidden CSRF token for every state-changing form. */
export function CsrfField() {
  const data = useRouteLoaderData("root") as { csrf?: string } | undefined;
  return <input type="hidden" name="_csrf" value={data?.csrf ?? ""} />;
}

/** The CSRF token for fetch() calls made by scripts. */
export function useCsrf(): string {
  const data = useRouteLoaderData("root") as { csrf?: string } | undefined;
  return data?.csrf ?? "";
}
