/**
 * Text → search terms, identically for documents and queries, for both engines.
 *
 * - Folding: NFKC (full-width letters become ASCII), Traditional → Simplified
 *   (OpenCC tables, one character at a time so offsets stay aligned for
 *   highlighting), lower case.
 * - Latin script, digits and mixed words: `Intl.Segmenter` words, no stemming.
 * - Chinese (Han, and kana): every pair of neighbouring characters in a run,
 *   plus the last character of each run on its own. A fragment of two or more
 *   characters is then found wherever it occurs, also across word boundaries
 *   (版本控制 inside 流程文档版本控制失效), and a single character is found by
 *   prefix over those terms.
 */
import { Converter } from "opencc-js/t2cn";

/** Bump when the terms produced for the same text change (saved indexes are then rebuilt). */
export const TOKENIZER_VERSION = 2;

const MAX_TERM_LENGTH = 40;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3007]/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;

const fromTraditional = Converter({ from: "t", to: "cn" });
const fromHongKong = Converter({ from: "hk", to: "cn" });
const foldCache = new Map<string, string>();

/** One character (code point) folded for search: NFKC, Simplified, lower case. */
export function foldChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x10000 && ch.length === 1) {
    const known = bmpFolds[cp];
    if (known !== undefined) return known;
  }
  const hit = foldCache.get(ch);
  if (hit !== undefined) return hit;
  const nfkc = ch.normalize("NFKC");
  let simplified = fromTraditional(nfkc);
  if (simplified === nfkc) simplified = fromHongKong(nfkc);
  const folded = simplified.toLowerCase();
  if (cp < 0x10000 && ch.length === 1) bmpFolds[cp] = folded;
  else if (foldCache.size < 100_000) foldCache.set(ch, folded);
  return folded;
}

/** Folds of the Basic Multilingual Plane by code point, filled on first use (a Map lookup per character was most of the indexing time). */
const bmpFolds: (string | undefined)[] = new Array(0x10000);

/** Kind of each BMP code point, filled on first use: 1 whitespace, 2 Chinese/kana, 3 other. */
const bmpKinds = new Uint8Array(0x10000);

function kindOf(cp: number, ch: string): number {
  if (cp < 0x10000) {
    let k = bmpKinds[cp];
    if (!k) {
      k = /\s/u.test(ch) || cp === 0x200b || cp === 0xfeff ? 1 : CJK.test(ch) ? 2 : 3;
      bmpKinds[cp] = k;
    }
    return k;
  }
  return CJK.test(ch) ? 2 : 3;
}

export function isCjkChar(ch: string): boolean {
  return CJK.test(ch);
}

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

export interface FoldedText {
  /** The folded text: whitespace runs become one space, a single line break between Chinese characters disappears. */
  text: string;
  /** For each UTF-16 unit of `text`, the offset in the original where its character starts. */
  start: number[];
  /** For each UTF-16 unit of `text`, the offset in the original just after its character. */
  end: number[];
}

function isCjkCode(cp: number, ch: string): boolean {
  return kindOf(cp, ch) === 2;
}

/** Every this many folded units, `foldSparse` records where the original character starts. */
export const FOLD_MARK_STEP = 64;

/**
 * Folds text, calling `unit(originalStart, originalEnd, count)` for every
 * `count` folded units written (shared by the full and the sparse offset
 * maps), or `run(originalStart, length)` for a stretch copied unchanged
 * (then each folded unit is the original unit at the same distance).
 */
function foldCore(
  original: string,
  unit: ((from: number, to: number, count: number) => void) | null,
  run: ((from: number, length: number) => void) | null = null,
): string {
  // Collected in parts and joined once; stretches that fold to themselves are copied as slices.
  const parts: string[] = [];
  let length = 0;
  let pendingSpace = -1; // original offset of a whitespace run not yet written
  let pendingNewlines = 0;
  let lastCjk = false;
  let copyFrom = -1; // start of a stretch of characters that fold to themselves, not yet written
  const n = original.length;
  const flushCopy = (to: number) => {
    if (copyFrom < 0) return;
    if (to > copyFrom) {
      parts.push(original.slice(copyFrom, to));
      if (run) run(copyFrom, to - copyFrom);
      else if (unit) for (let k = copyFrom; k < to; k++) unit(k, k + 1, 1);
      length += to - copyFrom;
    }
    copyFrom = -1;
  };
  let i = 0;
  while (i < n) {
    const cp = original.charCodeAt(i);
    let width = 1;
    let ch: string;
    let kind: number;
    let folded: string;
    if (cp < 128) {
      kind = cp === 32 || (cp >= 9 && cp <= 13) ? 1 : 3;
      ch = "";
      folded = "";
    } else if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      ch = original.slice(i, i + 2);
      width = ch.length === 2 && ch.codePointAt(0)! > 0xffff ? 2 : 1;
      if (width === 1) ch = original[i];
      kind = kindOf(ch.codePointAt(0)!, ch);
      folded = "";
    } else {
      ch = original[i];
      kind = kindOf(cp, ch);
      folded = "";
    }
    if (kind === 1) {
      flushCopy(i);
      if (pendingSpace < 0) pendingSpace = i;
      if (cp === 10) pendingNewlines++;
      i += width;
      continue;
    }
    const cjk = kind === 2;
    if (pendingSpace >= 0) {
      // A line wrapped inside a Chinese sentence is not a word break.
      const joined = lastCjk && cjk && pendingNewlines === 1 && /^[^\S\n]*\n[^\S\n]*$/u.test(original.slice(pendingSpace, i));
      if (!joined && length > 0) {
        parts.push(" ");
        length++;
        unit?.(pendingSpace, pendingSpace + 1, 1);
        if (run && !unit) run(-pendingSpace - 1, 1);
      }
      pendingSpace = -1;
      pendingNewlines = 0;
    }
    if (cp < 128) {
      if (cp >= 65 && cp <= 90) {
        flushCopy(i);
        parts.push(String.fromCharCode(cp + 32));
        length++;
        unit?.(i, i + 1, 1);
        if (run && !unit) run(-i - 1, 1);
      } else if (copyFrom < 0) copyFrom = i;
    } else {
      folded = foldChar(ch);
      if (folded === ch) {
        if (copyFrom < 0) copyFrom = i;
      } else {
        flushCopy(i);
        unit?.(i, i + width, folded.length);
        if (run && !unit) for (let k = 0; k < folded.length; k++) run(-i - 1, 1);
        parts.push(folded);
        length += folded.length;
      }
    }
    lastCjk = cjk;
    i += width;
  }
  flushCopy(n);
  return parts.join("");
}

/** Folds text for matching while remembering where each folded unit came from. */
export function foldWithOffsets(original: string): FoldedText {
  const start: number[] = [];
  const end: number[] = [];
  const text = foldCore(
    original,
    (from, to, count) => {
      for (let k = 0; k < count; k++) {
        start.push(from);
        end.push(to);
      }
    },
    // Stretches copied unchanged: each unit stands for the original unit at the same distance.
    (from, count) => {
      for (let k = from; k < from + count; k++) {
        start.push(k);
        end.push(k + 1);
      }
    },
  );
  return { text, start, end };
}

/**
 * Folds text and records, for every FOLD_MARK_STEP-th folded unit, the offset
 * in the original where its character starts (enough to cut a snippet out of
 * a long document without folding all of it again).
 */
export function foldSparse(original: string): { text: string; marks: Int32Array } {
  const folder = new SparseFolder(original);
  folder.fold(original.length);
  return folder.finish();
}

/**
 * `foldSparse` of a long text, a slice at a time: each call folds up to a
 * paragraph break (or the end), so that indexing a long document can let
 * other work run between slices. The joined result is what `foldSparse`
 * gives for the whole text.
 */
export class SparseFolder {
  private parts: string[] = [];
  private marks: number[] = [];
  /** Folded units written so far. */
  private at = 0;
  /** Where the next slice starts in the original. */
  private from = 0;

  constructor(private readonly original: string) {}

  get done(): boolean {
    return this.from >= this.original.length;
  }

  /** Where the next slice starts in the original text. */
  get position(): number {
    return this.from;
  }

  /**
   * Folds the next slice, ending at the first paragraph break (two line
   * breaks) at or after `from + length`, and returns its folded text (without
   * the space that joins it to the previous slice).
   */
  fold(length: number): string {
    const { original } = this;
    const start = this.from;
    let end = start + length >= original.length ? original.length : original.indexOf("\n\n", start + length);
    end = end < 0 ? original.length : end === original.length ? end : end + 2;
    this.from = end;
    const slice = start === 0 && end === original.length ? original : original.slice(start, end);
    // Copied stretches and single units as folded, replayed below once it is known whether a joining space comes first.
    const runs: number[] = [];
    const text = foldCore(slice, null, (from, count) => {
      runs.push(from < 0 ? from - start : from + start, count);
    });
    if (!text) return text;
    if (this.at > 0) {
      // A paragraph break between slices folds to one space, recorded at the start of its whitespace.
      let space = start;
      while (space > 0 && kindOf(original.charCodeAt(space - 1), original[space - 1]) === 1) space--;
      if (this.at % FOLD_MARK_STEP === 0) this.marks.push(space);
      this.parts.push(" ");
      this.at++;
    }
    for (let k = 0; k < runs.length; k += 2) this.record(runs[k], runs[k + 1]);
    this.parts.push(text);
    return text;
  }

  // run(from, length): `length` units copied from `from`; run(-offset - 1, 1): one unit standing for the character at `offset`.
  private record(from: number, count: number) {
    const { marks, original } = this;
    if (from < 0) {
      if (this.at % FOLD_MARK_STEP === 0) marks.push(-from - 1);
      this.at++;
      return;
    }
    const at = this.at;
    let next = at % FOLD_MARK_STEP === 0 ? at : at + FOLD_MARK_STEP - (at % FOLD_MARK_STEP);
    while (next < at + count) {
      let offset = from + (next - at);
      const code = original.charCodeAt(offset);
      if (code >= 0xdc00 && code <= 0xdfff && offset > 0) offset--; // the start of its character
      marks.push(offset);
      next += FOLD_MARK_STEP;
    }
    this.at += count;
  }

  finish(): { text: string; marks: Int32Array } {
    return { text: this.parts.length === 1 ? this.parts[0] : this.parts.join(""), marks: Int32Array.from(this.marks) };
  }
}

/** The folded form of a text (see foldWithOffsets). */
export function fold(text: string): string {
  return foldCore(text, null);
}

let segmenter: Intl.Segmenter | null = null;
function segmentWords(text: string, out: string[]) {
  segmenter ??= new Intl.Segmenter("zh", { granularity: "word" });
  for (const s of segmenter.segment(text)) {
    if (s.isWordLike && WORD_CHAR.test(s.segment)) out.push(s.segment);
  }
}

const PLAIN_WORD = /^[a-z0-9]+$/;
const EDGE_PUNCTUATION = /^[("'[{<]+|[)"'\]}>.,;:!?]+$/g;

function words(text: string): string[] {
  const out: string[] = [];
  if (!WORD_CHAR.test(text)) return out; // punctuation between Chinese runs
  // Plain lower-case words and numbers are words as they are; the segmenter decides the rest.
  for (const raw of text.split(" ")) {
    // Punctuation around a word ("trip.", "(see") is not part of it.
    const piece = raw.replace(EDGE_PUNCTUATION, "");
    if (!piece) continue;
    if (PLAIN_WORD.test(piece)) out.push(piece);
    else segmentWords(piece, out);
  }
  return out;
}

export type TermKind = "word" | "pair" | "char";

export interface Term {
  term: string;
  kind: TermKind;
}

/**
 * Splits already-folded text into terms, in order of appearance. `tails`
 * adds the last character of each Chinese run (for indexing; a query's run
 * is fully covered by its pairs).
 */
export function termsOfFolded(folded: string, tails = true): Term[] {
  const out: Term[] = [];
  // Split into Chinese runs and everything else, keeping order.
  let buffer = "";
  let run: string[] = [];
  const flushBuffer = () => {
    if (!buffer) return;
    for (const w of words(buffer)) {
      if (w.length <= MAX_TERM_LENGTH) out.push({ term: w, kind: "word" });
    }
    buffer = "";
  };
  const flushRun = () => {
    if (!run.length) return;
    if (run.length === 1) out.push({ term: run[0], kind: "char" });
    else {
      for (let k = 0; k + 1 < run.length; k++) out.push({ term: run[k] + run[k + 1], kind: "pair" });
      if (tails) out.push({ term: run[run.length - 1], kind: "char" });
    }
    run = [];
  };
  for (const ch of folded) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 128 && isCjkCode(cp, ch)) {
      flushBuffer();
      run.push(ch);
    } else {
      flushRun();
      buffer += ch;
    }
  }
  flushRun();
  flushBuffer();
  return out;
}

/** Terms to index for a field's text. */
export function indexTerms(text: string): string[] {
  return indexTermsOfFolded(fold(text));
}

/**
 * Receives the index terms of folded text in order (see `scanIndexTerms`):
 * Chinese pairs and lone characters of the Basic Multilingual Plane as code
 * units, so that the postings index can count them without making a string
 * per term; everything else (words, characters beyond the BMP) as strings.
 */
export interface IndexTermSink {
  /** A pair of neighbouring Chinese characters (UTF-16 code units). */
  pair(first: number, second: number): void;
  /** The last character of a Chinese run (a UTF-16 code unit). */
  single(code: number): void;
  /** Any other term. */
  term(term: string): void;
}

/**
 * The index terms of already-folded text, given to `sink` in order: the same
 * terms as `termsOfFolded(folded)`, without building an object (or, for
 * Chinese, a string) per term. Indexing long documents spends most of its
 * time here.
 */
export function scanIndexTerms(folded: string, sink: IndexTermSink): void {
  const n = folded.length;
  let other = -1; // start of a stretch of non-Chinese text
  let previous = -1; // the previous Chinese character of the current run: a code unit, or -2 for a wide one
  let previousWide = "";
  const flushOther = (to: number) => {
    if (other < 0) return;
    for (const w of words(folded.slice(other, to))) if (w.length <= MAX_TERM_LENGTH) sink.term(w);
    other = -1;
  };
  const flushTail = () => {
    if (previous >= 0) sink.single(previous);
    else if (previous === -2) sink.term(previousWide);
    previous = -1;
  };
  let i = 0;
  while (i < n) {
    const cp = folded.charCodeAt(i);
    let width = 1;
    let cjk = false;
    if (cp >= 0x4e00 && cp <= 0x9fff) cjk = true;
    else if (cp >= 0x3005) {
      const wide = cp >= 0xd800 && cp <= 0xdbff && i + 1 < n;
      const ch = wide ? folded.slice(i, i + 2) : folded[i];
      width = ch.length;
      cjk = kindOf(ch.codePointAt(0)!, ch) === 2;
    }
    if (cjk) {
      flushOther(i);
      if (width === 1 && previous >= 0) sink.pair(previous, cp);
      else if (previous !== -1) {
        const first = previous >= 0 ? String.fromCharCode(previous) : previousWide;
        sink.term(first + folded.slice(i, i + width));
      }
      if (width === 1) previous = cp;
      else {
        previous = -2;
        previousWide = folded.slice(i, i + width);
      }
    } else {
      flushTail();
      if (other < 0) other = i;
    }
    i += width;
  }
  flushTail();
  flushOther(n);
}

/** The index terms of already-folded text as strings (the same terms `scanIndexTerms` gives). */
export function indexTermsOfFolded(folded: string): string[] {
  const out: string[] = [];
  scanIndexTerms(folded, {
    pair: (a, b) => out.push(String.fromCharCode(a, b)),
    single: (a) => out.push(String.fromCharCode(a)),
    term: (t) => out.push(t),
  });
  return out;
}

// ---- queries ----------------------------------------------------------------

export interface QueryTerm {
  term: string;
  kind: TermKind;
  /** Match index terms that start with this one. */
  prefix: boolean;
  /** Largest edit distance tolerated (0 = exact). */
  fuzzy: number;
}

/** One way of matching a part of the query: all its terms, and its exact text where one is required. */
export interface QueryAlternative {
  /** Every one of these terms must occur. */
  terms: QueryTerm[];
  /** Folded text that must occur as it is (a phrase, a Chinese run of 3+ characters, joined words with digits), or null. */
  exact: string | null;
  /** Folded text to look for when measuring how close the parts of a query are. */
  text: string;
}

/**
 * One part of a query: a word, a Chinese run, a quoted phrase or joined words.
 * A document matches the part when it matches one of its alternatives (what
 * was typed, then the synonyms from the company's list).
 */
export interface QueryGroup {
  /** The folded part as typed. */
  text: string;
  alternatives: QueryAlternative[];
}

export interface ParsedQuery {
  /** What the person typed (trimmed). */
  raw: string;
  /** The parts of the query, in order, without duplicates (at most MAX_GROUPS). Documents are ranked by how many they match. */
  groups: QueryGroup[];
  /** Every term of every alternative, in query order, without duplicates. */
  terms: QueryTerm[];
  /** Quoted phrases, folded; each must occur exactly in the text searched. */
  phrases: string[];
  /** Folded Chinese runs of two or more characters, synonyms included (for highlighting whole fragments). */
  cjkRuns: string[];
  /** The exact text each part requires as typed (phrases, Chinese runs of 3+ characters, joined words with digits). */
  exact: string[];
}

/** Parts of a query beyond this many are ignored (a query is at most 200 characters). */
export const MAX_GROUPS = 12;
/** Alternatives (typed part + synonyms) over the whole query, so a match fits a 31-bit mask. */
export const MAX_ALTERNATIVES = 31;

const QUOTES = /"([^"]*)"?|“([^”]*)”?|「([^」]*)」?|『([^』]*)』?/gu;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3007]{2,}/gu;
/** Quoted phrases, and words joined by - _ / . (EXE-003, anti-bribery, v1.2), in one pass. */
const QUERY_PARTS = /"([^"]*)"?|“([^”]*)”?|「([^」]*)」?|『([^』]*)』?|([\p{L}\p{N}]+(?:[-_/.][\p{L}\p{N}]+)+)/gu;

/** Edit distance tolerated for an English word (the same thresholds as Meilisearch's defaults). */
export function typoBudget(word: string): number {
  if (/\d/.test(word)) return 0;
  if (word.length >= 9) return 2;
  if (word.length >= 5) return 1;
  return 0;
}

function wordTerm(word: string): QueryTerm {
  return { term: word, kind: "word", prefix: false, fuzzy: typoBudget(word) };
}

function runTerms(run: string): QueryTerm[] {
  const chars = [...run];
  if (chars.length === 1) return [{ term: chars[0], kind: "char", prefix: true, fuzzy: 0 }];
  const out: QueryTerm[] = [];
  for (let k = 0; k + 1 < chars.length; k++) out.push({ term: chars[k] + chars[k + 1], kind: "pair", prefix: false, fuzzy: 0 });
  return out;
}

/** The alternative for a folded text: a Chinese run by pairs, words by words (several words must occur as written). */
function alternativeOf(folded: string, exactWords = false): QueryAlternative | null {
  const terms = termsOfFolded(folded, false).map((t) => (t.kind === "word" ? wordTerm(t.term) : { ...t, prefix: t.kind === "char", fuzzy: 0 }));
  if (!terms.length) return null;
  const cjkOnly = !/[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3007]/u.test(folded);
  const exact = cjkOnly ? ([...folded].length >= 3 ? folded : null) : exactWords || terms.length > 1 ? folded : null;
  return { terms, exact, text: folded };
}

/** A company vocabulary: each folded term → the other terms of its synonym groups. */
export type SynonymMap = ReadonlyMap<string, readonly string[]>;

/** Builds the lookup from synonym groups (terms folded, so Traditional and case do not matter). */
export function synonymMap(groups: readonly (readonly string[])[]): SynonymMap {
  const map = new Map<string, string[]>();
  for (const group of groups) {
    const folded = [...new Set(group.map((t) => fold(t)).filter(Boolean))];
    for (const term of folded) {
      const others = map.get(term) ?? [];
      for (const other of folded) if (other !== term && !others.includes(other)) others.push(other);
      map.set(term, others);
    }
  }
  return map;
}

/**
 * Splits a long Chinese run around a term of the company's vocabulary
 * (加班工资 → 加班 + 工资), so a query typed without spaces still matches the
 * parts separately and through their synonyms. Pieces stay two characters or more.
 */
function splitRun(run: string, synonyms: SynonymMap): string[] {
  const chars = [...run];
  if (chars.length < 4 || !synonyms.size) return [run];
  let best: { at: number; length: number } | null = null;
  for (const term of synonyms.keys()) {
    const length = [...term].length;
    if (length < 2 || length >= chars.length || !hasCjk(term)) continue;
    const unit = run.indexOf(term);
    if (unit < 0) continue;
    const at = [...run.slice(0, unit)].length;
    const rest = chars.length - at - length;
    if ((at > 0 && at < 2) || (rest > 0 && rest < 2)) continue;
    if (!best || at < best.at || (at === best.at && length > best.length)) best = { at, length };
  }
  if (!best) return [run];
  const before = chars.slice(0, best.at).join("");
  const term = chars.slice(best.at, best.at + best.length).join("");
  const after = chars.slice(best.at + best.length).join("");
  return [...(before ? splitRun(before, synonyms) : []), term, ...(after ? splitRun(after, synonyms) : [])];
}

/**
 * Parses a query into parts (words, Chinese runs, quoted phrases, joined
 * words), each matched by what was typed or by a synonym from `synonyms`.
 * English words tolerate typos (joined words too: "anti-bribry" works like
 * "anti bribry"); the last word is a prefix while typing.
 */
export function parseQuery(input: string, synonyms: SynonymMap = new Map()): ParsedQuery {
  const raw = input.trim().slice(0, 200);
  const groups: QueryGroup[] = [];
  const phrases: string[] = [];
  const seen = new Set<string>();
  const addGroup = (text: string, first: QueryAlternative | null) => {
    if (!first || seen.has(text)) return;
    seen.add(text);
    const alternatives = [first];
    for (const other of synonyms.get(text) ?? []) {
      const alternative = alternativeOf(other);
      if (alternative) alternatives.push(alternative);
    }
    groups.push({ text, alternatives });
  };
  const plain = (segment: string) => {
    const folded = fold(segment.replace(/["“”「」『』]/g, " "));
    let buffer = "";
    let run = "";
    const flushBuffer = () => {
      for (const w of words(buffer)) if (w.length <= MAX_TERM_LENGTH) addGroup(w, { terms: [wordTerm(w)], exact: null, text: w });
      buffer = "";
    };
    const flushRun = () => {
      if (run) for (const piece of splitRun(run, synonyms)) addGroup(piece, alternativeOf(piece));
      run = "";
    };
    for (const ch of folded) {
      if (isCjkChar(ch)) {
        flushBuffer();
        run += ch;
      } else {
        flushRun();
        buffer += ch;
      }
    }
    flushRun();
    flushBuffer();
  };
  let last = 0;
  for (const m of raw.matchAll(QUERY_PARTS)) {
    const compound = m[5];
    if (compound !== undefined && hasCjk(compound)) continue; // left in the plain text around it
    plain(raw.slice(last, m.index));
    last = m.index! + m[0].length;
    if (compound !== undefined) {
      const folded = fold(compound);
      // Joined words with a digit (EXE-003, v1.2) must occur as written; joined words are otherwise words with typo tolerance.
      const alternative = alternativeOf(folded, /\d/.test(folded));
      if (alternative && !/\d/.test(folded)) alternative.exact = null;
      addGroup(folded, alternative);
    } else {
      const inner = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").trim();
      const folded = fold(inner);
      if (!folded) continue;
      phrases.push(folded);
      const alternative = alternativeOf(folded);
      if (alternative) {
        alternative.exact = folded;
        for (const t of alternative.terms) t.prefix = false;
      }
      addGroup(`"${folded}"`, alternative);
    }
  }
  plain(raw.slice(last));
  groups.splice(MAX_GROUPS);
  let alternatives = 0;
  for (const g of groups) {
    g.alternatives.splice(Math.max(1, MAX_ALTERNATIVES - alternatives - (groups.length - 1 - groups.indexOf(g))));
    alternatives += g.alternatives.length;
  }
  // Search as you type: the last word may be unfinished, unless it ends a phrase or a space follows it.
  const endsOpen = !/[\s"”」』]$/u.test(input);
  const lastGroup = groups[groups.length - 1];
  const lastTerms = lastGroup?.alternatives[0].terms;
  if (endsOpen && lastTerms && lastTerms.length && lastTerms[lastTerms.length - 1].kind === "word" && !lastGroup.text.startsWith('"')) {
    lastTerms[lastTerms.length - 1].prefix = true;
  }
  const terms: QueryTerm[] = [];
  const termKeys = new Set<string>();
  for (const g of groups) {
    for (const a of g.alternatives) {
      for (const t of a.terms) {
        const key = `${t.term}|${t.prefix}`;
        if (termKeys.has(key)) continue;
        termKeys.add(key);
        terms.push(t);
      }
    }
  }
  const runs = new Set<string>();
  for (const g of groups) for (const a of g.alternatives) for (const m of a.text.matchAll(CJK_RUN)) runs.add(m[0]);
  const exact = [...new Set(groups.map((g) => g.alternatives[0].exact).filter((e): e is string => !!e))];
  return { raw, groups, terms, phrases, cjkRuns: [...runs], exact };
}

/**
 * Which parts of the query a document matches, given the alternatives whose
 * terms all occurred (`altMask`, bit per alternative in query order) and the
 * folded texts that may be searched: an alternative with exact text counts
 * only where that text occurs. Returns the mask of matched parts.
 */
export function matchedGroups(parsed: ParsedQuery, altMask: number, texts: readonly string[]): number {
  let bit = 0;
  let groupsMask = 0;
  parsed.groups.forEach((g, index) => {
    for (const a of g.alternatives) {
      const on = (altMask >>> bit) & 1;
      bit++;
      if (!on || groupsMask & (1 << index)) continue;
      if (a.exact === null || texts.some((t) => t.includes(a.exact!))) groupsMask |= 1 << index;
    }
  });
  return groupsMask;
}

/** Number of bits set. */
export function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m; m &= m - 1) n++;
  return n;
}

/**
 * The fewest parts a document must match to be listed: at least half of them
 * (those matching more come first), so a query never answers nothing when
 * most of its words match.
 */
export function minimumGroups(groups: number): number {
  return Math.max(1, Math.ceil(groups / 2));
}

// ---- opaque pair tokens (for engines that segment Chinese themselves) ----------

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

function codeLetters(ch: string): string {
  let n = ch.codePointAt(0)!;
  let s = "";
  for (let k = 0; k < 5; k++) {
    s = LETTERS[n % 26] + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/**
 * A Chinese term as one Latin-letter word ("qz" + 5 letters per character), so
 * an engine with its own Chinese word segmentation indexes and matches it as
 * exactly one token. A single character's token is a prefix of the pair tokens
 * that start with it.
 */
export function opaqueToken(term: string): string {
  let s = "qz";
  for (const ch of term) s += codeLetters(ch);
  return s;
}

/** The opaque tokens of a text's Chinese terms, space-separated in order. */
export function opaqueTerms(text: string): string {
  return termsOfFolded(fold(text))
    .filter((t) => t.kind !== "word")
    .map((t) => opaqueToken(t.term))
    .join(" ");
}
