/**
 * In-process domain events. Publishing a document emits one event; search,
 * notifications and onboarding subscribe at boot, so the publisher does not
 * need to know about them. Handlers are awaited (in registration order) so a
 * caller can rely on "indexed and queued" when publish returns.
 */
import type { VersionRecord } from "~/documents/version-index.server";

export interface DomainEvents {
  "document.published": { record: VersionRecord; previous?: VersionRecord; actor: string };
  "document.scheduled": { number: string; version: number; effectiveDate: string; actor: string; proposalId?: string };
  "index.rebuilt": { head: string | null };
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
