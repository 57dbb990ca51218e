/**
 * In-process domain events. Publishing a document emits one event; search,
 * notifications and onboarding subscribe at boot, so the publisher does not
 * need to know about them. Handlers are awaited (in registration order) so a
 * caller can rely on "indexed and queued" when publish returns.
 */
import type { VersionRecord } from "~/documents/version-index.server";

export interface DomainEvents {
  /** A version became current on the main line (new, revision, retirement, restore). */
  /**
   * A version became current. Handlers may run twice for one version (a publication finished by
   * another instance after its publisher died: decision 121), so each is idempotent; the audit
   * entry, which is not, is skipped when `auditRecorded` says it was written.
   */
  "document.published": { record: VersionRecord; previous?: VersionRecord; actor: string; auditRecorded?: boolean };
  /**
   * A version another instance published arrived from the shared remote (decision 111): only this
   * instance's own derived data (search index, citations) follows; shared records were written once.
   */
  "document.arrived": { record: VersionRecord; previous?: VersionRecord };
  /** An approved revision waits for its future effective date. */
  "document.scheduled": { number: string; title: string; effectiveDate: string; change: string; proposalId: string; actor: string };
  /** Something waits for these approvers (a proposal stage or an access request). */
  "approval.waiting": {
    kind: "proposal" | "access-request" | "emergency-access";
    id: string;
    number?: string;
    title: string;
    approverIds: string[];
    dueAt: string;
    link: string;
  };
  /** A waiting approval passed its service level (raised once per stage; admins are told too). */
  "approval.overdue": { kind: "proposal"; id: string; number?: string; title: string; approverIds: string[]; dueAt: string; link: string };
  /** A proposal decision (approve at a stage, reject, request changes, publish). */
  "proposal.decided": {
    proposalId: string;
    number?: string;
    title: string;
    authorId: string;
    decision: "approved" | "rejected" | "changes-requested" | "published" | "scheduled";
    stage: string;
    byUserId: string;
    reason?: string;
    link: string;
  };
  "access.decided": {
    requestId: string;
    number: string;
    requesterId: string;
    decision: "approved" | "rejected" | "revoked" | "ratified" | "expired";
    byUserId?: string;
    reason?: string;
    expiresAt?: string;
  };
  "suggestion.created": { suggestionId: string; number: string; byUserId: string; ownerDepartment: string; link: string };
  "suggestion.decided": { suggestionId: string; number: string; suggesterId: string; outcome: "accepted" | "declined"; reason?: string; link: string };
  "index.rebuilt": { head: string | null };
  /** The text of a file attached to this document was extracted (or read by OCR): its index entry is rebuilt. */
  "attachment.text-ready": { number: string };
}

type Handler<K extends keyof DomainEvents> = (payload: DomainEvents[K]) => Promise<void> | void;

const handlers: { [K in keyof DomainEvents]?: { name: string; fn: Handler<K> }[] } = {};

/** Registers a handler; a second registration under the same name replaces the first. */
export function on<K extends keyof DomainEvents>(event: K, name: string, fn: Handler<K>) {
  const list = (handlers[event] ??= []) as { name: string; fn: Handler<K> }[];
  const i = list.findIndex((h) => h.name === name);
  if (i >= 0) list[i] = { name, fn };
  else list.push({ name, fn });
}

/** Emits an event; a failing handler is logged and does not stop the others. */
export async function emit<K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]): Promise<void> {
  const list = (handlers[event] ?? []) as { name: string; fn: Handler<K> }[];
  for (const h of list) {
    try {
      await h.fn(payload);
    } catch (error) {
      console.warn(`[events] ${event} handler ${h.name} failed: ${(error as Error).message}`);
    }
  }
}
