/** JSON shapes of proposals in the API (stable: later versions only add fields), and body parsing. */
import type { z } from "zod";
import { msg, ValidationError } from "~/utils/errors.server";
import { currentApprovers, isOverdue, isStale } from "./proposals.server";
import { UPDATE_FIELDS_BY_KIND } from "./forms";
import { OPEN_STATUSES, type Proposal } from "./types";

export function apiProposal(p: Proposal) {
  return {
    id: p.id,
    number: p.number,
    title: p.meta.title,
    kind: p.kind,
    change: p.change,
    status: p.status,
    summary: p.summary,
    baseVersion: p.baseVersion,
    stale: OPEN_STATUSES.includes(p.status) && p.status !== "scheduled" && isStale(p),
    effectiveDate: p.scheduledFor ?? p.effectiveDate ?? null,
    restoreOf: p.restoreOf ?? null,
    fromSuggestion: p.fromSuggestion ?? null,
    author: { username: p.author.username, name: p.author.name },
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    submittedAt: p.submittedAt ?? null,
    stages: p.stages,
    stage:
      p.status === "in-review" && p.stage
        ? {
            index: p.stage.index,
            role: p.stage.role,
            token: p.stage.token,
            startedAt: p.stage.startedAt,
            dueAt: p.stage.dueAt,
            overdue: isOverdue(p),
            approvers: currentApprovers(p).map((u) => u.username),
          }
        : null,
    decisions: p.decisions.map((d) => ({
      at: d.at,
      by: d.by.username,
      name: d.by.name,
      decision: d.decision,
      stageRole: d.stageRole ?? null,
      reason: d.reason ?? null,
      meaning: d.meaning ?? null,
      signed: d.signed ?? false,
      contentCommit: d.contentCommit ?? null,
      version: d.version ?? null,
    })),
    headCommit: p.headCommit,
    publishedVersion: p.publishedVersion ?? null,
    publishedCommit: p.publishedCommit ?? null,
    publishedAt: p.publishedAt ?? null,
    links: { html: `/proposals/${p.id}` },
  };
}

/** Reads a JSON (or form-encoded) request body and validates it with one schema. */
export async function readApiBody<S extends z.ZodTypeAny>(request: Request, schema: S): Promise<z.infer<S>> {
  let raw: unknown = {};
  const type = request.headers.get("Content-Type") ?? "";
  if (type.includes("form")) {
    const form = await request.formData();
    const obj: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) {
      if (key === "_csrf") continue;
      const all = form.getAll(key);
      obj[key.replace(/\[\]$/, "")] = all.length > 1 || key.endsWith("[]") ? all : all[0];
    }
    raw = obj;
  } else {
    const text = await request.text();
    try {
      raw = text.trim() ? JSON.parse(text) : {};
    } catch {
      throw new ValidationError(msg("error.notJson"));
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      // A field the endpoint does not take is named, not ignored.
      if (issue.code === "unrecognized_keys") for (const key of issue.keys) fieldErrors[[...issue.path, key].join(".")] ??= "unknown field";
      else fieldErrors[issue.path.join(".") || "body"] ??= issue.message;
    }
    throw new ValidationError(
      msg("error.requestInvalid", {
        problems: Object.entries(fieldErrors)
          .map(([k, v]) => `${k}: ${v}`)
          .join("; "),
      }),
      fieldErrors
    );
  }
  return parsed.data;
}

/** Refuses fields a proposal of this kind does not take (e.g. ownerDepartment on a revision) with 400 naming them. */
export function refuseInapplicable(kind: Proposal["kind"], input: Record<string, unknown>): void {
  const allowed = UPDATE_FIELDS_BY_KIND[kind];
  const wrong = Object.keys(input).filter((k) => input[k] !== undefined && !allowed.includes(k));
  if (!wrong.length) return;
  const fieldErrors = Object.fromEntries(wrong.map((k) => [k, `not applicable to a ${kind} proposal`]));
  throw new ValidationError(msg("error.requestInvalid", { problems: wrong.map((k) => `${k}: ${fieldErrors[k]}`).join("; ") }), fieldErrors);
}
