/**
 * GET /auth/oidc/:provider — starts signing in with a company provider (a plain
 * link on the sign-in page): to the provider, or back to the sign-in page saying why not.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { beginSignIn } from "~/access/oidc-sign-in.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { location, setCookie } = await beginSignIn(request, String(params.provider));
  return redirect(location, { headers: { "Cache-Control": "no-store", ...(setCookie ? { "Set-Cookie": setCookie } : {}) } });
}
