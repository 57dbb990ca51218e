/**
 * Compares two versions of a markdown document: a line diff first, then a
 * word diff inside each changed line pair. Chinese is split into words with
 * Intl.Segmenter (the `diff` package's intlSegmenter option), so a changed
 * figure marks that word, not the whole line or every character. Inputs are
 * bounded: too large or too slow degrades to a "too large" result or to
 * whole-line marks, never a hang.
 */
import { diffLines, diffWords } from "diff";

export interface DiffSegment {
  text: string;
  kind: "same" | "add" | "del";
}
export interface DiffRow {
  kind: "context" | "add" | "del" | "change" | "skip";
  /** 1-based; on a "skip" row, the first folded line. */
  oldNo?: number;
  newNo?: number;
  /** For "change": word-level segments on both sides; add/del/context: one segment. */
  old?: DiffSegment[];
  new?: DiffSegment[];
  /** For "skip": how many unchanged lines are folded. */
  skipped?: number;
}
export interface DiffStats {
  added: number;
  removed: number;
  changed: number;
}
export type DocumentDiff =
  | { tooLarge: false; identical: boolean; rows: DiffRow[]; stats: DiffStats }
  | { tooLarge: true; reason: string; stats?: { oldBytes: number; newBytes: number } };

export interface DiffOptions {
  /** Unchanged lines kept around each change (default 3). */
  context?: number;
  /** Combined UTF-8 size of both texts above which no diff is attempted (default 1.5 MB). */
  maxBytes?: number;
  /** Combined line count above which no diff is attempted (default 50,000). */
  maxLines?: number;
  /** Total time budget for the line diff plus all word diffs (default 2000 ms). */
  timeoutMs?: number;
  /** Edit-distance cap handed to diffLines and each diffWords call (default 20,000). */
  maxEditLength?: number;
}

export const DIFF_DEFAULTS = {
  context: 3,
  maxBytes: 1.5 * 1024 * 1024,
  maxLines: 50_000,
  timeoutMs: 2000,
  maxEditLength: 20_000,
} as const;

// V8's Intl.Segmenter copies the whole input for every segment it yields, so
// segmenting one huge line is quadratic (200k chars ≈ 5 s, 700k chars runs out
// of memory). Word diffs therefore only ever see the differing middle of a
// line pair, and a middle longer than this is shown as whole-line del/add.
const MAX_WORD_DIFF_CHARS = 20_000;
// How far either side of a cut we look for a word boundary.
const BOUNDARY_WINDOW = 48;
// Below this share of unchanged text a pair reads better as del + add.
const MIN_SIMILARITY = 0.3;

let segmenter: Intl.Segmenter | undefined;
function wordSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter("zh", { granularity: "word" });
  return segmenter;
}

function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function tooLarge(reason: string, oldBytes: number, newBytes: number): DocumentDiff {
  return { tooLarge: true, reason, stats: { oldBytes, newBytes } };
}

/** Diffs two texts line by line, with word marks inside changed lines and unchanged runs folded. */
export function diffTexts(oldText: string, newText: string, options: DiffOptions = {}): DocumentDiff {
  const context = Math.max(0, Math.floor(options.context ?? DIFF_DEFAULTS.context));
  const maxBytes = options.maxBytes ?? DIFF_DEFAULTS.maxBytes;
  const maxLines = options.maxLines ?? DIFF_DEFAULTS.maxLines;
  const budgetMs = Math.max(0, options.timeoutMs ?? DIFF_DEFAULTS.timeoutMs);
  const maxEditLength = options.maxEditLength ?? DIFF_DEFAULTS.maxEditLength;
  const started = Date.now();

  const oldBytes = Buffer.byteLength(oldText);
  const newBytes = Buffer.byteLength(newText);
  if (oldBytes + newBytes > maxBytes) {
    const kb = (n: number) => Math.round(n / 1024);
    return tooLarge(`The two versions total ${kb(oldBytes + newBytes)} KB (limit ${kb(maxBytes)} KB).`, oldBytes, newBytes);
  }
  const oldLines = splitLines(normaliseNewlines(oldText));
  const newLines = splitLines(normaliseNewlines(newText));
  if (oldLines.length + newLines.length > maxLines) {
    return tooLarge(`The two versions have ${oldLines.length + newLines.length} lines (limit ${maxLines}).`, oldBytes, newBytes);
  }

  // Joined with a final newline on both sides so a missing newline at the end
  // of the file does not show up as a changed last line.
  const joined = (lines: string[]) => lines.map((l) => l + "\n").join("");
  const changes = diffLines(joined(oldLines), joined(newLines), { timeout: budgetMs, maxEditLength });
  if (!changes) {
    return tooLarge("The versions differ too much to compare line by line within the time limit.", oldBytes, newBytes);
  }

  const rows: DiffRow[] = [];
  const stats: DiffStats = { added: 0, removed: 0, changed: 0 };
  let oldNo = 0;
  let newNo = 0;
  let removedRun: string[] = [];
  let addedRun: string[] = [];

  // Pairs line i of a removed run with line i of the following added run.
  // Consecutive unpaired (or too different) lines are emitted dels first,
  // then adds, which reads like a replaced block rather than a zip.
  const flushRuns = () => {
    let pendingDel: string[] = [];
    let pendingAdd: string[] = [];
    const flushPending = () => {
      for (const text of pendingDel) rows.push({ kind: "del", oldNo: ++oldNo, old: [{ text, kind: "del" }] });
      for (const text of pendingAdd) rows.push({ kind: "add", newNo: ++newNo, new: [{ text, kind: "add" }] });
      stats.removed += pendingDel.length;
      stats.added += pendingAdd.length;
      pendingDel = [];
      pendingAdd = [];
    };
    const pairs = Math.min(removedRun.length, addedRun.length);
    for (let k = 0; k < pairs; k++) {
      const remaining = budgetMs - (Date.now() - started);
      const words = remaining > 0 ? wordDiff(removedRun[k], addedRun[k], remaining, maxEditLength) : undefined;
      if (words && similarity(words.old, words.new) >= MIN_SIMILARITY) {
        flushPending();
        rows.push({ kind: "change", oldNo: ++oldNo, newNo: ++newNo, old: words.old, new: words.new });
        stats.changed++;
      } else {
        pendingDel.push(removedRun[k]);
        pendingAdd.push(addedRun[k]);
      }
    }
    pendingDel.push(...removedRun.slice(pairs));
    pendingAdd.push(...addedRun.slice(pairs));
    flushPending();
    removedRun = [];
    addedRun = [];
  };

  for (const change of changes) {
    const lines = splitLines(change.value);
    if (change.removed) removedRun.push(...lines);
    else if (change.added) addedRun.push(...lines);
    else {
      flushRuns();
      for (const text of lines) {
        rows.push({ kind: "context", oldNo: ++oldNo, newNo: ++newNo, old: [{ text, kind: "same" }], new: [{ text, kind: "same" }] });
      }
    }
  }
  flushRuns();

  const identical = stats.added === 0 && stats.removed === 0 && stats.changed === 0;
  return { tooLarge: false, identical, rows: foldContext(rows, context), stats };
}

/** Added/removed lines and changed pairs of a diff (zeros when it was too large). */
export function diffStats(diff: DocumentDiff): DiffStats {
  return diff.tooLarge ? { added: 0, removed: 0, changed: 0 } : diff.stats;
}

type WordSides = { old: DiffSegment[]; new: DiffSegment[] };

/**
 * Word-level segments for one changed line pair, or undefined when the pair
 * is too long or the word diff gave up (the caller then shows whole lines).
 */
function wordDiff(a: string, b: string, timeout: number, maxEditLength: number): WordSides | undefined {
  // Only the differing middle is segmented and diffed (see MAX_WORD_DIFF_CHARS).
  let prefix = commonPrefixLength(a, b);
  let suffix = commonSuffixLength(a, b, Math.min(a.length, b.length) - prefix);
  prefix = Math.min(boundaryAtOrBefore(a, prefix), boundaryAtOrBefore(b, prefix));
  suffix = Math.min(a.length - boundaryAtOrAfter(a, a.length - suffix), b.length - boundaryAtOrAfter(b, b.length - suffix));
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  if (midA.length + midB.length > MAX_WORD_DIFF_CHARS) return undefined;

  let middle: WordSides;
  if (midA === "" || midB === "") {
    middle = { old: [{ text: midA, kind: "del" }], new: [{ text: midB, kind: "add" }] };
  } else {
    const parts = diffWords(midA, midB, { intlSegmenter: wordSegmenter(), timeout: Math.max(1, timeout), maxEditLength });
    if (!parts) return undefined;
    const oldParts = parts.filter((p) => !p.added).map((p): DiffSegment => ({ text: p.value, kind: p.removed ? "del" : "same" }));
    const newParts = parts.filter((p) => !p.removed).map((p): DiffSegment => ({ text: p.value, kind: p.added ? "add" : "same" }));
    // diffWords ignores whitespace-only differences and reports kept words
    // with the new text's spacing; realign each side onto its own text.
    const old = realign(oldParts, midA);
    const neu = realign(newParts, midB);
    // A whitespace-only change (indentation, full-width space) or a failed
    // realignment: mark the whole differing middle instead.
    const marked = old && neu && [...old, ...neu].some((s) => s.kind !== "same");
    middle = old && neu && marked ? { old, new: neu } : { old: [{ text: midA, kind: "del" }], new: [{ text: midB, kind: "add" }] };
  }
  const head: DiffSegment = { text: a.slice(0, prefix), kind: "same" };
  const tail: DiffSegment = { text: a.slice(a.length - suffix), kind: "same" };
  return { old: tidy([head, ...middle.old, tail]), new: tidy([head, ...middle.new, tail]) };
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffixLength(a: string, b: string, limit: number): number {
  let i = 0;
  while (i < limit && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/** The last word boundary at or before pos, looking only at a small window (never splits a surrogate pair). */
function boundaryAtOrBefore(text: string, pos: number): number {
  if (pos <= 0) return 0;
  if (pos >= text.length) return text.length;
  let start = Math.max(0, pos - BOUNDARY_WINDOW);
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start--;
  const window = text.slice(start, Math.min(text.length, pos + BOUNDARY_WINDOW));
  let best = start;
  for (const s of wordSegmenter().segment(window)) {
    if (start + s.index > pos) break;
    best = start + s.index;
  }
  return best;
}

/** The first word boundary at or after pos, looking only at a small window. */
function boundaryAtOrAfter(text: string, pos: number): number {
  if (pos >= text.length) return text.length;
  let end = Math.min(text.length, pos + BOUNDARY_WINDOW);
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;
  let start = Math.max(0, pos - BOUNDARY_WINDOW);
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start--;
  for (const s of wordSegmenter().segment(text.slice(start, end))) {
    if (start + s.index >= pos) return start + s.index;
  }
  return end;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const isSpace = (ch: string) => /\s/.test(ch);

/**
 * Re-cuts `text` so each segment covers the same non-whitespace characters
 * as the corresponding part; whitespace between parts goes to the earlier
 * part when that part ended in whitespace. Undefined if the parts do not
 * spell `text` (ignoring whitespace).
 */
function realign(parts: DiffSegment[], text: string): DiffSegment[] | undefined {
  const out: DiffSegment[] = [];
  let i = 0;
  for (const part of parts) {
    const start = i;
    for (const ch of part.text) {
      if (isSpace(ch)) continue;
      while (i < text.length && isSpace(text[i])) i++;
      if (!text.startsWith(ch, i)) return undefined;
      i += ch.length;
    }
    if (part.text !== "" && isSpace(part.text[part.text.length - 1])) {
      while (i < text.length && isSpace(text[i])) i++;
    }
    out.push({ text: text.slice(start, i), kind: part.kind });
  }
  if (i < text.length) {
    if (/\S/.test(text.slice(i))) return undefined;
    if (out.length === 0) out.push({ text: "", kind: "same" });
    out[out.length - 1].text += text.slice(i);
  }
  return out;
}

/** Drops empty segments and merges neighbours of the same kind. */
function tidy(segments: DiffSegment[]): DiffSegment[] {
  const out: DiffSegment[] = [];
  for (const s of segments) {
    if (s.text === "") continue;
    const last = out[out.length - 1];
    if (last && last.kind === s.kind) last.text += s.text;
    else out.push({ ...s });
  }
  return out;
}

/** Share of non-whitespace text left unchanged, relative to the longer side (0..1). */
function similarity(old: DiffSegment[], neu: DiffSegment[]): number {
  const visible = (segments: DiffSegment[], kinds: DiffSegment["kind"][]) =>
    segments.filter((s) => kinds.includes(s.kind)).reduce((n, s) => n + s.text.replace(/\s/g, "").length, 0);
  const same = Math.min(visible(old, ["same"]), visible(neu, ["same"]));
  const total = Math.max(visible(old, ["same", "del"]), visible(neu, ["same", "add"]));
  return total === 0 ? 1 : same / total;
}

/** Folds unchanged runs into "skip" rows, keeping `context` lines next to each change. */
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
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = j === rows.length ? 0 : context;
    const hidden = run.length - keepBefore - keepAfter;
    // Folding a single line into a "1 unchanged line" row saves nothing.
    if (hidden >= (context === 0 ? 1 : 2)) {
      out.push(...run.slice(0, keepBefore));
      out.push({ kind: "skip", skipped: hidden, oldNo: run[keepBefore].oldNo, newNo: run[keepBefore].newNo });
      out.push(...run.slice(run.length - keepAfter));
    } else out.push(...run);
    i = j;
  }
  return out;
}
