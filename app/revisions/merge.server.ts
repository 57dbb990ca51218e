/**
 * Three-way merge of a stale proposal: base = the version the proposal
 * started from, current = the version on the main line now, proposal = the
 * proposed text. Line based (diff3): each side's changes against the base are
 * computed as hunks; hunks from both sides that overlap, or that insert at the
 * same place, form a conflict unless both sides made the identical change.
 * Pure functions, no I/O.
 */
import { diffArrays } from "diff";

export interface SameChunk {
  kind: "same";
  lines: string[];
}
export interface ConflictChunk {
  kind: "conflict";
  base: string[];
  current: string[];
  proposal: string[];
}
export type MergeChunk = SameChunk | ConflictChunk;

export interface MergeResult {
  /** True when no conflicts remain: `text` is the merged document. */
  clean: boolean;
  conflicts: number;
  chunks: MergeChunk[];
  /** The merged text when clean, else null. */
  text: string | null;
}

export type ConflictChoice = "current" | "proposal" | "both" | { custom: string };

interface Hunk {
  /** Replaced base lines [start, end); start === end for a pure insertion. */
  start: number;
  end: number;
  lines: string[];
  side: "current" | "proposal";
}

const LIMITS = { maxEditLength: 20_000, timeout: 2_000 };

/** Splits text into lines (newlines normalised, no trailing empty line). */
export function splitLines(text: string): string[] {
  const t = text.replace(/\r\n?/g, "\n");
  if (t === "") return [];
  const lines = t.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Joins lines with one trailing newline. */
export function joinLines(lines: string[]): string {
  return lines.length ? `${lines.join("\n")}\n` : "";
}

function hunksOf(base: string[], other: string[], side: Hunk["side"]): Hunk[] | null {
  const changes = diffArrays(base, other, LIMITS);
  if (!changes) return null;
  const out: Hunk[] = [];
  let i = 0;
  let open: Hunk | null = null;
  for (const c of changes) {
    if (c.added) {
      open ??= { start: i, end: i, lines: [], side };
      open.lines.push(...c.value);
    } else if (c.removed) {
      open ??= { start: i, end: i, lines: [], side };
      i += c.value.length;
      open.end = i;
    } else {
      if (open) out.push(open);
      open = null;
      i += c.value.length;
    }
  }
  if (open) out.push(open);
  return out;
}

function applyHunks(base: string[], from: number, to: number, hunks: Hunk[]): string[] {
  const out: string[] = [];
  let pos = from;
  for (const h of hunks) {
    out.push(...base.slice(pos, h.start), ...h.lines);
    pos = h.end;
  }
  out.push(...base.slice(pos, to));
  return out;
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/** Merges the changes of `current` and `proposal` relative to `base`. */
export function mergeTexts(baseText: string, currentText: string, proposalText: string): MergeResult {
  const base = splitLines(baseText);
  const current = splitLines(currentText);
  const proposal = splitLines(proposalText);
  const ours = hunksOf(base, current, "current");
  const theirs = hunksOf(base, proposal, "proposal");
  if (!ours || !theirs) {
    // Too different to compare within the limits: the whole text is one conflict.
    return finish([{ kind: "conflict", base, current, proposal }]);
  }
  const all = [...ours, ...theirs].sort((a, b) => a.start - b.start || a.end - b.end);
  const chunks: MergeChunk[] = [];
  let pos = 0;
  let i = 0;
  while (i < all.length) {
    const group = [all[i]];
    let start = all[i].start;
    let end = all[i].end;
    let insertionAtEnd = all[i].start === all[i].end;
    i++;
    while (i < all.length) {
      const h = all[i];
      const isInsertion = h.start === h.end;
      const overlaps = h.start < end || (h.start === end && (isInsertion || insertionAtEnd));
      if (!overlaps) break;
      group.push(h);
      if (h.end > end) {
        end = h.end;
        insertionAtEnd = isInsertion;
      } else if (h.end === end && isInsertion) insertionAtEnd = true;
      start = Math.min(start, h.start);
      i++;
    }
    if (start > pos) pushSame(chunks, base.slice(pos, start));
    const fromCurrent = group.filter((h) => h.side === "current");
    const fromProposal = group.filter((h) => h.side === "proposal");
    const currentSide = applyHunks(base, start, end, fromCurrent);
    const proposalSide = applyHunks(base, start, end, fromProposal);
    if (!fromCurrent.length) pushSame(chunks, proposalSide);
    else if (!fromProposal.length || sameLines(currentSide, proposalSide)) pushSame(chunks, currentSide);
    else chunks.push({ kind: "conflict", base: base.slice(start, end), current: currentSide, proposal: proposalSide });
    pos = end;
  }
  if (pos < base.length) pushSame(chunks, base.slice(pos));
  return finish(chunks);
}

function pushSame(chunks: MergeChunk[], lines: string[]) {
  if (!lines.length) return;
  const last = chunks[chunks.length - 1];
  if (last?.kind === "same") last.lines.push(...lines);
  else chunks.push({ kind: "same", lines: [...lines] });
}

function finish(chunks: MergeChunk[]): MergeResult {
  const conflicts = chunks.filter((c) => c.kind === "conflict").length;
  return {
    clean: conflicts === 0,
    conflicts,
    chunks,
    text: conflicts === 0 ? joinLines(chunks.flatMap((c) => (c.kind === "same" ? c.lines : []))) : null,
  };
}

/** Builds the final text from a merge and one choice per conflict (in order). */
export function resolveMerge(result: MergeResult, choices: ConflictChoice[]): string {
  const lines: string[] = [];
  let k = 0;
  for (const chunk of result.chunks) {
    if (chunk.kind === "same") {
      lines.push(...chunk.lines);
      continue;
    }
    const choice = choices[k++];
    if (choice === undefined) throw new Error(`No choice for conflict ${k}`);
    if (choice === "current") lines.push(...chunk.current);
    else if (choice === "proposal") lines.push(...chunk.proposal);
    else if (choice === "both") lines.push(...chunk.current, ...chunk.proposal);
    else lines.push(...splitLines(choice.custom));
  }
  return joinLines(lines);
}

export interface FieldConflict<K extends string = string> {
  field: K;
  base: unknown;
  current: unknown;
  proposal: unknown;
}

/**
 * Field-wise three-way merge of metadata: a field the proposal changed keeps
 * the proposal's value, otherwise the current value is taken; both changed
 * differently is a conflict (the proposal's value is kept until resolved).
 */
export function mergeFields<T extends object, K extends keyof T & string>(
  base: T,
  current: T,
  proposal: T,
  fields: readonly K[]
): { merged: T; conflicts: FieldConflict<K>[] } {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const merged = { ...proposal };
  const conflicts: FieldConflict<K>[] = [];
  for (const field of fields) {
    const b = base[field];
    const c = current[field];
    const p = proposal[field];
    if (same(p, b)) merged[field] = c;
    else if (!same(c, b) && !same(c, p)) conflicts.push({ field, base: b, current: c, proposal: p });
  }
  return { merged, conflicts };
}
