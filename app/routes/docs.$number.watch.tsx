import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { watchState } from "~/notifications/doc-page.server";
import { unwatch, watch } from "~/notifications/watches.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";

const ActionSchema = z.object({
  intent: z.enum(["watch", "unwatch"]),
  kind: z.enum(["document", "category"]).default("document"),
});

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return watchState(user, String(params.number));
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const state = watchState(user, String(params.number));
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const target = form.value.kind === "document" ? state.number : state.category;
    if (form.value.intent === "watch") await watch(user.id, form.value.kind, target);
    else await unwatch(user.id, form.value.kind, target);
    return redirect(`/docs/${state.number}/watch?saved=1`);
  } catch (error) {
    return actionError(error);
  }
}

function WatchButton({ kind, watching, label }: { kind: "document" | "category"; watching: boolean; label: string }) {
  const t = useT();
  return (
    <Form method="post" className="actions">
      <CsrfField />
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="intent" value={watching ? "unwatch" : "watch"} />
      <span>{label}</span>
      {watching ? <span className="badge badge-current">{t("watch.watching")}</span> : null}
      <button type="submit" className={watching ? "secondary" : undefined}>
        {watching ? t("watch.stop") : t("watch.start")}
      </button>
    </Form>
  );
}

export default function WatchTab() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  return (
    <section className="panel">
      <h2>{t("watch.title")}</h2>
      {params.get("saved") ? (
        <p className="form-ok" role="status">
          {t("settings.saved")}
        </p>
      ) : null}
      <FormError message={result?.formError} />
      <p>{d.viaDepartment ? t("watch.viaDepartment") : t("watch.notDepartment")}</p>
      {!d.canRead ? <p className="muted">{t("watch.restrictedNote")}</p> : null}
      <WatchButton kind="document" watching={d.watchingDocument} label={t("watch.thisDocument", { number: d.number })} />
      <WatchButton kind="category" watching={d.watchingCategory} label={t("watch.thisCategory", { code: d.category })} />
      <p className="muted small">
        <Link to="/settings/notifications">{t("watch.settingsLink")}</Link>
      </p>
    </section>
  );
}
