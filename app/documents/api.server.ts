/** JSON shapes of the public API (stable: later versions only add fields). */
import type { DocumentSummary } from "./documents.server";
import type { VersionRecord } from "./version-index.server";

export function apiDocument(s: DocumentSummary) {
  return {
    number: s.number,
    title: s.title,
    category: s.category,
    type: s.type,
    version: s.version,
    effectiveDate: s.effectiveDate ?? null,
    confidentiality: s.confidentiality,
    ownerDepartment: s.ownerDepartment,
    audienceDepartments: s.audienceDepartments,
    nextReviewDate: s.nextReviewDate ?? null,
    retired: s.retired,
    publishedAt: s.publishedAt,
  };
}

export function apiVersion(v: VersionRecord, current: number) {
  return {
    version: v.version,
    commit: v.commit,
    date: v.date,
    author: v.authorName,
    summary: v.summary,
    change: v.change,
    approvedBy: v.approvedBy,
    proposal: v.proposal ?? null,
    effectiveDate: v.meta.effectiveDate ?? null,
    current: v.version === current,
    superseded: v.version < current,
  };
}
