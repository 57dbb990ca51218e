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
import { scanIndexTerms, type IndexTermSink } from "./tokenize";

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
  terms: { term: string; weight: number; id: number }[];
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
  /** The matching documents as objects (built on first use; the typed arrays below are the same data). */
  readonly matches: PostingsMatch[];
  /** How many documents matched; entry i of the arrays below is the i-th of them, in slot order. */
  count: number;
  ids: (string | null)[];
  slots: Int32Array;
  full: Float64Array;
  limited: Float64Array;
  fullMask: Int32Array;
  limitedMask: Int32Array;
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
  /**
   * Every term's postings one after another (base64 of a Float64Array): a string, or the bytes of
   * its text as they stand in the saved file (decoded a slice at a time, never as one string).
   */
  postings: string | Uint8Array;
}

/** Chinese characters of the BMP counted by code (pairs and lone characters) start here. */
const CODE_BASE = 0x3000;
const CODE_SPAN = 0x7000; // 0x3000–0x9fff
/** Key of a lone character (its code unit) or of a pair (above every lone character); always a small integer. */
function pairKey(first: number, second: number): number {
  return 0x10000 + (first - CODE_BASE) * CODE_SPAN + (second - CODE_BASE);
}

export class PostingsIndex {
  /** Term → term id, for exact, prefix and typo-tolerant lookups (terms with postings only). */
  private dictionary = new SearchableMap<number>();
  /**
   * The terms that are not Chinese: typo-tolerant lookups walk this smaller
   * tree (walking every Chinese pair for an English typo was most of such a
   * query's time).
   */
  private latin = new SearchableMap<number>();
  /** Term id → term, its postings, and how many postings have a frequency in each field. */
  private terms: string[] = [];
  private lists: number[][] = [];
  private df = new Int32Array(0);
  /** Term ids by text, and Chinese pairs and characters by code (no string made while counting). */
  private idOfTerm = new Map<string, number>();
  private idOfCode = new Map<number, number>();
  private slotIds: (string | null)[] = [];
  private slotOfId = new Map<string, number>();
  private lengths: number[] = [];
  private lengthSums = new Array<number>(FIELD_COUNT).fill(0);
  private dead = 0;
  /** Changes whenever slots are renumbered (compaction): what callers keep per slot is then stale. */
  layout = 0;
  // The document being counted: packed frequencies per term id, the ids touched, distinct terms per field.
  private counting: string | null = null;
  private docTf = new Uint32Array(0);
  private touched: number[] = [];
  private distinct = [0, 0, 0, 0];
  private field = 0;
  private sink: IndexTermSink = {
    pair: (a, b) => this.countId(a >= CODE_BASE && a < CODE_BASE + CODE_SPAN && b >= CODE_BASE && b < CODE_BASE + CODE_SPAN ? this.codeId(pairKey(a, b), a, b) : this.termId(String.fromCharCode(a, b))),
    single: (a) => this.countId(this.codeId(a, a, -1)),
    term: (t) => this.countId(this.termId(t)),
  };
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

  /** Slots in use, dead ones included. */
  get slotCount(): number {
    return this.slotIds.length;
  }

  /** The document id in a slot (null when the slot is dead). */
  idAt(slot: number): string | null {
    return this.slotIds[slot] ?? null;
  }

  private newId(term: string): number {
    const id = this.terms.length;
    this.terms.push(term);
    this.lists.push([]);
    if (this.df.length < (id + 1) * FIELD_COUNT) {
      const grown = new Int32Array(Math.max(1024, this.df.length * 2));
      grown.set(this.df);
      this.df = grown;
    }
    return id;
  }

  private termId(term: string): number {
    let id = this.idOfTerm.get(term);
    if (id === undefined) {
      id = this.newId(term);
      this.idOfTerm.set(term, id);
    }
    return id;
  }

  private codeId(key: number, first: number, second: number): number {
    let id = this.idOfCode.get(key);
    if (id === undefined) {
      const term = second < 0 ? String.fromCharCode(first) : String.fromCharCode(first, second);
      id = this.idOfTerm.get(term) ?? this.newId(term);
      this.idOfTerm.set(term, id);
      this.idOfCode.set(key, id);
    }
    return id;
  }

  private countId(id: number): void {
    if (this.docTf.length <= id) {
      const grown = new Uint32Array(Math.max(1024, this.terms.length * 2));
      grown.set(this.docTf);
      this.docTf = grown;
    }
    const shift = 8 * (FIELD_COUNT - 1 - this.field);
    const packed = this.docTf[id];
    const tf = (packed >>> shift) & 255;
    if (packed === 0) this.touched.push(id);
    if (tf === 0) this.distinct[this.field]++;
    if (tf < MAX_TF) this.docTf[id] = packed + 2 ** shift;
  }

  /**
   * Starts counting the terms of a document (`countTerms`, `countFolded`),
   * which `commitDocument` then indexes in one step. Counting can be spread
   * over several turns of the event loop; the index answers queries as it was
   * until the commit. One document at a time.
   */
  beginDocument(id: string): void {
    if (this.counting !== null) throw new Error(`the terms of ${this.counting} are still being counted`);
    this.counting = id;
    this.touched = [];
    this.distinct = [0, 0, 0, 0];
  }

  /** Counts terms of one field of the document being indexed. */
  countTerms(field: number, terms: readonly string[]): void {
    this.field = field;
    for (const term of terms) this.countId(this.termId(term));
  }

  /** Counts the index terms of folded text (one slice of a long body, say) in one field. */
  countFolded(field: number, folded: string): void {
    this.field = field;
    scanIndexTerms(folded, this.sink);
  }

  /** Gives up the document being counted (nothing of it is indexed). */
  abandonDocument(): void {
    for (const id of this.touched) this.docTf[id] = 0;
    this.touched = [];
    this.counting = null;
  }

  /** Indexes the counted document (replacing what was indexed under its id). */
  commitDocument(): void {
    const id = this.counting;
    if (id === null) throw new Error("no document is being counted");
    try {
      this.remove(id);
      if (this.slotIds.length >= MAX_SLOTS) this.compact();
      if (this.slotIds.length >= MAX_SLOTS) throw new Error(`the search index holds at most ${MAX_SLOTS} documents`);
    } catch (error) {
      this.abandonDocument();
      throw error;
    }
    const slot = this.slotIds.length;
    const base = slot * SLOT_UNIT;
    const { docTf, df, lists, touched } = this;
    for (let k = 0; k < touched.length; k++) {
      const term = touched[k];
      const packed = docTf[term];
      docTf[term] = 0;
      const list = lists[term];
      if (!list.length) this.enlist(term);
      list.push(base + packed);
      const at = term * FIELD_COUNT;
      if (packed >= 16777216) df[at]++;
      if ((packed >>> 16) & 255) df[at + 1]++;
      if ((packed >>> 8) & 255) df[at + 2]++;
      if (packed & 255) df[at + 3]++;
    }
    for (let f = 0; f < FIELD_COUNT; f++) {
      this.lengths.push(this.distinct[f]);
      this.lengthSums[f] += this.distinct[f];
    }
    this.slotIds.push(id);
    this.slotOfId.set(id, slot);
    this.touched = [];
    this.counting = null;
  }

  /** Indexes a document's terms per field (replacing what was indexed under this id). */
  add(id: string, fields: readonly (readonly string[])[]): void {
    if (fields.length !== FIELD_COUNT) throw new Error(`a document has ${FIELD_COUNT} fields, not ${fields.length}`);
    this.beginDocument(id);
    for (let f = 0; f < FIELD_COUNT; f++) this.countTerms(f, fields[f]);
    this.commitDocument();
  }

  /** Puts a term that has postings again into the dictionaries. */
  private enlist(term: number): void {
    const text = this.terms[term];
    this.dictionary.set(text, term);
    if (isLatin(text)) this.latin.set(text, term);
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
    const { df } = this;
    for (let term = 0; term < this.lists.length; term++) {
      const list = this.lists[term];
      if (!list.length) continue;
      let w = 0;
      const at = term * FIELD_COUNT;
      df[at] = df[at + 1] = df[at + 2] = df[at + 3] = 0;
      for (let r = 0; r < list.length; r++) {
        const slot = slotOf(list[r]);
        const to = renumber[slot];
        if (to < 0) continue;
        const packed = list[r] - slot * SLOT_UNIT;
        list[w++] = to * SLOT_UNIT + packed;
        if (packed >= 16777216) df[at]++;
        if ((packed >>> 16) & 255) df[at + 1]++;
        if ((packed >>> 8) & 255) df[at + 2]++;
        if (packed & 255) df[at + 3]++;
      }
      list.length = w;
      if (!w) {
        this.dictionary.delete(this.terms[term]);
        this.latin.delete(this.terms[term]);
      }
    }
    this.slotIds = ids;
    this.lengths = lengths;
    this.slotOfId = new Map(ids.map((id, slot) => [id, slot]));
    this.dead = 0;
    this.layout++;
  }

  private expand(spec: QueryTermSpec): Expansion {
    const terms: Expansion["terms"] = [];
    const exact = this.dictionary.get(spec.term);
    if (exact !== undefined) terms.push({ term: spec.term, weight: 1, id: exact });
    const fuzzy = spec.fuzzy > 0 ? (isLatin(spec.term) ? this.latin : this.dictionary).fuzzyGet(spec.term, spec.fuzzy) : null;
    if (spec.prefix) {
      for (const [term, id] of this.dictionary.atPrefix(spec.term)) {
        const distance = term.length - spec.term.length;
        if (!distance) continue;
        fuzzy?.delete(term); // scored as a prefix match
        terms.push({ term, weight: (WEIGHT.prefix * term.length) / (term.length + 0.3 * distance), id });
      }
    }
    if (fuzzy) {
      for (const [term, [id, distance]] of fuzzy) {
        if (!distance) continue;
        terms.push({ term, weight: (WEIGHT.fuzzy * term.length) / (term.length + distance), id });
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
  search(query: readonly QueryTermSpec[], boosts: readonly number[]): { matches: PostingsMatch[]; matchedTerms: PostingsQuery["matchedTerms"] } {
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
    const slots = this.slotIds.length;
    const live = this.slotOfId.size;
    const result = this.result(expansions, 0, new Int32Array(0), new Float64Array(0), new Float64Array(0), new Int32Array(0), new Int32Array(0));
    if (!alternatives.length || !live) return result;
    this.scratch(slots);
    const { stageFull, stageLimited, scoreFull, scoreLimited, bestFull, bestLimited, totalFull, totalLimited, maskFull, maskLimited, slotIds, lengths, lists, df } = this;
    const averages = this.lengthSums.map((sum) => sum / live || 1);
    const idf = [0, 0, 0, 0];
    for (let a = 0; a < alternatives.length; a++) {
      const terms = expansions[a];
      if (terms.length && terms.every((e) => e.terms.length)) {
        stageFull.fill(-1, 0, slots);
        stageLimited.fill(-1, 0, slots);
        scoreFull.fill(0, 0, slots);
        scoreLimited.fill(0, 0, slots);
        for (let step = 0; step < terms.length; step++) {
          const previous = step - 1;
          for (const { weight, id } of terms[step].terms) {
            const list = lists[id];
            for (let f = 0; f < FIELD_COUNT; f++) {
              const count = df[id * FIELD_COUNT + f];
              idf[f] = weight * boosts[f] * Math.log(1 + (live - count + 0.5) / (count + 0.5));
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
                stageFull[slot] = step;
                scoreFull[slot] += all;
              }
              if (titleScore > 0 && limited >= previous) {
                stageLimited[slot] = step;
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
    let count = 0;
    for (let slot = 0; slot < slots; slot++) if (maskFull[slot] || maskLimited[slot]) count++;
    const out = {
      slots: new Int32Array(count),
      full: new Float64Array(count),
      limited: new Float64Array(count),
      fullMask: new Int32Array(count),
      limitedMask: new Int32Array(count),
    };
    let i = 0;
    for (let slot = 0; slot < slots; slot++) {
      if (!maskFull[slot] && !maskLimited[slot]) continue;
      out.slots[i] = slot;
      out.full[i] = totalFull[slot];
      out.limited[i] = totalLimited[slot];
      out.fullMask[i] = maskFull[slot];
      out.limitedMask[i] = maskLimited[slot];
      i++;
    }
    return this.result(expansions, count, out.slots, out.full, out.limited, out.fullMask, out.limitedMask);
  }

  private result(
    expansions: Expansion[][],
    count: number,
    slots: Int32Array,
    full: Float64Array,
    limited: Float64Array,
    fullMask: Int32Array,
    limitedMask: Int32Array,
  ): PostingsQuery {
    const ids = Array.from(slots, (slot) => this.slotIds[slot]);
    let matches: PostingsMatch[] | null = null;
    return {
      count,
      ids,
      slots,
      full,
      limited,
      fullMask,
      limitedMask,
      get matches() {
        matches ??= Array.from(slots, (_slot, i) => ({ id: ids[i]!, full: full[i], limited: limited[i], fullMask: fullMask[i], limitedMask: limitedMask[i] }));
        return matches;
      },
      matchedTerms: (id, fields) => this.matchedTerms(expansions.flat(), id, fields),
    };
  }

  private matchedTerms(expansions: Expansion[], id: string, fields: "all" | "number-title"): string[] {
    const slot = this.slotOfId.get(id);
    if (slot === undefined) return [];
    const out: string[] = [];
    for (const { terms } of expansions) {
      for (const { term, id: termId } of terms) {
        const posting = findSlot(this.lists[termId], slot);
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
    for (let term = 0; term < this.lists.length; term++) {
      const list = this.lists[term];
      if (!list.length) continue;
      terms.push(this.terms[term]);
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
    const steps = PostingsIndex.restore(saved);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * The same, handing the event loop back (`pause`) every `every` postings, so that a large saved
   * index is read while pages and /healthz go on being answered.
   */
  static async fromSaved(saved: SavedPostings, pause: () => Promise<void>, every = 100_000): Promise<PostingsIndex> {
    const steps = PostingsIndex.restore(saved, every);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await pause();
    }
  }

  private static *restore(saved: SavedPostings, every = Infinity): Generator<void, PostingsIndex, void> {
    if (!Array.isArray(saved.ids) || !Array.isArray(saved.lengths) || !Array.isArray(saved.terms)) throw new Error("postings are missing");
    if (saved.lengths.length !== saved.ids.length * FIELD_COUNT) throw new Error("field lengths do not match the documents");
    const counts = yield* base64InSlices(saved.counts, Uint32Array, Infinity);
    const postings = yield* base64InSlices(saved.postings, Float64Array, every === Infinity ? Infinity : BASE64_SLICE);
    if (counts.length !== saved.terms.length) throw new Error("posting counts do not match the terms");
    const index = new PostingsIndex();
    index.slotIds = [...saved.ids];
    index.slotOfId = new Map(saved.ids.map((id, slot) => [id, slot]));
    index.lengths = [...saved.lengths];
    for (let slot = 0; slot < saved.ids.length; slot++) {
      for (let f = 0; f < FIELD_COUNT; f++) index.lengthSums[f] += saved.lengths[slot * FIELD_COUNT + f];
    }
    index.df = new Int32Array(Math.max(1024, saved.terms.length * FIELD_COUNT));
    const { df } = index;
    let at = 0;
    let sinceYield = 0;
    let sliceStarted = performance.now();
    for (let i = 0; i < saved.terms.length; i++) {
      const n = counts[i];
      if (at + n > postings.length) throw new Error("postings are truncated");
      sinceYield += n + 1;
      // Every `every` postings, or sooner when a stretch takes long all the same (adding a term to the
      // term trees costs more where many terms share a first character).
      if (sinceYield > every || (every !== Infinity && (i & 63) === 0 && performance.now() - sliceStarted > SLICE_MS)) {
        sinceYield = 0;
        yield;
        sliceStarted = performance.now();
      }
      const list = new Array<number>(n);
      const d = i * FIELD_COUNT;
      for (let r = 0; r < n; r++) {
        const posting = postings[at + r];
        list[r] = posting;
        if (slotOf(posting) >= saved.ids.length) throw new Error("a posting points past the documents");
        const packed = posting % SLOT_UNIT;
        if (packed >= 16777216) df[d]++;
        if ((packed >>> 16) & 255) df[d + 1]++;
        if ((packed >>> 8) & 255) df[d + 2]++;
        if (packed & 255) df[d + 3]++;
      }
      at += n;
      const term = saved.terms[i];
      index.terms.push(term);
      index.lists.push(list);
      index.idOfTerm.set(term, i);
      if (list.length) index.enlist(i);
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

/** The longest stretch of restoring between two turns of the event loop, in milliseconds. */
const SLICE_MS = 8;

/** Base64 characters decoded between two turns of the event loop (a multiple of 4: whole groups; a few milliseconds). */
const BASE64_SLICE = 256 * 1024;

/**
 * Decodes base64 text (a string, or the bytes of its ASCII text) a slice at a time, yielding after
 * each, into a typed array of its own. Text that is not base64 is refused: a character the decoder
 * would skip makes a slice come out short.
 */
function* base64InSlices<T extends Uint32Array | Float64Array>(
  text: string | Uint8Array,
  Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  slice: number,
): Generator<void, T, void> {
  if (typeof text !== "string" && !(text instanceof Uint8Array)) throw new Error("postings are missing");
  const length = text.length;
  if (length % 4) throw new Error("postings are truncated");
  const at = (i: number) => (typeof text === "string" ? text.charCodeAt(i) : text[i]);
  const padding = length ? (at(length - 1) === 61 ? 1 : 0) + (at(length - 2) === 61 ? 1 : 0) : 0;
  const size = (length / 4) * 3 - padding;
  if (size % Type.BYTES_PER_ELEMENT) throw new Error("postings are truncated");
  const out = new Uint8Array(new ArrayBuffer(size));
  let written = 0;
  const step = Math.min(slice, Math.max(4, length));
  for (let from = 0; from < length; from += step) {
    const to = Math.min(length, from + step);
    const part =
      typeof text === "string"
        ? Buffer.from(text.slice(from, to), "base64")
        : Buffer.from(Buffer.from(text.buffer, text.byteOffset + from, to - from).toString("latin1"), "base64");
    const expected = to === length ? size - written : ((to - from) / 4) * 3;
    if (part.length !== expected) throw new Error("the postings are not base64");
    out.set(part, written);
    written += part.length;
    if (to < length) yield;
  }
  return new Type(out.buffer);
}

