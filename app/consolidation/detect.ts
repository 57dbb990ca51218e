/**
 * Which texts look like copies of one another: the same or a similar title,
 * or largely the same text. Built on the import's similarity sketches
 * (app/import/similarity.ts: Chinese character tokens, four-token shingles,
 * bottom-k MinHash). Candidates come from inverted indexes (sketch values,
 * title word pairs), so ten thousand documents are never compared pair by
 * pair. Pure functions, no server dependencies.
 */
import { estimateSimilarity, groupsOf, similarPairs, sketchText, textTokens, titleKey, type Sketch } from "~/import/similarity";

/** Estimated share of shared text from which two documents look like copies (lower than an import's 0.8: copies that diverged in many clauses still count). */
export const COPY_SIMILARITY = 0.5;
/** Share of shared title word pairs from which two titles are "similar". */
export const TITLE_SIMILARITY = 0.75;
/** A title word pair shared by more documents than this says nothing ("管理 制度"). */
const MAX_TITLE_POSTING = 64;
/**
 * A sketch value found in more documents than this is boilerplate for finding
 * copies (a notice every document carries): it adds no candidates. Copies
 * share many rarer values too, so none is missed; and the candidate pairs
 * stay linear in the number of documents, not quadratic.
 */
const MAX_SKETCH_POSTING = 64;

/**
 * Pairs of texts whose sketches say at least `threshold` of their text is the same; identical texts pair with the first of them.
 * Boilerplate left out lowers the count of shared values, hence the wider margin than an import's.
 */
function sketchPairs(sketches: Sketch[], threshold: number): { a: number; b: number; similarity: number }[] {
  return similarPairs(sketches, threshold, { maxPosting: MAX_SKETCH_POSTING, margin: 4 });
}

export interface CopyCandidate {
  title: string;
  sketch: Sketch;
  /** titleKey(title) */
  titleKey: string;
  titleGrams: string[];
}

export interface CopyPair {
  a: number;
  b: number;
  /** Estimated share of the same text, 0–1. */
  similarity: number;
  sameTitle: boolean;
  similarTitle: boolean;
}

/** Words of a title without edition marks ("2019版", "修订", "（试行）"), so editions of one manual share their title. */
function titleWords(title: string): string[] {
  return textTokens(title.replace(/[（(【[]?\s*(?:\d{2,4}\s*年?\s*版|试行|修订版?|草案|draft|v\d+(?:\.\d+)*)\s*[)）】\]]?/giu, " "));
}

function gramsOf(words: string[]): string[] {
  if (words.length < 2) return words.slice();
  const out = new Set<string>();
  for (let i = 0; i + 1 < words.length; i++) out.add(`${words[i]} ${words[i + 1]}`);
  return [...out];
}

/** The comparable parts of one document (one pass over its text). */
export function copyCandidate(title: string, text: string): CopyCandidate {
  const words = titleWords(title);
  return { title, sketch: sketchText(text), titleKey: words.join(" ") || titleKey(title), titleGrams: gramsOf(words) };
}

function titleDice(a: string[], b: string[]): number {
  if (!a.length || !b.length) return 0;
  const set = new Set(a);
  let both = 0;
  for (const g of b) if (set.has(g)) both++;
  return (2 * both) / (a.length + b.length);
}

/** Pairs that look like copies: same or similar title, or at least `threshold` of the text the same. */
export function copyPairs(items: CopyCandidate[], threshold = COPY_SIMILARITY): CopyPair[] {
  const pairs = new Map<number, CopyPair>();
  const n = items.length;
  const get = (a: number, b: number) => {
    const [x, y] = a < b ? [a, b] : [b, a];
    const key = x * n + y;
    let p = pairs.get(key);
    if (!p) pairs.set(key, (p = { a: x, b: y, similarity: -1, sameTitle: false, similarTitle: false }));
    return p;
  };
  for (const p of sketchPairs(items.map((i) => i.sketch), threshold)) get(p.a, p.b).similarity = p.similarity;
  // Titles: the same words, or most of their word pairs shared.
  const postings = new Map<string, number[]>();
  items.forEach((item, i) => {
    for (const g of item.titleGrams) {
      const list = postings.get(g);
      if (list) list.push(i);
      else postings.set(g, [i]);
    }
  });
  const shared = new Map<number, number>();
  for (const list of postings.values()) {
    if (list.length < 2 || list.length > MAX_TITLE_POSTING) continue;
    for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) shared.set(list[x] * n + list[y], (shared.get(list[x] * n + list[y]) ?? 0) + 1);
  }
  for (const [key, count] of shared) {
    const a = Math.floor(key / n);
    const b = key % n;
    const same = items[a].titleKey === items[b].titleKey;
    const dice = (2 * count) / (items[a].titleGrams.length + items[b].titleGrams.length);
    if (same || dice >= TITLE_SIMILARITY) {
      const p = get(a, b);
      p.sameTitle = same;
      p.similarTitle = !same;
    }
  }
  // One-word titles have no word pairs: equal keys are found through a map.
  const byKey = new Map<string, number>();
  items.forEach((item, i) => {
    if (item.titleGrams.length > 1 || !item.titleKey) return;
    const first = byKey.get(item.titleKey);
    if (first === undefined) byKey.set(item.titleKey, i);
    else get(first, i).sameTitle = true;
  });
  const out = [...pairs.values()];
  for (const p of out) if (p.similarity < 0) p.similarity = estimateSimilarity(items[p.a].sketch, items[p.b].sketch);
  return out.sort((p, q) => p.a - q.a || p.b - q.b);
}

/** Groups of copies (connected components of the pairs), each with its pairs. */
export function copyGroups(items: CopyCandidate[], threshold = COPY_SIMILARITY): { members: number[]; pairs: CopyPair[] }[] {
  const pairs = copyPairs(items, threshold);
  const groups = groupsOf(items.length, pairs.map((p) => [p.a, p.b] as const));
  const groupOf = new Map<number, number>();
  groups.forEach((g, gi) => g.forEach((i) => groupOf.set(i, gi)));
  const out = groups.map((members) => ({ members, pairs: [] as CopyPair[] }));
  for (const p of pairs) out[groupOf.get(p.a)!].pairs.push(p);
  return out;
}

/** The items one new text looks like a copy of (best first): for a proposal or an imported file against current documents. */
export function copiesOf(probe: CopyCandidate, items: CopyCandidate[], threshold = COPY_SIMILARITY, limit = 5): { index: number; similarity: number; sameTitle: boolean; similarTitle: boolean }[] {
  const out: { index: number; similarity: number; sameTitle: boolean; similarTitle: boolean }[] = [];
  items.forEach((item, index) => {
    const similarity = estimateSimilarity(probe.sketch, item.sketch);
    const sameTitle = !!probe.titleKey && probe.titleKey === item.titleKey;
    const similarTitle = !sameTitle && titleDice(probe.titleGrams, item.titleGrams) >= TITLE_SIMILARITY;
    if (similarity >= threshold || sameTitle || similarTitle) out.push({ index, similarity, sameTitle, similarTitle });
  });
  return out.sort((a, b) => b.similarity - a.similarity || a.index - b.index).slice(0, limit);
}

/**
 * An index of many documents for asking, one text at a time, which of them
 * it looks like a copy of — through shared sketch values and title word
 * pairs, so each question touches only the candidates (an import of a
 * thousand files against ten thousand documents stays fast).
 */
export class CopyIndex {
  private bySketch = new Map<number, number[]>();
  private byTitleGram = new Map<string, number[]>();
  private byTitleKey = new Map<string, number[]>();

  constructor(private items: CopyCandidate[]) {
    items.forEach((item, i) => {
      for (const v of item.sketch.mins) push(this.bySketch, v, i);
      for (const g of item.titleGrams) push(this.byTitleGram, g, i);
      if (item.titleKey) push(this.byTitleKey, item.titleKey, i);
    });
  }

  /** The indexed items the probe looks like (best first). */
  query(probe: CopyCandidate, threshold = COPY_SIMILARITY, limit = 5): { index: number; similarity: number; sameTitle: boolean; similarTitle: boolean }[] {
    const shared = new Map<number, number>();
    for (const v of probe.sketch.mins) {
      const list = this.bySketch.get(v) ?? [];
      if (list.length > MAX_SKETCH_POSTING) continue;
      for (const i of list) shared.set(i, (shared.get(i) ?? 0) + 1);
    }
    const titleShared = new Map<number, number>();
    for (const g of probe.titleGrams) {
      const list = this.byTitleGram.get(g) ?? [];
      if (list.length > MAX_TITLE_POSTING) continue;
      for (const i of list) titleShared.set(i, (titleShared.get(i) ?? 0) + 1);
    }
    const candidates = new Set<number>(this.byTitleKey.get(probe.titleKey) ?? []);
    for (const [i, count] of shared) if (count >= Math.max(1, Math.floor((threshold * Math.max(probe.sketch.mins.length, this.items[i].sketch.mins.length)) / 4))) candidates.add(i);
    for (const i of titleShared.keys()) candidates.add(i);
    const out: { index: number; similarity: number; sameTitle: boolean; similarTitle: boolean }[] = [];
    for (const index of candidates) {
      const item = this.items[index];
      const similarity = estimateSimilarity(probe.sketch, item.sketch);
      const sameTitle = !!probe.titleKey && probe.titleKey === item.titleKey;
      const similarTitle = !sameTitle && titleDice(probe.titleGrams, item.titleGrams) >= TITLE_SIMILARITY;
      if (similarity >= threshold || sameTitle || similarTitle) out.push({ index, similarity, sameTitle, similarTitle });
    }
    return out.sort((a, b) => b.similarity - a.similarity || a.index - b.index).slice(0, limit);
  }
}

function push<K>(map: Map<K, number[]>, key: K, i: number) {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}
