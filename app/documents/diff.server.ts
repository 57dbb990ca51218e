/**
 * Compares two versions of a markdown document as source text: a line diff
 * first (patience matching, sequence-diff.server.ts), then removed and added
 * lines are paired by similarity (not by position) and a word diff marks the
 * changes inside each pair. A pair that shares too little is shown as a
 * removed and an added line. Chinese is split into words with
 * Intl.Segmenter, so a changed figure marks that word, not the whole line or
 * every character. Inputs are bounded: too large or too slow degrades to a
 * "too large" result or to whole-line marks, never a hang.
 *
 * The formatted diff ("what the reader sees", diff-blocks.server.ts) uses the
 * same word diff and pairing on rendered blocks.
 */
import { alignBySimilarity, bigrams, dice, Interner, matchSequences, type Profile } from "./sequence-diff.server";

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
  /** Most removed plus added lines a diff may have before it is reported as too large (default 20,000). */
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
// Below this share of unchanged text a pair reads better as del + add
// ("confetti" of shared particles otherwise).
export const MIN_SIMILARITY = 0.5;
// Candidate pairs are chosen by character-bigram overlap before the word
// diff confirms them.
export const MIN_BIGRAM_SIMILARITY = 0.4;

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

  const interner = new Interner();
  const oldIds = oldLines.map((l) => interner.id(l));
  const newIds = newLines.map((l) => interner.id(l));
  const matches = matchSequences(oldIds, newIds);
  const edits = oldLines.length + newLines.length - 2 * matches.length;
  if (Date.now() - started > budgetMs || edits > maxEditLength) {
    return tooLarge("The versions differ too much to compare line by line within the time limit.", oldBytes, newBytes);
  }

  const rows: DiffRow[] = [];
  const stats: DiffStats = { added: 0, removed: 0, changed: 0 };

  // A removed run and the added run between the same unchanged lines: lines
  // are paired by similarity, in order; unpaired lines stay removed/added.
  const emitRun = (a0: number, a1: number, b0: number, b1: number) => {
    const removed = oldLines.slice(a0, a1);
    const added = newLines.slice(b0, b1);
    const profiles = new Map<string, Profile>();
    const profile = (text: string) => {
      let p = profiles.get(text);
      if (!p) profiles.set(text, (p = bigrams(text)));
      return p;
    };
    const candidates = removed.length === 1 && added.length === 1 ? [[0, 0] as [number, number]] : alignBySimilarity(removed.length, added.length, (i, j) => quickSimilarity(removed[i], added[j], profile), MIN_BIGRAM_SIMILARITY);
    let i = 0;
    let j = 0;
    const del = (k: number) => {
      rows.push({ kind: "del", oldNo: a0 + k + 1, old: [{ text: removed[k], kind: "del" }] });
      stats.removed++;
    };
    const add = (k: number) => {
      rows.push({ kind: "add", newNo: b0 + k + 1, new: [{ text: added[k], kind: "add" }] });
      stats.added++;
    };
    for (const [pi, pj] of candidates) {
      const remaining = budgetMs - (Date.now() - started);
      const words = remaining > 0 ? wordSegments(removed[pi], added[pj]) : undefined;
      if (!words || similarity(words.old, words.new) < MIN_SIMILARITY) continue;
      while (i < pi) del(i++);
      while (j < pj) add(j++);
      rows.push({ kind: "change", oldNo: a0 + pi + 1, newNo: b0 + pj + 1, old: words.old, new: words.new });
      stats.changed++;
      i = pi + 1;
      j = pj + 1;
    }
    while (i < removed.length) del(i++);
    while (j < added.length) add(j++);
  };

  let pa = 0;
  let pb = 0;
  for (const [ma, mb] of [...matches, [oldLines.length, newLines.length] as [number, number]]) {
    if (ma > pa || mb > pb) emitRun(pa, ma, pb, mb);
    if (ma < oldLines.length) {
      const text = oldLines[ma];
      rows.push({ kind: "context", oldNo: ma + 1, newNo: mb + 1, old: [{ text, kind: "same" }], new: [{ text, kind: "same" }] });
    }
    pa = ma + 1;
    pb = mb + 1;
  }
  const identical = stats.added === 0 && stats.removed === 0 && stats.changed === 0;
  return { tooLarge: false, identical, rows: foldContext(rows, context), stats };
}

/** Added/removed lines and changed pairs of a diff (zeros when it was too large). */
export function diffStats(diff: DocumentDiff): DiffStats {
  return diff.tooLarge ? { added: 0, removed: 0, changed: 0 } : diff.stats;
}

/** Bigram similarity of two texts, skipping the count when their lengths alone rule a match out. */
export function quickSimilarity(a: string, b: string, profile: (text: string) => Profile): number {
  const la = a.length;
  const lb = b.length;
  if (la + lb === 0) return 1;
  if ((2 * Math.min(la, lb)) / (la + lb) < MIN_BIGRAM_SIMILARITY) return 0;
  return dice(profile(a), profile(b));
}

/** Both sides of a changed pair, and the two interleaved (deletions before insertions) for a track-changes view. */
export type WordSides = { old: DiffSegment[]; new: DiffSegment[]; merged: DiffSegment[] };

const TOKEN = /\p{Script=Han}+|[\p{L}\p{M}\p{N}_]+|\s+|[\s\S]/gu;
const HAN = /\p{Script=Han}/u;

// Legal text repeats its phrases; segmenting each distinct run once saves
// most of the segmenter's time. Bounded: cleared when full.
const segmentCache = new Map<string, string[]>();
function segmentHan(run: string): string[] {
  let words = segmentCache.get(run);
  if (!words) {
    words = Array.from(wordSegmenter().segment(run), (s) => s.segment);
    if (segmentCache.size > 20_000) segmentCache.clear();
    segmentCache.set(run, words);
  }
  return words;
}

/** Splits text into words (Chinese by Intl.Segmenter), runs of spaces and single other characters; the tokens spell the text. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const s = m[0];
    if (s.length > 2 && HAN.test(s)) out.push(...segmentHan(s));
    else out.push(s);
  }
  return out;
}

/**
 * Word-level segments for one changed pair, or undefined when the pair is
 * too long to compare word by word (the caller then shows whole lines).
 * Concatenating a side's segments always gives that side's text.
 */
export function wordSegments(a: string, b: string): WordSides | undefined {
  // Only the differing middle is segmented and diffed (see MAX_WORD_DIFF_CHARS).
  let prefix = commonPrefixLength(a, b);
  let suffix = commonSuffixLength(a, b, Math.min(a.length, b.length) - prefix);
  prefix = Math.min(boundaryAtOrBefore(a, prefix), boundaryAtOrBefore(b, prefix));
  suffix = Math.min(a.length - boundaryAtOrAfter(a, a.length - suffix), b.length - boundaryAtOrAfter(b, b.length - suffix));
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  if (midA.length + midB.length > MAX_WORD_DIFF_CHARS) return undefined;

  const old: DiffSegment[] = [{ text: a.slice(0, prefix), kind: "same" }];
  const neu: DiffSegment[] = [{ text: a.slice(0, prefix), kind: "same" }];
  const merged: DiffSegment[] = [{ text: a.slice(0, prefix), kind: "same" }];
  if (midA === "" || midB === "") {
    old.push({ text: midA, kind: "del" });
    neu.push({ text: midB, kind: "add" });
    merged.push({ text: midA, kind: "del" }, { text: midB, kind: "add" });
  } else {
    const ta = tokenize(midA);
    const tb = tokenize(midB);
    const interner = new Interner();
    const matches = matchSequences(ta.map((t) => interner.id(t)), tb.map((t) => interner.id(t)));
    let i = 0;
    let j = 0;
    for (const [mi, mj] of [...matches, [ta.length, tb.length] as [number, number]]) {
      if (mi > i) {
        const text = ta.slice(i, mi).join("");
        old.push({ text, kind: "del" });
        merged.push({ text, kind: "del" });
      }
      if (mj > j) {
        const text = tb.slice(j, mj).join("");
        neu.push({ text, kind: "add" });
        merged.push({ text, kind: "add" });
      }
      if (mi < ta.length) {
        old.push({ text: ta[mi], kind: "same" });
        neu.push({ text: tb[mj], kind: "same" });
        merged.push({ text: ta[mi], kind: "same" });
      }
      i = mi + 1;
      j = mj + 1;
    }
  }
  const tail = a.slice(a.length - suffix);
  old.push({ text: tail, kind: "same" });
  neu.push({ text: tail, kind: "same" });
  merged.push({ text: tail, kind: "same" });
  return { old: tidy(old), new: tidy(neu), merged: tidy(merged) };
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

// A cut may fall between two characters of a word; move it to the nearest
// space or punctuation within the window (Chinese clauses end in ，。；、).
const WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;
function isWordChar(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return WORD_CHAR.test(text[i]) || (code >= 0xd800 && code <= 0xdfff);
}

/** A cut at or before pos that does not split a word (or pos - window when the word is longer). */
function boundaryAtOrBefore(text: string, pos: number): number {
  if (pos <= 0) return 0;
  if (pos >= text.length) return text.length;
  const limit = Math.max(0, pos - BOUNDARY_WINDOW);
  let p = pos;
  while (p > limit && isWordChar(text, p - 1) && isWordChar(text, p)) p--;
  if (p > 0 && isLowSurrogate(text.charCodeAt(p))) p--;
  return p;
}

/** A cut at or after pos that does not split a word (or pos + window). */
function boundaryAtOrAfter(text: string, pos: number): number {
  if (pos >= text.length) return text.length;
  if (pos <= 0) return 0;
  const limit = Math.min(text.length, pos + BOUNDARY_WINDOW);
  let p = pos;
  while (p < limit && isWordChar(text, p - 1) && isWordChar(text, p)) p++;
  if (p < text.length && isLowSurrogate(text.charCodeAt(p))) p++;
  return p;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
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

/** Share of non-whitespace text left unchanged on both sides together (0..1): 2 × unchanged / (old + new). */
export function similarity(old: DiffSegment[], neu: DiffSegment[]): number {
  const visible = (segments: DiffSegment[], kinds: DiffSegment["kind"][]) =>
    segments.filter((s) => kinds.includes(s.kind)).reduce((n, s) => n + s.text.replace(/\s/g, "").length, 0);
  const same = Math.min(visible(old, ["same"]), visible(neu, ["same"]));
  const total = visible(old, ["same", "del"]) + visible(neu, ["same", "add"]);
  return total === 0 ? 1 : (2 * same) / total;
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
