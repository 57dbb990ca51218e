import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { assertSameOrigin } from "~/access/session.server";
import { signOutEverywhere } from "~/access/oidc-sign-in.server";
import { resourceErrorPage } from "~/web/http.server";

export async function loader() {
  return redirect("/");
}

export async function action({ request }: ActionFunctionArgs) {
  try {
    const form = await request.formData();
    await assertSameOrigin(request, form);
    // Sessions started at a company provider also end there when it offers single logout.
    const { location, setCookie } = await signOutEverywhere(request);
    return redirect(location, { headers: { "Set-Cookie": setCookie } });
  } catch (error) {
    return resourceErrorPage(error);
  }
}
