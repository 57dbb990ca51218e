import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { diffBodies, readVersionContent } from "~/documents/documents.server";
import { latestVersion } from "~/documents/version-index.server";
import { apiProposal, readApiBody, refuseInapplicable } from "~/revisions/api.server";
import { ApiUpdateSchema } from "~/revisions/forms";
import { logProposalView, readProposalText, requireVisibleProposal } from "~/revisions/proposals.server";
import { updateDraft } from "~/revisions/commands/update-draft.server";
import { api } from "~/web/http.server";

/** GET /api/v1/proposals/:id — the proposal with its draft text and diff figures against the current version. */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const p = requireVisibleProposal(user, String(params.id));
  const draft = await readProposalText(p);
  await logProposalView(user, p, "api");
  const current = latestVersion(p.number);
  const currentBody = current ? (await readVersionContent(current)).body : "";
  const diff = diffBodies(currentBody, draft.body);
  return {
    proposal: {
      ...apiProposal(p),
      meta: {
        title: draft.meta.title,
        type: draft.meta.type,
        ownerDepartment: draft.meta.ownerDepartment,
        confidentiality: draft.meta.confidentiality,
        audienceDepartments: draft.meta.audienceDepartments,
      },
      body: draft.body,
      currentVersion: current?.version ?? null,
      diff: diff.tooLarge ? { tooLarge: true } : { identical: diff.identical, ...diff.stats },
    },
  };
});

/** POST /api/v1/proposals/:id — save changes to a draft (author only). */
export const action = api(async ({ request, params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const input = await readApiBody(request, ApiUpdateSchema);
  refuseInapplicable(requireVisibleProposal(user, String(params.id)).kind, input);
  const p = await updateDraft(user, String(params.id), input);
  return { proposal: apiProposal(p) };
});
