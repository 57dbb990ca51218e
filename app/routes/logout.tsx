import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { assertSameOrigin, signOut } from "~/access/session.server";
import { resourceErrorPage } from "~/web/http.server";

export async function loader() {
  return redirect("/");
}

export async function action({ request }: ActionFunctionArgs) {
  try {
    const form = await request.formData();
    await assertSameOrigin(request, form);
    return redirect("/login", { headers: { "Set-Cookie": await signOut(request) } });
  } catch (error) {
    return resourceErrorPage(error);
  }
}
