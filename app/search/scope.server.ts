/**
 * The read policy (access/policy.server.ts) expressed as a filter an external
 * engine can apply inside its search. The embedded engine calls decideRead
 * itself; Meilisearch gets this filter per request. Tests check, for every
 * account and document, that the filter allows exactly what decideRead allows.
 */
import { activeGrant, type Grant } from "~/access/policy.server";
import { collection } from "~/data/db.server";
import type { DocumentMeta } from "~/documents/front-matter";
import { now } from "~/utils/clock.server";
import type { SearchReader } from "./engine.server";

export type ReadScope =
  | { all: true }
  | {
      all: false;
      /** The reader's department: department documents it owns or is an audience of. */
      department: string;
      /** Restricted documents of this department (the reader approves for it). */
      approverOf: string | null;
      /** Documents with an active grant. */
      granted: string[];
    };

/** What a reader may read, as data. */
export function readScope(reader: SearchReader, at: Date = now()): ReadScope {
  if (reader.roles.includes("admin")) return { all: true };
  const candidates = new Set(collection<Grant>("grants").filter((g) => g.userId === reader.id).map((g) => g.number));
  const granted = [...candidates].filter((number) => activeGrant(reader.id, number, at)).sort();
  return {
    all: false,
    department: reader.departmentId,
    approverOf: reader.roles.includes("approver") ? reader.departmentId : null,
    granted,
  };
}

/** Evaluates a scope for one document (used by tests to pin the scope to decideRead). */
export function scopeAllows(scope: ReadScope, meta: Pick<DocumentMeta, "number" | "confidentiality" | "ownerDepartment" | "audienceDepartments">): boolean {
  if (scope.all) return true;
  if (meta.confidentiality === "internal") return true;
  if (scope.granted.includes(meta.number)) return true;
  if (meta.confidentiality === "department") {
    return meta.ownerDepartment === scope.department || meta.audienceDepartments.includes(scope.department);
  }
  return scope.approverOf !== null && meta.ownerDepartment === scope.approverOf;
}

/** A string literal for a Meilisearch filter. */
export function filterValue(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The scope as a Meilisearch filter expression (null = everything). */
export function scopeFilter(scope: ReadScope): string | null {
  if (scope.all) return null;
  const d = filterValue(scope.department);
  const parts = [
    `confidentiality = "internal"`,
    `(confidentiality = "department" AND (ownerDepartment = ${d} OR audienceDepartments = ${d}))`,
  ];
  if (scope.approverOf) parts.push(`(confidentiality = "restricted" AND ownerDepartment = ${filterValue(scope.approverOf)})`);
  if (scope.granted.length) parts.push(`number IN [${scope.granted.map(filterValue).join(", ")}]`);
  return `(${parts.join(" OR ")})`;
}
