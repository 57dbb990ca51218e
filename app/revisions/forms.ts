/**
 * One schema per form of the revision workflow, shared by the pages, their
 * actions and the JSON API. Forms on one page are told apart by `intent`.
 */
import { z } from "zod";
import { CONFIDENTIALITY } from "~/documents/front-matter";
import { visibleName, withoutInvisible } from "~/utils/visible-text";

const optionalDate = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine((v) => v === undefined || /^\d{4}-\d{2}-\d{2}$/.test(v), "use YYYY-MM-DD");

/** Checkbox lists: a hidden empty field marks "sent, none chosen". */
const list = z.preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).filter((x) => x !== "")), z.array(z.string().min(1).max(24)));
const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const body = z.string().max(4 * 1024 * 1024);

/** Fields of a revision draft (create and edit). */
export const RevisionFields = {
  change: z.enum(["minor", "major"]),
  title: visibleName(200, { allowEmpty: true }).optional(),
  type: z.string().max(40).optional(),
  confidentiality: z.enum(CONFIDENTIALITY).optional(),
  audienceDepartments: list.optional(),
  body: body.optional(),
  summary: text(500).default(""),
  effectiveDate: optionalDate,
};

/** /docs/:number/propose */
export const ProposeForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("preview"), body: body.default("") }),
  z.object({ intent: z.enum(["create", "create-submit"]), ...RevisionFields, fromSuggestion: z.string().max(20).optional() }),
  z.object({ intent: z.literal("retire"), summary: text(500).default(""), effectiveDate: optionalDate }),
  z.object({ intent: z.literal("restore"), version: z.coerce.number().int().min(1), summary: text(500).default(""), effectiveDate: optionalDate }),
]);

const NewFields = {
  category: z.string().min(1, "choose a category").max(8),
  type: z.string().min(1, "choose a type").max(40),
  title: visibleName(200, { required: "title is required" }),
  ownerDepartment: z.string().min(1, "choose a department").max(24),
  confidentiality: z.enum(CONFIDENTIALITY).default("internal"),
  audienceDepartments: list.default([]),
  body: body.default(""),
  summary: text(500).default(""),
  effectiveDate: optionalDate,
};

/** /proposals/new */
export const NewDocumentForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("preview"), body: body.default("") }),
  z.object({ intent: z.enum(["create", "create-submit"]), ...NewFields }),
]);

/** /proposals/:id/edit */
export const EditForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("preview"), body: body.default("") }),
  z.object({
    intent: z.enum(["save", "save-submit"]),
    change: z.enum(["minor", "major"]).optional(),
    title: visibleName(200, { allowEmpty: true }).optional(),
    type: z.string().max(40).optional(),
    confidentiality: z.enum(CONFIDENTIALITY).optional(),
    audienceDepartments: list.optional(),
    ownerDepartment: z.string().max(24).optional(),
    body: body.optional(),
    summary: text(500).default(""),
    effectiveDate: optionalDate,
  }),
]);

/** /proposals/:id (author and approver actions) */
export const ProposalActionForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("submit") }),
  z.object({ intent: z.literal("recall") }),
  z.object({ intent: z.literal("withdraw"), reason: text(2000).default("") }),
  z.object({ intent: z.literal("approve"), password: z.string().min(1, "enter your password to sign").max(200), comment: text(4000).default("") }),
  z.object({ intent: z.enum(["reject", "request-changes"]), reason: z.string().trim().min(3, "give a reason").max(4000) }),
]);

/** /proposals/:id/update — choices arrive as choice-0, choice-1 … and custom-0 …; meta-<field>. */
export const UpdateForm = z.object({ intent: z.enum(["merge", "resolve"]) }).catchall(z.union([z.string(), z.array(z.string())]));

/** /docs/:number/suggestions */
export const SuggestionForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("suggest"), text: z.string().trim().min(5, "say what should change and why").max(4000, "at most 4000 characters") }),
  z.object({ intent: z.literal("accept"), id: z.string().min(1).max(20), change: z.enum(["minor", "major"]).default("minor") }),
  z.object({ intent: z.literal("decline"), id: z.string().min(1).max(20), reason: z.string().trim().min(3, "give a reason").max(2000) }),
]);

/** JSON API: POST /api/v1/proposals */
export const ApiCreateSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("revision"), number: withoutInvisible(z.string().max(40)), ...RevisionFields }).strict(),
  z.object({ kind: z.literal("new"), ...NewFields }).strict(),
  z.object({ kind: z.literal("retire"), number: withoutInvisible(z.string().max(40)), summary: text(500).default(""), effectiveDate: optionalDate }).strict(),
  z
    .object({
      kind: z.literal("restore"),
      number: withoutInvisible(z.string().max(40)),
      version: z.coerce.number().int().min(1),
      summary: text(500).default(""),
      effectiveDate: optionalDate,
    })
    .strict(),
]);

/** JSON API: POST /api/v1/proposals/:id (update a draft) */
export const ApiUpdateSchema = z.object({
  change: z.enum(["minor", "major"]).optional(),
  title: visibleName(200, { allowEmpty: true }).optional(),
  type: z.string().max(40).optional(),
  confidentiality: z.enum(CONFIDENTIALITY).optional(),
  audienceDepartments: z.array(z.string().max(24)).optional(),
  ownerDepartment: z.string().max(24).optional(),
  body: body.optional(),
  summary: text(500).optional(),
  effectiveDate: z.string().nullable().optional(),
}).strict();

/** Fields of ApiUpdateSchema that only some kinds of proposal take (the others answer 400 naming the field). */
export const UPDATE_FIELDS_BY_KIND: Record<"revision" | "new" | "retire" | "restore", readonly string[]> = {
  revision: ["change", "title", "type", "confidentiality", "audienceDepartments", "body", "summary", "effectiveDate"],
  new: ["title", "type", "confidentiality", "audienceDepartments", "ownerDepartment", "body", "summary", "effectiveDate"],
  retire: ["summary", "effectiveDate"],
  restore: ["summary", "effectiveDate"],
};

export const ApiApproveSchema = z.object({ password: z.string().min(1, "password is required to sign").max(200), comment: text(4000).optional() }).strict();
export const ApiReasonSchema = z.object({ reason: z.string().trim().min(3, "give a reason").max(4000) }).strict();
export const ApiWithdrawSchema = z.object({ reason: z.string().max(2000).default("") }).strict();
