/**
 * How alike two texts are, for finding duplicates and near-duplicates among
 * documents (an import's dry run today; consolidating departments' copies of
 * a manual later). Pure functions, no server dependencies.
 *
 * A text becomes a sequence of tokens — every Chinese (Han, kana, Hangul)
 * character is a token, every run of other letters or digits is a lower-cased
 * word — so punctuation, markdown syntax and spacing do not count. Shingles
 * are runs of `shingleSize` consecutive tokens (four characters of Chinese,
 * four words of English), hashed to 32 bits. A text's sketch keeps the
 * `sketchSize` smallest distinct shingle hashes (a bottom-k MinHash with one
 * hash function: one pass over the text, no matter how long), and two
 * sketches estimate the Jaccard similarity of the two shingle sets; texts
 * with fewer shingles than the sketch holds are compared exactly.
 */

export interface SimilarityOptions {
  /** Tokens per shingle (default 4). */
  shingleSize?: number;
  /** Hashes kept per text (default 128): the estimate's error is about 1/√sketchSize. */
  sketchSize?: number;
}

export interface Sketch {
  /** The sketch size asked for (mins holds fewer when the text has fewer shingles). */
  k: number;
  /** The smallest distinct shingle hashes, ascending. */
  mins: Uint32Array;
  /** A hash of the whole token sequence: equal digests mean the same text (up to spacing, punctuation and case). */
  digest: string;
  /** Number of tokens in the text. */
  tokens: number;
}

export interface SimilarPair {
  a: number;
  b: number;
  /** Estimated Jaccard similarity of the two texts' shingle sets, 0–1. */
  similarity: number;
  /** The two texts have the same tokens in the same order. */
  identical: boolean;
}

const DEFAULT_SHINGLE = 4;
const DEFAULT_SKETCH = 128;

const CJK_CLASS = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}";
const CJK = new RegExp(`[${CJK_CLASS}]`, "u");
const TOKEN = new RegExp(`[${CJK_CLASS}]|(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}])+`, "gu");

/** The text's tokens: single Chinese characters and lower-cased words of other scripts. */
export function textTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize("NFKC").toLowerCase().matchAll(TOKEN)) out.push(m[0]);
  return out;
}

/** True when the token is a single Chinese (or Japanese, Korean) character. */
export function isCjkToken(token: string): boolean {
  return token.length <= 2 && CJK.test(token);
}

/** A 32-bit finaliser (murmur3's), so combined token hashes spread over the whole range. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Keeps the k smallest distinct values seen (a max-heap of size k). */
class BottomK {
  private heap: number[] = [];
  private members = new Set<number>();
  constructor(private k: number) {}

  offer(v: number) {
    const heap = this.heap;
    if (heap.length >= this.k && v >= heap[0]) return;
    if (this.members.has(v)) return;
    if (heap.length < this.k) {
      heap.push(v);
      this.members.add(v);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p] >= heap[i]) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
      return;
    }
    this.members.delete(heap[0]);
    this.members.add(v);
    heap[0] = v;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l] > heap[m]) m = l;
      if (r < heap.length && heap[r] > heap[m]) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i], heap[m]];
      i = m;
    }
  }

  sorted(): Uint32Array {
    return Uint32Array.from(this.heap).sort();
  }
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function isCjkCode(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x20000 && c <= 0x2ffff) ||
    (c >= 0x1100 && c <= 0x11ff)
  );
}

function isWordCode(c: number, ch: string): boolean {
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
  return !isCjkCode(c) && LETTER_OR_DIGIT.test(ch);
}

/**
 * Calls `emit` with a 32-bit hash of every token, in order — the same tokens
 * as textTokens, without building strings (a 200 KB law takes a few ms).
 */
function forEachTokenHash(text: string, emit: (h: number) => void): void {
  const s = text.normalize("NFKC").toLowerCase();
  let word = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let ch = s[i];
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      c = s.codePointAt(i)!;
      ch = String.fromCodePoint(c);
      i++;
    }
    if (isCjkCode(c)) {
      if (inWord) emit(word >>> 0);
      inWord = false;
      emit(mix(c ^ 0x5bd1e995));
    } else if (isWordCode(c, ch)) {
      if (!inWord) word = 0x811c9dc5;
      inWord = true;
      word = Math.imul(word ^ c, 0x01000193);
    } else if (inWord) {
      emit(word >>> 0);
      inWord = false;
    }
  }
  if (inWord) emit(word >>> 0);
}

/** The sketch of a text (one pass; the cost grows with the text's length, not with the sketch). */
export function sketchText(text: string, options: SimilarityOptions = {}): Sketch {
  const n = Math.max(1, options.shingleSize ?? DEFAULT_SHINGLE);
  const k = Math.max(1, options.sketchSize ?? DEFAULT_SKETCH);
  const bottom = new BottomK(k);
  const ring = new Uint32Array(n);
  let count = 0;
  let digest = 0x9747b28c;
  let digest2 = 0x1b873593;
  forEachTokenHash(text, (h) => {
    digest = (mix(digest ^ h) + 0x6b43a9b5) >>> 0;
    digest2 = mix(Math.imul(digest2, 31) ^ h);
    ring[count % n] = h;
    count++;
    if (count >= n) {
      let s = 0;
      for (let j = count - n; j < count; j++) s = mix(Math.imul(s, 0x27d4eb2d) ^ ring[j % n]);
      bottom.offer(s);
    }
  });
  if (count > 0 && count < n) {
    // A text shorter than one shingle is one shingle.
    let s = 0;
    for (let j = 0; j < count; j++) s = mix(Math.imul(s, 0x27d4eb2d) ^ ring[j]);
    bottom.offer(s);
  }
  return { k, mins: bottom.sorted(), digest: `${count.toString(36)}.${digest.toString(36)}.${digest2.toString(36)}`, tokens: count };
}

/** Estimated Jaccard similarity of the texts behind two sketches (exact for texts with fewer shingles than the sketch holds). */
export function estimateSimilarity(a: Sketch, b: Sketch): number {
  if (!a.mins.length || !b.mins.length) return a.digest === b.digest ? 1 : 0;
  // The k smallest values of the union of the two sketches are the k smallest of the union of
  // the two shingle sets; the share of them found in both sketches estimates the Jaccard index.
  const k = Math.min(a.k, b.k);
  let i = 0;
  let j = 0;
  let taken = 0;
  let both = 0;
  while (taken < k && (i < a.mins.length || j < b.mins.length)) {
    const x = i < a.mins.length ? a.mins[i] : Infinity;
    const y = j < b.mins.length ? b.mins[j] : Infinity;
    if (x === y) {
      both++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
    taken++;
  }
  return taken ? both / taken : 0;
}

export interface PairOptions {
  /** A sketch value found in more texts than this is boilerplate and adds no candidates (default 1000). */
  maxPosting?: number;
  /** Candidates need threshold·k / margin shared sketch values (default 2; larger = more candidates checked). */
  margin?: number;
}

/** Sketch values found in more texts than this are boilerplate: they add no candidates (and would add n² of them). */
const MAX_POSTING = 1000;

/**
 * Pairs of texts at least `threshold` alike. Identical texts (same digest)
 * are paired with the first of them only, and only that first one is
 * compared with others, so a folder of a hundred copies yields a hundred
 * pairs, not five thousand. Candidates come from an inverted index over the
 * sketches' values, so unrelated texts are never compared one by one.
 */
export function similarPairs(sketches: Sketch[], threshold = 0.8, options: PairOptions = {}): SimilarPair[] {
  const maxPosting = options.maxPosting ?? MAX_POSTING;
  const margin = options.margin ?? 2;
  const out: SimilarPair[] = [];
  const firstOf = new Map<string, number>();
  const reps: number[] = [];
  sketches.forEach((s, i) => {
    if (!s.tokens) return;
    const first = firstOf.get(s.digest);
    if (first === undefined) {
      firstOf.set(s.digest, i);
      reps.push(i);
    } else out.push({ a: first, b: i, similarity: 1, identical: true });
  });
  // Near-duplicates among distinct texts: count shared sketch values per pair, estimate those that share enough.
  const postings = new Map<number, number[]>();
  for (const i of reps) {
    for (const v of sketches[i].mins) {
      const list = postings.get(v);
      if (list) list.push(i);
      else postings.set(v, [i]);
    }
  }
  const n = sketches.length;
  const shared = new Map<number, number>();
  for (const list of postings.values()) {
    if (list.length < 2 || list.length > maxPosting) continue;
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const k = list[x] * n + list[y];
        shared.set(k, (shared.get(k) ?? 0) + 1);
      }
    }
  }
  for (const [k, count] of shared) {
    const a = Math.floor(k / n);
    const b = k % n;
    const room = Math.max(sketches[a].mins.length, sketches[b].mins.length);
    // Texts with similarity J share about J·k of their values; dividing by the margin leaves room for chance.
    if (count < Math.max(1, Math.floor((threshold * room) / margin))) continue;
    const similarity = estimateSimilarity(sketches[a], sketches[b]);
    if (similarity >= threshold) out.push({ a, b, similarity, identical: false });
  }
  return out.sort((p, q) => p.a - q.a || p.b - q.b);
}

/** Joins related items into groups (connected components), each sorted, groups in order of their first item. */
export function groupsOf(count: number, edges: Iterable<readonly [number, number]>): number[][] {
  const parent = Array.from({ length: count }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const [a, b] of edges) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const r = find(i);
    const list = groups.get(r) ?? [];
    list.push(i);
    groups.set(r, list);
  }
  return [...groups.values()].filter((g) => g.length > 1).sort((x, y) => x[0] - y[0]);
}

/** A title compared for sameness: NFKC, lower case, spacing and punctuation ignored. */
export function titleKey(title: string): string {
  return textTokens(title).join(" ");
}
