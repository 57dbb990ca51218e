import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { assertSameOrigin, getUser } from "~/access/session.server";
import { setLocale } from "~/org/users.server";
import { isLocale } from "~/i18n/i18n";
import { msg, ValidationError } from "~/utils/errors.server";
import { resourceErrorPage } from "~/web/http.server";

export async function loader() {
  return redirect("/");
}

/** Switches the interface language (cookie, and the user's setting when signed in). */
export async function action({ request }: ActionFunctionArgs) {
  try {
    const form = await request.formData();
    await assertSameOrigin(request, form);
    const locale = String(form.get("locale") ?? "");
    if (!isLocale(locale)) throw new ValidationError(msg("error.unknownLanguage"), { locale: "choose one of the options" });
    const user = await getUser(request);
    if (user) await setLocale(user.id, locale);
    const back = String(form.get("back") ?? "/");
    const to = back.startsWith("/") && !back.startsWith("//") ? back : "/";
    return redirect(to, {
      headers: { "Set-Cookie": `regula_lang=${encodeURIComponent(locale)}; Path=/; Max-Age=31536000; SameSite=Lax` },
    });
  } catch (error) {
    return resourceErrorPage(error);
  }
}
