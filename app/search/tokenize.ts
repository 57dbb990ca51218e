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
export const TOKENIZER_VERSION = 1;

const MAX_TERM_LENGTH = 40;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3007]/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;

const fromTraditional = Converter({ from: "t", to: "cn" });
const fromHongKong = Converter({ from: "hk", to: "cn" });
const foldCache = new Map<string, string>();

/** One character (code point) folded for search: NFKC, Simplified, lower case. */
export function foldChar(ch: string): string {
  const hit = foldCache.get(ch);
  if (hit !== undefined) return hit;
  const nfkc = ch.normalize("NFKC");
  let simplified = fromTraditional(nfkc);
  if (simplified === nfkc) simplified = fromHongKong(nfkc);
  const folded = simplified.toLowerCase();
  if (foldCache.size < 100_000) foldCache.set(ch, folded);
  return folded;
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

/** Folds text for matching while remembering where each folded unit came from. */
export function foldWithOffsets(original: string): FoldedText {
  // Collected in parts and joined once: appending character by character would
  // leave a rope of one string node per character in every stored folded text.
  const parts: string[] = [];
  let length = 0;
  const start: number[] = [];
  const end: number[] = [];
  let pendingSpace = -1; // original offset of a whitespace run not yet written
  let pendingNewlines = 0;
  let lastCjk = false;
  let i = 0;
  while (i < original.length) {
    const cp = original.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const width = ch.length;
    if (/\s/u.test(ch) || cp === 0x200b || cp === 0xfeff) {
      if (pendingSpace < 0) pendingSpace = i;
      if (ch === "\n") pendingNewlines++;
      i += width;
      continue;
    }
    const folded = foldChar(ch);
    const cjk = isCjkChar(ch);
    if (pendingSpace >= 0) {
      // A line wrapped inside a Chinese sentence is not a word break.
      const joined = lastCjk && cjk && pendingNewlines === 1 && /^[^\S\n]*\n[^\S\n]*$/u.test(original.slice(pendingSpace, i));
      if (!joined && length > 0) {
        parts.push(" ");
        length++;
        start.push(pendingSpace);
        end.push(pendingSpace + 1);
      }
      pendingSpace = -1;
      pendingNewlines = 0;
    }
    for (let k = 0; k < folded.length; k++) {
      start.push(i);
      end.push(i + width);
    }
    parts.push(folded);
    length += folded.length;
    lastCjk = cjk;
    i += width;
  }
  return { text: parts.join(""), start, end };
}

/** The folded form of a text (see foldWithOffsets). */
export function fold(text: string): string {
  return foldWithOffsets(text).text;
}

let segmenter: Intl.Segmenter | null = null;
function words(text: string): string[] {
  segmenter ??= new Intl.Segmenter("zh", { granularity: "word" });
  const out: string[] = [];
  for (const s of segmenter.segment(text)) {
    if (s.isWordLike && WORD_CHAR.test(s.segment)) out.push(s.segment);
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
    if (isCjkChar(ch)) {
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
  return termsOfFolded(fold(text)).map((t) => t.term);
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

export interface ParsedQuery {
  /** What the person typed (trimmed). */
  raw: string;
  /** Every term must match (AND), in query order, without duplicates. */
  terms: QueryTerm[];
  /** Quoted phrases, folded; each must occur exactly in the text searched. */
  phrases: string[];
  /** Folded Chinese runs of two or more characters (for highlighting whole fragments). */
  cjkRuns: string[];
  /**
   * Text that must occur as it is in what was searched: the phrases, and every
   * Chinese run of three or more characters (its pairs could otherwise match
   * in different places of a document).
   */
  exact: string[];
}

const QUOTES = /"([^"]*)"?|“([^”]*)”?|「([^」]*)」?|『([^』]*)』?/gu;

/** Edit distance tolerated for an English word (the same thresholds as Meilisearch's defaults). */
export function typoBudget(word: string): number {
  if (/\d/.test(word)) return 0;
  if (word.length >= 9) return 2;
  if (word.length >= 5) return 1;
  return 0;
}

/** Parses a query: quoted phrases, words with typo tolerance, prefix on the last word, Chinese pairs. */
export function parseQuery(input: string): ParsedQuery {
  const raw = input.trim().slice(0, 200);
  const phrases: string[] = [];
  const unquoted = raw.replace(QUOTES, (_m, a?: string, b?: string, c?: string, d?: string) => {
    const inner = (a ?? b ?? c ?? d ?? "").trim();
    const folded = fold(inner);
    if (folded) phrases.push(folded);
    return ` ${inner} `;
  });
  const folded = fold(unquoted.replace(/["“”「」『』]/g, " "));
  const all = termsOfFolded(folded, false);
  const seen = new Set<string>();
  const terms: QueryTerm[] = [];
  let lastWord = -1;
  for (const t of all) {
    if (seen.has(t.term)) continue;
    seen.add(t.term);
    terms.push({ term: t.term, kind: t.kind, prefix: t.kind === "char", fuzzy: t.kind === "word" ? typoBudget(t.term) : 0 });
    if (t.kind === "word") lastWord = terms.length - 1;
  }
  // Search as you type: the last word may be unfinished, unless it ends a phrase or a space follows it.
  const endsOpen = !/[\s"”」』]$/u.test(input);
  if (lastWord >= 0 && lastWord === terms.length - 1 && endsOpen) terms[lastWord].prefix = true;
  const cjkRuns = [...folded.matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3007]{2,}/gu)].map((m) => m[0]);
  for (const p of phrases) for (const m of p.matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3007]{2,}/gu)) cjkRuns.push(m[0]);
  const runs = [...new Set(cjkRuns)];
  // Words joined by - _ / . (EXE-003, multi-factor) are split into words above; keep them joined.
  const compounds = [...unquoted.matchAll(/[\p{L}\p{N}]+(?:[-_/.][\p{L}\p{N}]+)+/gu)]
    .map((m) => fold(m[0]))
    .filter((c) => !hasCjk(c));
  const exact = [...new Set([...phrases, ...runs.filter((r) => [...r].length >= 3), ...compounds])];
  return { raw, terms, phrases, cjkRuns: runs, exact };
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
