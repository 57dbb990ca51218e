/**
 * Compares two versions of a markdown document: a line diff first, then a
 * word diff inside each changed line pair. Chinese is split into words with
 * Intl.Segmenter (the `diff` package's intlSegmenter option), so a changed
 * figure marks that word, not the whole line or every character. Inputs are
 * bounded: too large or too slow degrades to a "too large" result, never a hang.
 */
import { diffLines, diffWords } from "diff";

export interface DiffSegment {
  text: string;
  kind: "same" | "add" | "del";
}
export interface DiffRow {
  kind: "context" | "add" | "del" | "change" | "skip";
  oldNo?: number;
  newNo?: number;
  old?: DiffSegment[];
  new?: DiffSegment[];
  skipped?: number;
}
export type DocumentDiff =
  | { tooLarge: false; identical: boolean; rows: DiffRow[]; stats: { added: number; removed: number; changed: number } }
  | { tooLarge: true; reason: string; stats?: { oldBytes: number; newBytes: number } };

export interface DiffOptions {
  context?: number;
  maxBytes?: number;
  timeoutMs?: number;
  maxEditLength?: number;
  maxLines?: number;
}

let segmenter: Intl.Segmenter | null = null;
function wordSegmenter() {
  segmenter ??= new Intl.Segmenter("zh", { granularity: "word" });
  return segmenter;
}

function splitLines(text: string): string[] {
  const clean = text.replace(/\r\n?/g, "\n");
  const lines = clean.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Share of characters two lines have in common, from a word diff (0..1). */
function similarity(parts: { added?: boolean; removed?: boolean; value: string }[], a: string, b: string): number {
  const same = parts.filter((p) => !p.added && !p.removed).reduce((n, p) => n + p.value.replace(/\s/g, "").length, 0);
  const total = Math.max(a.replace(/\s/g, "").length, b.replace(/\s/g, "").length, 1);
  return same / total;
}

/** Diffs two texts line by line with word marks inside changed lines. */
export function diffTexts(oldText: string, newText: string, options: DiffOptions = {}): DocumentDiff {
  const context = options.context ?? 3;
  const maxBytes = options.maxBytes ?? 1.5 * 1024 * 1024;
  const maxLines = options.maxLines ?? 50_000;
  const budgetMs = options.timeoutMs ?? 2000;
  const maxEditLength = options.maxEditLength ?? 20_000;
  const oldBytes = Buffer.byteLength(oldText);
  const newBytes = Buffer.byteLength(newText);
  if (oldBytes + newBytes > maxBytes) {
    return { tooLarge: true, reason: `The two versions total ${Math.round((oldBytes + newBytes) / 1024)} KB (limit ${Math.round(maxBytes / 1024)} KB).`, stats: { oldBytes, newBytes } };
  }
  const a = oldText.replace(/\r\n?/g, "\n");
  const b = newText.replace(/\r\n?/g, "\n");
  const aLines = splitLines(a);
  const bLines = splitLines(b);
  if (aLines.length + bLines.length > maxLines) {
    return { tooLarge: true, reason: `The two versions have ${aLines.length + bLines.length} lines (limit ${maxLines}).`, stats: { oldBytes, newBytes } };
  }
  const started = Date.now();
  const withNewline = (s: string) => (s === "" || s.endsWith("\n") ? s : s + "\n");
  const changes = diffLines(withNewline(a), withNewline(b), { timeout: budgetMs, maxEditLength });
  if (!changes) {
    return { tooLarge: true, reason: "The versions differ too much to compare line by line in time.", stats: { oldBytes, newBytes } };
  }

  // Flatten into line operations.
  type Op = { kind: "same" | "add" | "del"; text: string };
  const ops: Op[] = [];
  for (const c of changes) {
    const kind = c.added ? "add" : c.removed ? "del" : "same";
    for (const line of splitLines(c.value)) ops.push({ kind, text: line });
  }

  const rows: DiffRow[] = [];
  const stats = { added: 0, removed: 0, changed: 0 };
  let oldNo = 0;
  let newNo = 0;
  let i = 0;
  while (i < ops.length) {
    if (ops[i].kind === "same") {
      oldNo++;
      newNo++;
      rows.push({ kind: "context", oldNo, newNo, old: [{ text: ops[i].text, kind: "same" }], new: [{ text: ops[i].text, kind: "same" }] });
      i++;
      continue;
    }
    const dels: string[] = [];
    const adds: string[] = [];
    while (i < ops.length && ops[i].kind !== "same") {
      if (ops[i].kind === "del") dels.push(ops[i].text);
      else adds.push(ops[i].text);
      i++;
    }
    const pairs = Math.min(dels.length, adds.length);
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) {
      if (k < pairs) {
        const left = dels[k];
        const right = adds[k];
        const remaining = budgetMs - (Date.now() - started);
        const parts =
          remaining > 0 ? diffWords(left, right, { intlSegmenter: wordSegmenter(), timeout: Math.max(50, remaining), maxEditLength: 5000 }) : undefined;
        if (parts && similarity(parts, left, right) >= 0.3) {
          oldNo++;
          newNo++;
          stats.changed++;
          rows.push({
            kind: "change",
            oldNo,
            newNo,
            old: parts.filter((p) => !p.added).map((p) => ({ text: p.value, kind: p.removed ? "del" : "same" })),
            new: parts.filter((p) => !p.removed).map((p) => ({ text: p.value, kind: p.added ? "add" : "same" })),
          });
          continue;
        }
        oldNo++;
        stats.removed++;
        rows.push({ kind: "del", oldNo, old: [{ text: left, kind: "del" }] });
        newNo++;
        stats.added++;
        rows.push({ kind: "add", newNo, new: [{ text: right, kind: "add" }] });
      } else if (k < dels.length) {
        oldNo++;
        stats.removed++;
        rows.push({ kind: "del", oldNo, old: [{ text: dels[k], kind: "del" }] });
      } else {
        newNo++;
        stats.added++;
        rows.push({ kind: "add", newNo, new: [{ text: adds[k], kind: "add" }] });
      }
    }
  }
  const identical = stats.added === 0 && stats.removed === 0 && stats.changed === 0;
  return { tooLarge: false, identical, rows: foldContext(rows, context), stats };
}

/** Folds runs of unchanged lines longer than 2×context into a "skip" row. */
function foldContext(rows: DiffRow[], context: number): DiffRow[] {
  const out: DiffRow[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i].kind !== "context") {
      out.push(rows[i++]);
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j].kind === "context") j++;
    const run = rows.slice(i, j);
    const atStart = i === 0;
    const atEnd = j === rows.length;
    const keepBefore = atStart ? 0 : context;
    const keepAfter = atEnd ? 0 : context;
    if (run.length > keepBefore + keepAfter + 1) {
      out.push(...run.slice(0, keepBefore));
      out.push({ kind: "skip", skipped: run.length - keepBefore - keepAfter, oldNo: run[keepBefore].oldNo, newNo: run[keepBefore].newNo });
      out.push(...run.slice(run.length - keepAfter));
    } else out.push(...run);
    i = j;
  }
  return out;
}
