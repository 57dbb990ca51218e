/**
 * Matching of two sequences of interned items (lines, blocks, words): the
 * longest run of common items the way `git diff --patience` finds it. Items
 * that occur exactly once on both sides anchor the match (longest increasing
 * subsequence), the stretches between anchors are matched recursively, and a
 * stretch without unique items falls back to an exact LCS table when it is
 * small. Regulation texts are made of distinct paragraphs, so nearly every
 * line is an anchor and the work is close to linear; the general O(ND) diff
 * took over a second on a pair of 200 KB editions.
 */

/** Above this many cells a stretch without anchors is reported as replaced, not searched. */
const MAX_TABLE_CELLS = 4_000_000;

/** Interns strings (or any keys) to small integers so sequences compare as numbers. */
export class Interner {
  private ids = new Map<string, number>();
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }
}

/**
 * Index pairs [i, j] with a[i] === b[j], increasing in both i and j: the
 * common subsequence the edit script keeps.
 */
export function matchSequences(a: ArrayLike<number>, b: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  match(a, b, 0, a.length, 0, b.length, out);
  return out;
}

function match(a: ArrayLike<number>, b: ArrayLike<number>, a0: number, a1: number, b0: number, b1: number, out: [number, number][]): void {
  // Common prefix and suffix.
  while (a0 < a1 && b0 < b1 && a[a0] === b[b0]) out.push([a0++, b0++]);
  const tail: [number, number][] = [];
  while (a0 < a1 && b0 < b1 && a[a1 - 1] === b[b1 - 1]) tail.push([--a1, --b1]);
  if (a0 < a1 && b0 < b1) {
    const anchors = uniqueAnchors(a, b, a0, a1, b0, b1);
    if (anchors.length) {
      let pa = a0;
      let pb = b0;
      for (const [i, j] of anchors) {
        match(a, b, pa, i, pb, j, out);
        out.push([i, j]);
        pa = i + 1;
        pb = j + 1;
      }
      match(a, b, pa, a1, pb, b1, out);
    } else if ((a1 - a0) * (b1 - b0) <= MAX_TABLE_CELLS) {
      lcsTable(a, b, a0, a1, b0, b1, out);
    }
  }
  for (let k = tail.length - 1; k >= 0; k--) out.push(tail[k]);
}

/** Items unique on both sides of the stretch, in the longest order both sides agree on. */
function uniqueAnchors(a: ArrayLike<number>, b: ArrayLike<number>, a0: number, a1: number, b0: number, b1: number): [number, number][] {
  // count: >0 position+1 of the only occurrence in a, -1 repeated.
  const inA = new Map<number, number>();
  for (let i = a0; i < a1; i++) inA.set(a[i], inA.has(a[i]) ? -1 : i);
  const inB = new Map<number, number>();
  for (let j = b0; j < b1; j++) {
    const v = b[j];
    if (!inA.has(v) || inA.get(v) === -1) continue;
    inB.set(v, inB.has(v) ? -1 : j);
  }
  const pairs: [number, number][] = [];
  for (const [v, j] of inB) if (j !== -1) pairs.push([inA.get(v)!, j]);
  if (pairs.length === 0) return pairs;
  pairs.sort((x, y) => x[0] - y[0]);
  return longestIncreasing(pairs);
}

/** Longest subsequence of pairs (sorted by [0]) whose [1] increases (patience sorting, O(n log n)). */
function longestIncreasing(pairs: [number, number][]): [number, number][] {
  const tails: number[] = []; // index into pairs of the smallest tail of each length
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const v = pairs[k][1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]][1] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1];
    tails[lo] = k;
  }
  const out: [number, number][] = [];
  for (let k = tails[tails.length - 1]; k !== -1; k = prev[k]) out.push(pairs[k]);
  return out.reverse();
}

/** Exact LCS by dynamic programming, for small stretches without unique items. */
function lcsTable(a: ArrayLike<number>, b: ArrayLike<number>, a0: number, a1: number, b0: number, b1: number, out: [number, number][]): void {
  const n = a1 - a0;
  const m = b1 - b0;
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[a0 + i] === b[b0 + j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[a0 + i] === b[b0 + j]) {
      out.push([a0 + i, b0 + j]);
      i++;
      j++;
    } else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++;
    else j++;
  }
}

/**
 * Pairs items of two lists in order so that the summed score of the pairs is
 * highest, counting only pairs scoring at least `threshold`. Long lists are
 * paired greedily inside a window instead of by the full table.
 */
export function alignBySimilarity(n: number, m: number, score: (i: number, j: number) => number, threshold: number, maxCells = 250_000): [number, number][] {
  if (n === 0 || m === 0) return [];
  if (n * m > maxCells) return alignGreedy(n, m, score, threshold);
  const w = m + 1;
  const best = new Float64Array((n + 1) * w);
  const s = new Float64Array(n * m);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const v = score(i, j);
      s[i * m + j] = v;
      const diag = v >= threshold ? best[(i + 1) * w + j + 1] + v : -1;
      best[i * w + j] = Math.max(diag, best[(i + 1) * w + j], best[i * w + j + 1]);
    }
  }
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const v = s[i * m + j];
    if (v >= threshold && best[i * w + j] === best[(i + 1) * w + j + 1] + v) {
      out.push([i, j]);
      i++;
      j++;
    } else if (best[(i + 1) * w + j] >= best[i * w + j + 1]) i++;
    else j++;
  }
  return out;
}

function alignGreedy(n: number, m: number, score: (i: number, j: number) => number, threshold: number): [number, number][] {
  const WINDOW = 40;
  const out: [number, number][] = [];
  let next = 0;
  for (let i = 0; i < n && next < m; i++) {
    let bestJ = -1;
    let bestV = threshold;
    for (let j = next; j < Math.min(m, next + WINDOW); j++) {
      const v = score(i, j);
      if (v >= bestV) {
        bestV = v;
        bestJ = j;
      }
    }
    if (bestJ >= 0) {
      out.push([i, bestJ]);
      next = bestJ + 1;
    }
  }
  return out;
}

/** Sorted character-bigram codes of a text. */
export type Profile = Float64Array;

/** Character-bigram profile of a text (for a quick similarity estimate). */
export function bigrams(text: string): Profile {
  const n = Math.max(0, text.length - 1);
  const grams = new Float64Array(n);
  for (let k = 0; k < n; k++) grams[k] = text.charCodeAt(k) * 65536 + text.charCodeAt(k + 1);
  return grams.sort();
}

/** Dice coefficient of two bigram profiles (0..1). */
export function dice(x: Profile, y: Profile): number {
  if (x.length + y.length === 0) return 1;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      common++;
      i++;
      j++;
    } else if (x[i] < y[j]) i++;
    else j++;
  }
  return (2 * common) / (x.length + y.length);
}
