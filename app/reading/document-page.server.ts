/** What the document layout (header and tabs) needs: visible to anyone signed in. */
import type { Reader } from "./open.server";
import { requireDocument, summarize } from "~/documents/documents.server";
import { labelMaps } from "~/documents/labels.server";
import { decideRead } from "~/access/policy.server";
import { versionsOf } from "~/documents/version-index.server";

export function documentHeader(reader: Reader, number: string) {
  const record = requireDocument(number);
  const read = decideRead(reader, record.meta);
  const history = decideRead(reader, record.meta, { history: true });
  return {
    summary: summarize(record),
    canRead: read.allowed,
    canReadHistory: history.allowed,
    deniedReason: read.allowed ? null : read.reason,
    versionCount: versionsOf(number).length,
    labels: labelMaps(),
  };
}
