/**
 * The company's search vocabulary: groups of terms that mean the same
 * (加班 ↔ 延长工作时间). A query part matching one term of a group also finds
 * documents with the others, in both engines. Stored in db.json
 * (`searchSynonyms`); until an administrator changes the list, a small demo
 * list applies. Every change is audited and applied to the running engine at once.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { appendAudit } from "~/audit/audit.server";
import { readDb, updateDb } from "~/data/db.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { currentEngine } from "./choice.server";
import { fold } from "./tokenize";

export interface SynonymGroup {
  id: string;
  terms: string[];
  updatedAt: string;
  updatedBy: string;
}

const COLLECTION = "searchSynonyms";
export const MAX_SYNONYM_GROUPS = 200;
export const MAX_TERMS_PER_GROUP = 10;
export const MAX_TERM_LENGTH = 40;

/** The list an installation starts with (the demo company's vocabulary). */
export const DEFAULT_SYNONYMS: string[][] = [
  ["加班", "延长工作时间"],
  ["出境", "境外"],
  ["工资", "劳动报酬", "薪酬"],
  ["overtime", "extra hours"],
];

/** Terms as typed in the form: separated by commas (, ，、), semicolons or line breaks. */
export function splitTerms(text: string): string[] {
  return text
    .split(/[,，、;；\n\r]+/u)
    .map((t) => t.trim().replace(/\s+/g, " "))
    .filter(Boolean);
}

/** One schema for the synonym form (messages are catalogue keys, shown translated). */
export const SynonymFormSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create"), terms: z.string().max(1000, "synonyms.err.tooLong") }),
  z.object({ intent: z.literal("update"), id: z.string().min(1).max(60), terms: z.string().max(1000, "synonyms.err.tooLong") }),
  z.object({ intent: z.literal("delete"), id: z.string().min(1).max(60) }),
  z.object({ intent: z.literal("restore-defaults") }),
]);

/** Checks one group's terms; returns them cleaned, or throws a ValidationError whose field message is a catalogue key. */
export function validateTerms(text: string, others: SynonymGroup[]): string[] {
  const terms = splitTerms(text);
  const fail = (key: string): never => {
    throw new ValidationError(msg("synonyms.err.groupInvalid"), { terms: key });
  };
  if (terms.length < 2) fail("synonyms.err.tooFew");
  if (terms.length > MAX_TERMS_PER_GROUP) fail("synonyms.err.tooMany");
  const folded = new Set<string>();
  for (const term of terms) {
    if ([...term].length > MAX_TERM_LENGTH) fail("synonyms.err.termLength");
    if (/["“”「」『』<>]/u.test(term) || !/[\p{L}\p{N}]/u.test(term)) fail("synonyms.err.termChars");
    const key = fold(term);
    if (folded.has(key)) fail("synonyms.err.duplicate");
    folded.add(key);
  }
  for (const group of others) {
    if (group.terms.some((t) => folded.has(fold(t)))) fail("synonyms.err.elsewhere");
  }
  return terms;
}

function stored(): SynonymGroup[] | null {
  const value = (readDb() as unknown as Record<string, unknown>)[COLLECTION];
  return Array.isArray(value) ? (value as SynonymGroup[]) : null;
}

function defaults(): SynonymGroup[] {
  return DEFAULT_SYNONYMS.map((terms, i) => ({ id: `default-${i + 1}`, terms, updatedAt: "", updatedBy: "" }));
}

/** The synonym groups in force. */
export function listSynonymGroups(): SynonymGroup[] {
  return stored() ?? defaults();
}

/** The groups' terms, for the engines. */
export function synonymTerms(): string[][] {
  return listSynonymGroups().map((g) => [...g.terms]);
}

/** Gives the running engine the current list (at start and after every change). */
export async function applySynonyms(): Promise<void> {
  let engine;
  try {
    engine = currentEngine();
  } catch {
    return; // search not started: the boot step applies the list
  }
  await engine.setSynonyms(synonymTerms());
}

async function write(mutate: (groups: SynonymGroup[]) => void): Promise<void> {
  await updateDb((data) => {
    const record = data as unknown as Record<string, unknown>;
    const groups = Array.isArray(record[COLLECTION]) ? [...(record[COLLECTION] as SynonymGroup[])] : defaults();
    mutate(groups);
    record[COLLECTION] = groups;
  });
  await applySynonyms();
}

export type SynonymChange = z.infer<typeof SynonymFormSchema>;

/** Creates, changes or deletes a group (or restores the starting list); audited; the engine uses the new list at once. */
export async function changeSynonyms(change: SynonymChange, actor: string): Promise<void> {
  const now = new Date().toISOString();
  const current = listSynonymGroups();
  if (change.intent === "restore-defaults") {
    await updateDb((data) => {
      (data as unknown as Record<string, unknown>)[COLLECTION] = defaults().map((g) => ({ ...g, updatedAt: now, updatedBy: actor }));
    });
    await applySynonyms();
    await appendAudit({ actor, action: "search.synonyms.restore", object: "search:synonyms", details: { groups: DEFAULT_SYNONYMS.length } });
    return;
  }
  if (change.intent === "delete") {
    const group = current.find((g) => g.id === change.id);
    if (!group) throw new ValidationError(msg("synonyms.err.groupGone"), { id: "synonyms.err.gone" });
    await write((groups) => groups.splice(groups.findIndex((g) => g.id === change.id), 1));
    await appendAudit({ actor, action: "search.synonyms.delete", object: `search:synonyms:${group.id}`, details: { terms: group.terms } });
    return;
  }
  if (change.intent === "create") {
    if (current.length >= MAX_SYNONYM_GROUPS) throw new ValidationError(msg("synonyms.err.groupLimit"), { terms: "synonyms.err.tooManyGroups" });
    const terms = validateTerms(change.terms, current);
    const group: SynonymGroup = { id: randomUUID().slice(0, 8), terms, updatedAt: now, updatedBy: actor };
    await write((groups) => groups.push(group));
    await appendAudit({ actor, action: "search.synonyms.create", object: `search:synonyms:${group.id}`, details: { terms } });
    return;
  }
  const before = current.find((g) => g.id === change.id);
  if (!before) throw new ValidationError(msg("synonyms.err.groupGone"), { id: "synonyms.err.gone" });
  const terms = validateTerms(
    change.terms,
    current.filter((g) => g.id !== change.id),
  );
  await write((groups) => {
    const at = groups.findIndex((g) => g.id === change.id);
    if (at >= 0) groups[at] = { ...groups[at], terms, updatedAt: now, updatedBy: actor };
  });
  await appendAudit({ actor, action: "search.synonyms.update", object: `search:synonyms:${before.id}`, details: { before: before.terms, terms } });
}
