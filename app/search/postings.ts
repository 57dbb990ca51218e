/**
 * The embedded engine's inverted index: for each term, the documents that
 * contain it and how often in each of four fields (number, title, headings,
 * body).
 *
 * Why not MiniSearch's own index: it keeps a Map per term and field and builds
 * an object per matching document for every term of a query, so a common
 * Chinese character pair (thousands of documents) costs most of a query in
 * allocation and garbage collection. Here a posting is one number in a plain
 * array — the document's slot and its four term frequencies packed into a
 * double — and a query scores into typed arrays that are reused.
 *
 * A query is a list of alternatives, each a set of terms that must all occur,
 * grouped into the parts of the query (a part matches through any of its
 * alternatives: what was typed or a synonym). A document's score is the sum
 * over the parts it matches of its best alternative; which alternatives
 * matched is returned as a mask, so the engine ranks by how many parts match.
 *
 * Scoring is the same BM25+ per field as MiniSearch (k 1.2, b 0.7, d 0.5, the
 * field length being the number of distinct terms in it), with its weights
 * for prefix and typo matches, summed over the query's terms and multiplied by
 * their number. MiniSearch's radix tree still holds the term dictionary, for
 * prefix and typo-tolerant lookups.
 *
 * Documents live in slots, numbered in order of indexing, so every posting
 * list is sorted by slot. Replacing or removing a document only marks its slot
 * dead; dead entries are skipped, and the lists are compacted (slots
 * renumbered) once a tenth of the slots are dead.
 */
import SearchableMap from "minisearch/SearchableMap";

export const FIELD_COUNT = 4;
const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
const WEIGHT = { prefix: 0.375, fuzzy: 0.45 };
/** Term frequencies are stored in 8 bits per field (BM25 has long stopped growing by then). */
const MAX_TF = 255;
const SLOT_UNIT = 2 ** 32; // slot × 2^32 + tf0 × 2^24 + tf1 × 2^16 + tf2 × 2^8 + tf3
/** Slots stay below 2^20 so that a packed posting is an exact integer (< 2^53). */
const MAX_SLOTS = 2 ** 20;

function slotOf(posting: number): number {
  return Math.floor(posting / SLOT_UNIT);
}

export interface QueryTermSpec {
  term: string;
  /** Also match indexed terms that start with this one. */
  prefix: boolean;
  /** Largest edit distance tolerated (0 = exact). */
  fuzzy: number;
}

/** One query term's expansion: the indexed terms it matches, with their weights. */
interface Expansion {
  terms: { term: string; weight: number; list: number[] }[];
}

export interface PostingsMatch {
  id: string;
  /** Score over all fields, summed over the parts matched there. */
  full: number;
  /** Score over number and title only. */
  limited: number;
  /** Alternatives whose terms all occurred in some field (bit per alternative, in query order). */
  fullMask: number;
  /** Alternatives whose terms all occurred in number or title. */
  limitedMask: number;
}

/** One alternative of a query part: terms that must all occur. */
export interface QueryAlternativeSpec {
  /** The part of the query it belongs to (alternatives of one part are next to each other). */
  group: number;
  terms: readonly QueryTermSpec[];
}

export interface PostingsQuery {
  matches: PostingsMatch[];
  /** The indexed terms that matched document `id` (in the fields given). */
  matchedTerms(id: string, fields: "all" | "number-title"): string[];
}

export interface SavedPostings {
  /** Slot → document id, dense. */
  ids: string[];
  /** Field lengths, FIELD_COUNT per slot. */
  lengths: number[];
  terms: string[];
  /** Posting count per term (base64 of a Uint32Array, in the order of `terms`). */
  counts: string;
  /** Every term's postings one after another (base64 of a Float64Array). */
  postings: string;
}

export class PostingsIndex {
  private dictionary = new SearchableMap<number[]>();
  /**
   * The terms that are not Chinese, sharing their lists with `dictionary`:
   * typo-tolerant lookups walk this smaller tree (walking every Chinese pair
   * for an English typo was most of such a query's time).
   */
  private latin = new SearchableMap<number[]>();
  private slotIds: (string | null)[] = [];
  private slotOfId = new Map<string, number>();
  private lengths: number[] = [];
  private lengthSums = new Array<number>(FIELD_COUNT).fill(0);
  private dead = 0;
  // Query scratch space, reused between queries (search is synchronous).
  private stageFull = new Int32Array(0);
  private stageLimited = new Int32Array(0);
  private scoreFull = new Float64Array(0);
  private scoreLimited = new Float64Array(0);
  private bestFull = new Float64Array(0);
  private bestLimited = new Float64Array(0);
  private totalFull = new Float64Array(0);
  private totalLimited = new Float64Array(0);
  private maskFull = new Int32Array(0);
  private maskLimited = new Int32Array(0);

  get size(): number {
    return this.slotOfId.size;
  }

  get termCount(): number {
    return this.dictionary.size;
  }

  has(id: string): boolean {
    return this.slotOfId.has(id);
  }

  /** Indexes a document's terms per field (replacing what was indexed under this id). */
  add(id: string, fields: readonly (readonly string[])[]): void {
    if (fields.length !== FIELD_COUNT) throw new Error(`a document has ${FIELD_COUNT} fields, not ${fields.length}`);
    this.remove(id);
    if (this.slotIds.length >= MAX_SLOTS) this.compact();
    if (this.slotIds.length >= MAX_SLOTS) throw new Error(`the search index holds at most ${MAX_SLOTS} documents`);
    const slot = this.slotIds.length;
    // term → its four frequencies packed as in a posting (8 bits each), counted in place.
    const frequencies = new Map<string, number>();
    for (let f = 0; f < FIELD_COUNT; f++) {
      const shift = 8 * (FIELD_COUNT - 1 - f);
      const unit = 2 ** shift;
      let distinct = 0;
      for (const term of fields[f]) {
        const packed = frequencies.get(term) ?? 0;
        const tf = Math.floor(packed / unit) % 256;
        if (tf === 0) distinct++;
        if (tf < MAX_TF) frequencies.set(term, packed + unit);
      }
      this.lengths.push(distinct);
      this.lengthSums[f] += distinct;
    }
    const base = slot * SLOT_UNIT;
    for (const [term, packed] of frequencies) this.listFor(term).push(base + packed);
    this.slotIds.push(id);
    this.slotOfId.set(id, slot);
  }

  private listFor(term: string): number[] {
    let list = this.dictionary.get(term);
    if (!list) {
      list = [];
      this.dictionary.set(term, list);
      if (isLatin(term)) this.latin.set(term, list);
    }
    return list;
  }

  remove(id: string): boolean {
    const slot = this.slotOfId.get(id);
    if (slot === undefined) return false;
    this.slotOfId.delete(id);
    this.slotIds[slot] = null;
    for (let f = 0; f < FIELD_COUNT; f++) this.lengthSums[f] -= this.lengths[slot * FIELD_COUNT + f];
    this.dead++;
    if (this.dead >= 50 && this.dead >= this.slotIds.length / 10) this.compact();
    return true;
  }

  /** Drops dead entries and renumbers the slots densely (order kept, so lists stay sorted). */
  compact(): void {
    if (!this.dead) return;
    const renumber = new Int32Array(this.slotIds.length).fill(-1);
    const ids: string[] = [];
    const lengths: number[] = [];
    this.slotIds.forEach((id, slot) => {
      if (id === null) return;
      renumber[slot] = ids.length;
      ids.push(id);
      for (let f = 0; f < FIELD_COUNT; f++) lengths.push(this.lengths[slot * FIELD_COUNT + f]);
    });
    const emptied: string[] = [];
    for (const [term, list] of this.dictionary) {
      let w = 0;
      for (let r = 0; r < list.length; r++) {
        const slot = slotOf(list[r]);
        const to = renumber[slot];
        if (to >= 0) list[w++] = list[r] - (slot - to) * SLOT_UNIT;
      }
      list.length = w;
      if (!w) emptied.push(term);
    }
    for (const term of emptied) {
      this.dictionary.delete(term);
      this.latin.delete(term);
    }
    this.slotIds = ids;
    this.lengths = lengths;
    this.slotOfId = new Map(ids.map((id, slot) => [id, slot]));
    this.dead = 0;
  }

  private expand(spec: QueryTermSpec): Expansion {
    const terms: Expansion["terms"] = [];
    const exact = this.dictionary.get(spec.term);
    if (exact) terms.push({ term: spec.term, weight: 1, list: exact });
    const fuzzy = spec.fuzzy > 0 ? (isLatin(spec.term) ? this.latin : this.dictionary).fuzzyGet(spec.term, spec.fuzzy) : null;
    if (spec.prefix) {
      for (const [term, list] of this.dictionary.atPrefix(spec.term)) {
        const distance = term.length - spec.term.length;
        if (!distance) continue;
        fuzzy?.delete(term); // scored as a prefix match
        terms.push({ term, weight: (WEIGHT.prefix * term.length) / (term.length + 0.3 * distance), list });
      }
    }
    if (fuzzy) {
      for (const [term, [list, distance]] of fuzzy) {
        if (!distance) continue;
        terms.push({ term, weight: (WEIGHT.fuzzy * term.length) / (term.length + distance), list });
      }
    }
    return { terms };
  }

  private scratch(slots: number) {
    if (this.stageFull.length < slots) {
      const size = Math.max(slots, this.stageFull.length * 2, 1024);
      this.stageFull = new Int32Array(size);
      this.stageLimited = new Int32Array(size);
      this.scoreFull = new Float64Array(size);
      this.scoreLimited = new Float64Array(size);
      this.bestFull = new Float64Array(size);
      this.bestLimited = new Float64Array(size);
      this.totalFull = new Float64Array(size);
      this.totalLimited = new Float64Array(size);
      this.maskFull = new Int32Array(size);
      this.maskLimited = new Int32Array(size);
    }
    this.bestFull.fill(0, 0, slots);
    this.bestLimited.fill(0, 0, slots);
    this.totalFull.fill(0, 0, slots);
    this.totalLimited.fill(0, 0, slots);
    this.maskFull.fill(0, 0, slots);
    this.maskLimited.fill(0, 0, slots);
  }

  /**
   * Documents that contain every query term: scored over all fields (`full`)
   * and over number and title alone (`limited`), with field boosts. (Every
   * term is its own part; only documents matching all of them are returned.)
   */
  search(query: readonly QueryTermSpec[], boosts: readonly number[]): PostingsQuery {
    const found = this.searchAlternatives(
      query.map((term, group) => ({ group, terms: [term] })),
      boosts,
    );
    const all = query.length >= 31 ? -1 : (1 << query.length) - 1;
    const quality = query.length;
    const matches: PostingsMatch[] = [];
    for (const m of found.matches) {
      const full = (m.fullMask | 0) === (all | 0);
      const limited = (m.limitedMask | 0) === (all | 0);
      if (!full && !limited) continue;
      matches.push({ ...m, full: full ? m.full * quality : 0, limited: limited ? m.limited * quality : 0, fullMask: full ? m.fullMask : 0, limitedMask: limited ? m.limitedMask : 0 });
    }
    return { matches, matchedTerms: found.matchedTerms };
  }

  /**
   * Documents that match at least one alternative, with the masks of the
   * alternatives they match (over all fields, and over number and title) and
   * their scores: per part, the best of its matching alternatives, summed.
   */
  searchAlternatives(alternatives: readonly QueryAlternativeSpec[], boosts: readonly number[]): PostingsQuery {
    if (alternatives.length > 31) throw new Error("a query has at most 31 alternatives");
    const expansions = alternatives.map((a) => a.terms.map((spec) => this.expand(spec)));
    const matches: PostingsMatch[] = [];
    const slots = this.slotIds.length;
    const live = this.slotOfId.size;
    const result: PostingsQuery = { matches, matchedTerms: (id, fields) => this.matchedTerms(expansions.flat(), id, fields) };
    if (!alternatives.length || !live) return result;
    this.scratch(slots);
    const { stageFull, stageLimited, scoreFull, scoreLimited, bestFull, bestLimited, totalFull, totalLimited, maskFull, maskLimited, slotIds, lengths } = this;
    const averages = this.lengthSums.map((sum) => sum / live || 1);
    const idf = [0, 0, 0, 0];
    const count = [0, 0, 0, 0];
    for (let a = 0; a < alternatives.length; a++) {
      const terms = expansions[a];
      if (terms.length && terms.every((e) => e.terms.length)) {
        stageFull.fill(-1, 0, slots);
        stageLimited.fill(-1, 0, slots);
        scoreFull.fill(0, 0, slots);
        scoreLimited.fill(0, 0, slots);
        for (let q = 0; q < terms.length; q++) {
          const previous = q - 1;
          for (const { weight, list } of terms[q].terms) {
            count[0] = count[1] = count[2] = count[3] = 0;
            for (let r = 0; r < list.length; r++) {
              const rest = list[r] % SLOT_UNIT;
              if (rest >= 16777216) count[0]++;
              if ((rest >>> 16) & 255) count[1]++;
              if ((rest >>> 8) & 255) count[2]++;
              if (rest & 255) count[3]++;
            }
            for (let f = 0; f < FIELD_COUNT; f++) {
              idf[f] = weight * boosts[f] * Math.log(1 + (live - count[f] + 0.5) / (count[f] + 0.5));
            }
            for (let r = 0; r < list.length; r++) {
              const posting = list[r];
              const slot = Math.floor(posting / SLOT_UNIT);
              const full = stageFull[slot];
              const limited = stageLimited[slot];
              // A document still in the running for either score, and alive.
              if (full < previous && limited < previous) continue;
              if (slotIds[slot] === null) continue;
              const rest = posting - slot * SLOT_UNIT;
              const tf0 = rest >>> 24;
              const tf1 = (rest >>> 16) & 255;
              const tf2 = (rest >>> 8) & 255;
              const tf3 = rest & 255;
              const base = slot * FIELD_COUNT;
              let titleScore = 0;
              if (tf0) titleScore += bm25(tf0, lengths[base], averages[0], idf[0]);
              if (tf1) titleScore += bm25(tf1, lengths[base + 1], averages[1], idf[1]);
              if (full >= previous) {
                let all = titleScore;
                if (tf2) all += bm25(tf2, lengths[base + 2], averages[2], idf[2]);
                if (tf3) all += bm25(tf3, lengths[base + 3], averages[3], idf[3]);
                stageFull[slot] = q;
                scoreFull[slot] += all;
              }
              if (titleScore > 0 && limited >= previous) {
                stageLimited[slot] = q;
                scoreLimited[slot] += titleScore;
              }
            }
          }
        }
        const last = terms.length - 1;
        const bit = 1 << a;
        for (let slot = 0; slot < slots; slot++) {
          if (stageFull[slot] === last) {
            maskFull[slot] |= bit;
            if (scoreFull[slot] > bestFull[slot]) bestFull[slot] = scoreFull[slot];
          }
          if (stageLimited[slot] === last) {
            maskLimited[slot] |= bit;
            if (scoreLimited[slot] > bestLimited[slot]) bestLimited[slot] = scoreLimited[slot];
          }
        }
      }
      // The end of a part: its best alternative counts once.
      if (a + 1 === alternatives.length || alternatives[a + 1].group !== alternatives[a].group) {
        for (let slot = 0; slot < slots; slot++) {
          if (bestFull[slot]) {
            totalFull[slot] += bestFull[slot];
            bestFull[slot] = 0;
          }
          if (bestLimited[slot]) {
            totalLimited[slot] += bestLimited[slot];
            bestLimited[slot] = 0;
          }
        }
      }
    }
    for (let slot = 0; slot < slots; slot++) {
      if (!maskFull[slot] && !maskLimited[slot]) continue;
      matches.push({ id: slotIds[slot]!, full: totalFull[slot], limited: totalLimited[slot], fullMask: maskFull[slot], limitedMask: maskLimited[slot] });
    }
    return result;
  }

  private matchedTerms(expansions: Expansion[], id: string, fields: "all" | "number-title"): string[] {
    const slot = this.slotOfId.get(id);
    if (slot === undefined) return [];
    const out: string[] = [];
    for (const { terms } of expansions) {
      for (const { term, list } of terms) {
        const posting = findSlot(list, slot);
        if (posting === null) continue;
        const rest = posting - slot * SLOT_UNIT;
        if (fields === "all" || rest >>> 16 > 0) out.push(term);
      }
    }
    return [...new Set(out)];
  }

  toJSON(): SavedPostings {
    this.compact();
    const terms: string[] = [];
    const lists: number[][] = [];
    let total = 0;
    for (const [term, list] of this.dictionary) {
      terms.push(term);
      lists.push(list);
      total += list.length;
    }
    const counts = new Uint32Array(lists.length);
    const postings = new Float64Array(total);
    let at = 0;
    lists.forEach((list, i) => {
      counts[i] = list.length;
      for (let r = 0; r < list.length; r++) postings[at++] = list[r];
    });
    return {
      ids: this.slotIds as string[],
      lengths: this.lengths,
      terms,
      counts: toBase64(counts),
      postings: toBase64(postings),
    };
  }

  static fromJSON(saved: SavedPostings): PostingsIndex {
    if (!Array.isArray(saved.ids) || !Array.isArray(saved.lengths) || !Array.isArray(saved.terms)) throw new Error("postings are missing");
    if (saved.lengths.length !== saved.ids.length * FIELD_COUNT) throw new Error("field lengths do not match the documents");
    const counts = fromBase64(saved.counts, Uint32Array);
    const postings = fromBase64(saved.postings, Float64Array);
    if (counts.length !== saved.terms.length) throw new Error("posting counts do not match the terms");
    const index = new PostingsIndex();
    index.slotIds = [...saved.ids];
    index.slotOfId = new Map(saved.ids.map((id, slot) => [id, slot]));
    index.lengths = [...saved.lengths];
    for (let slot = 0; slot < saved.ids.length; slot++) {
      for (let f = 0; f < FIELD_COUNT; f++) index.lengthSums[f] += saved.lengths[slot * FIELD_COUNT + f];
    }
    let at = 0;
    for (let i = 0; i < saved.terms.length; i++) {
      const n = counts[i];
      if (at + n > postings.length) throw new Error("postings are truncated");
      const list = new Array<number>(n);
      for (let r = 0; r < n; r++) {
        list[r] = postings[at + r];
        if (slotOf(list[r]) >= saved.ids.length) throw new Error("a posting points past the documents");
      }
      at += n;
      index.dictionary.set(saved.terms[i], list);
      if (isLatin(saved.terms[i])) index.latin.set(saved.terms[i], list);
    }
    if (at !== postings.length) throw new Error("postings do not match their counts");
    return index;
  }
}

/** A term that is not Chinese (its first character is below the CJK blocks). */
function isLatin(term: string): boolean {
  return term.charCodeAt(0) < 0x2e80;
}

function bm25(tf: number, length: number, average: number, weightedIdf: number): number {
  return weightedIdf * (BM25.d + (tf * (BM25.k + 1)) / (tf + BM25.k * (1 - BM25.b + (BM25.b * length) / average)));
}

/** The posting of `slot` in a list sorted by slot, or null. */
function findSlot(list: number[], slot: number): number | null {
  const low = slot * SLOT_UNIT;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < low) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && slotOf(list[lo]) === slot ? list[lo] : null;
}

function toBase64(array: Uint32Array | Float64Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64");
}

function fromBase64<T extends Uint32Array | Float64Array>(text: string, Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  if (typeof text !== "string") throw new Error("postings are missing");
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % Type.BYTES_PER_ELEMENT) throw new Error("postings are truncated");
  // Copy into an aligned buffer of its own.
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return new Type(buffer);
}
