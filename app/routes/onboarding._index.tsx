import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { hasRole } from "~/org/users.server";
import { acknowledge } from "~/notifications/acknowledgements.server";
import { autoAssign } from "~/onboarding/assignment.server";
import { canComposeGuides } from "~/onboarding/guides.server";
import { myGuides } from "~/onboarding/progress.server";
import { GuideView } from "~/onboarding/guide-view";
import { FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import onboardingCss from "~/styles/onboarding.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: onboardingCss }];
export const meta = pageTitle("nav.onboarding");

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  await autoAssign([user]);
  return data(
    { guides: myGuides(user), canCompose: canComposeGuides(user), manager: hasRole(user, "approver") },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

const AckSchema = z.object({
  intent: z.literal("acknowledge"),
  number: z.string().min(1).max(40),
  version: z.coerce.number().int().min(1),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const form = await readForm(request, AckSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    await acknowledge(user, form.value.number, form.value.version);
    return redirect(`/onboarding?read=${encodeURIComponent(form.value.number)}&v=${form.value.version}`);
  } catch (error) {
    return actionError(error, {}, request, user);
  }
}

export default function MyOnboarding() {
  const { guides, canCompose, manager } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const read = params.get("read");
  return (
    <div className="ob-page">
      <div className="ob-title-row">
        <h1>{t("onboarding.title")}</h1>
        <div className="actions">
          {canCompose ? <Link to="/onboarding/guides">{t("onboarding.guides")}</Link> : null}
          {manager ? <Link to="/onboarding/report">{t("onboarding.report")}</Link> : null}
        </div>
      </div>
      <FormError message={result?.formError} />
      {read ? (
        <p className="form-ok" role="status">
          {t("onboarding.recorded", { number: read, version: params.get("v") ?? "" })}
        </p>
      ) : null}
      {guides.length === 0 ? <p className="muted">{t("onboarding.none")}</p> : guides.map((g) => <GuideView key={g.guideId} guide={g} />)}
    </div>
  );
}
