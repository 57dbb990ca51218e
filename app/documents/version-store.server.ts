/**
 * The version index's records, packed (decision 106): one row per version in
 * typed columns, the strings that repeat (document numbers, authors, change
 * kinds, approvers, the unchanging part of the front matter, dates) kept once
 * in a table, commit and blob ids as 20 bytes each. Records are made into
 * objects when asked for; the latest version of every document stays made,
 * and a few hundred documents' histories are kept made for the pages that ask
 * again.
 *
 * `toPacked`/`fromPacked` give a compact JSON form (flat arrays of numbers and
 * one hex string per id column) that parses in one pass without an object per
 * version.
 */
import type { DocumentMeta } from "./front-matter";

export type ChangeKind = "new" | "minor" | "major" | "retire" | "restore";

export interface VersionRecord {
  number: string;
  version: number;
  commit: string;
  blob: string;
  /** ISO time of the commit. */
  date: string;
  authorName: string;
  authorEmail: string;
  summary: string;
  change: ChangeKind;
  proposal?: string;
  approvedBy: string[];
  meta: DocumentMeta;
}

/** Integer columns per row, in this order. */
const COLS = ["number", "version", "authorName", "authorEmail", "change", "proposal", "approvedBy", "metaRest", "effective", "nextReview", "date"] as const;
const C = Object.fromEntries(COLS.map((c, i) => [c, i])) as Record<(typeof COLS)[number], number>;
const WIDTH = COLS.length;
const NONE = -1;
const HEX = /^[0-9a-f]{40}$/;

export interface PackedVersions {
  format: "regula-versions-1";
  head: string | null;
  strings: string[];
  /** WIDTH integers per row; dates as an index into `strings` when not a whole second/millisecond ISO time. */
  rows: number[];
  /** Milliseconds of each row's date (NaN written as null when the date is kept as a string). */
  dates: (number | null)[];
  summaries: string[];
  /** 40 hex characters per row. */
  commits: string;
  blobs: string;
  /** Main-line commits that are not versions (configuration, moves). */
  otherCommits: string[];
}

export class VersionStore {
  head: string | null = null;
  private strings: string[] = [];
  private stringIds = new Map<string, number>();
  private cols = new Int32Array(WIDTH * 1024);
  private dateMs = new Float64Array(1024);
  private summaries: string[] = [];
  private ids = new Uint8Array(40 * 1024);
  private rows = 0;
  /** Row numbers per document (by its number's string id), oldest version first. */
  private byNumber = new Map<number, number[]>();
  /** Rows by the first 7 hex digits of their commit (a small integer); more than one row on a collision. */
  private byCommit = new Map<number, number | number[]>();
  private otherCommits = new Set<string>();
  private metaRests: (Omit<DocumentMeta, "effectiveDate" | "nextReviewDate"> | undefined)[] = [];
  private latest = new Map<number, VersionRecord>();
  private made = new Map<number, VersionRecord[]>();
  private static readonly MADE_LIMIT = 400;

  get size() {
    return this.rows;
  }

  /** How many commits of the main line the store knows (versions and others). */
  get commitCount() {
    return this.rows + this.otherCommits.size;
  }

  private intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private grow() {
    if (this.rows < this.dateMs.length) return;
    const n = this.dateMs.length * 2;
    const cols = new Int32Array(WIDTH * n);
    cols.set(this.cols);
    this.cols = cols;
    const dates = new Float64Array(n);
    dates.set(this.dateMs);
    this.dateMs = dates;
    const ids = new Uint8Array(40 * n);
    ids.set(this.ids);
    this.ids = ids;
  }

  private static commitKey(oid: string): number {
    return parseInt(oid.slice(0, 7), 16);
  }

  private writeId(row: number, slot: 0 | 1, oid: string) {
    const at = row * 40 + slot * 20;
    for (let i = 0; i < 20; i++) this.ids[at + i] = parseInt(oid.slice(i * 2, i * 2 + 2), 16);
  }

  private readId(row: number, slot: 0 | 1): string {
    const at = row * 40 + slot * 20;
    return Buffer.from(this.ids.buffer, this.ids.byteOffset + at, 20).toString("hex");
  }

  /** True when the commit is on the main line as the store knows it. */
  hasCommit(oid: string): boolean {
    if (this.otherCommits.has(oid)) return true;
    if (!HEX.test(oid)) return false;
    const hit = this.byCommit.get(VersionStore.commitKey(oid));
    if (hit === undefined) return false;
    for (const row of Array.isArray(hit) ? hit : [hit]) if (this.readId(row, 0) === oid) return true;
    return false;
  }

  /** A main-line commit that is not a version. */
  addOtherCommit(oid: string) {
    this.otherCommits.add(oid);
  }

  add(r: VersionRecord) {
    if (!HEX.test(r.commit) || !HEX.test(r.blob)) throw new Error(`Version ${r.number} v${r.version}: commit and blob must be 40 hex digits`);
    this.grow();
    const row = this.rows++;
    const base = row * WIDTH;
    const { effectiveDate, nextReviewDate, ...rest } = r.meta;
    const numberId = this.intern(r.number);
    const restId = this.intern(JSON.stringify(rest));
    const ms = Date.parse(r.date);
    const exact = Number.isFinite(ms) && new Date(ms).toISOString() === r.date;
    this.cols[base + C.number] = numberId;
    this.cols[base + C.version] = r.version;
    this.cols[base + C.authorName] = this.intern(r.authorName);
    this.cols[base + C.authorEmail] = this.intern(r.authorEmail);
    this.cols[base + C.change] = this.intern(r.change);
    this.cols[base + C.proposal] = r.proposal === undefined ? NONE : this.intern(r.proposal);
    this.cols[base + C.approvedBy] = this.intern(JSON.stringify(r.approvedBy));
    this.cols[base + C.metaRest] = restId;
    this.cols[base + C.effective] = effectiveDate === undefined ? NONE : this.intern(effectiveDate);
    this.cols[base + C.nextReview] = nextReviewDate === undefined ? NONE : this.intern(nextReviewDate);
    this.cols[base + C.date] = exact ? NONE : this.intern(r.date);
    this.dateMs[row] = exact ? ms : 0;
    this.summaries[row] = r.summary;
    this.writeId(row, 0, r.commit);
    this.writeId(row, 1, r.blob);
    const key = VersionStore.commitKey(r.commit);
    const had = this.byCommit.get(key);
    this.byCommit.set(key, had === undefined ? row : Array.isArray(had) ? [...had, row] : [had, row]);
    const list = this.byNumber.get(numberId);
    if (!list) this.byNumber.set(numberId, [row]);
    else {
      list.push(row);
      // Versions arrive in commit order; keep them by version should one ever come late.
      if (list.length > 1 && this.cols[list[list.length - 2] * WIDTH + C.version] > r.version) {
        list.sort((a, b) => this.cols[a * WIDTH + C.version] - this.cols[b * WIDTH + C.version]);
      }
    }
    this.latest.delete(numberId);
    this.made.delete(numberId);
  }

  private metaRest(id: number) {
    let rest = this.metaRests[id];
    if (!rest) {
      rest = JSON.parse(this.strings[id]) as Omit<DocumentMeta, "effectiveDate" | "nextReviewDate">;
      this.metaRests[id] = rest;
    }
    return rest;
  }

  private make(row: number): VersionRecord {
    const base = row * WIDTH;
    const s = this.strings;
    const at = (col: number) => this.cols[base + col];
    const meta: DocumentMeta = { ...this.metaRest(at(C.metaRest)) };
    if (meta.audienceDepartments) meta.audienceDepartments = [...meta.audienceDepartments];
    if (at(C.effective) !== NONE) meta.effectiveDate = s[at(C.effective)];
    if (at(C.nextReview) !== NONE) meta.nextReviewDate = s[at(C.nextReview)];
    const record: VersionRecord = {
      number: s[at(C.number)],
      version: at(C.version),
      commit: this.readId(row, 0),
      blob: this.readId(row, 1),
      date: at(C.date) === NONE ? new Date(this.dateMs[row]).toISOString() : s[at(C.date)],
      authorName: s[at(C.authorName)],
      authorEmail: s[at(C.authorEmail)],
      summary: this.summaries[row],
      change: s[at(C.change)] as ChangeKind,
      approvedBy: JSON.parse(s[at(C.approvedBy)]) as string[],
      meta,
    };
    if (at(C.proposal) !== NONE) record.proposal = s[at(C.proposal)];
    return record;
  }

  /** Every version of a document, oldest first. */
  versionsOf(number: string): readonly VersionRecord[] {
    const id = this.stringIds.get(number);
    const rows = id === undefined ? undefined : this.byNumber.get(id);
    if (!rows) return [];
    let list = this.made.get(id!);
    if (list) {
      // Most recently asked for last: the oldest leave first.
      this.made.delete(id!);
      this.made.set(id!, list);
      return list;
    }
    list = rows.map((row, i) => (i === rows.length - 1 ? this.latestOf(id!, row) : this.make(row)));
    this.made.set(id!, list);
    if (this.made.size > VersionStore.MADE_LIMIT) this.made.delete(this.made.keys().next().value!);
    return list;
  }

  private latestOf(id: number, row: number): VersionRecord {
    let r = this.latest.get(id);
    if (!r) {
      r = this.make(row);
      this.latest.set(id, r);
    }
    return r;
  }

  latestVersion(number: string): VersionRecord | undefined {
    const id = this.stringIds.get(number);
    const rows = id === undefined ? undefined : this.byNumber.get(id);
    if (!rows) return undefined;
    return this.latestOf(id!, rows[rows.length - 1]);
  }

  numbers(): string[] {
    return [...this.byNumber.keys()].map((id) => this.strings[id]);
  }

  allLatest(): VersionRecord[] {
    const out: VersionRecord[] = [];
    for (const [id, rows] of this.byNumber) out.push(this.latestOf(id, rows[rows.length - 1]));
    return out;
  }

  /** Version records newest first, as many as `limit` that pass the filter. */
  recent(limit: number, filter: (r: VersionRecord) => boolean): VersionRecord[] {
    const out: VersionRecord[] = [];
    for (let row = this.rows - 1; row >= 0 && out.length < limit; row--) {
      const id = this.cols[row * WIDTH + C.number];
      const rows = this.byNumber.get(id)!;
      const r = rows[rows.length - 1] === row ? this.latestOf(id, row) : this.make(row);
      if (filter(r)) out.push(r);
    }
    return out;
  }

  /** Every record in commit order (oldest first), made one at a time. */
  *timeline(): Generator<VersionRecord> {
    for (let row = 0; row < this.rows; row++) yield this.make(row);
  }

  toPacked(): PackedVersions {
    const n = this.rows;
    const dates: (number | null)[] = new Array(n);
    for (let row = 0; row < n; row++) dates[row] = this.cols[row * WIDTH + C.date] === NONE ? this.dateMs[row] : null;
    const commits: string[] = new Array(n);
    const blobs: string[] = new Array(n);
    for (let row = 0; row < n; row++) {
      commits[row] = this.readId(row, 0);
      blobs[row] = this.readId(row, 1);
    }
    return {
      format: "regula-versions-1",
      head: this.head,
      strings: this.strings,
      rows: Array.from(this.cols.subarray(0, n * WIDTH)),
      dates,
      summaries: this.summaries.slice(0, n),
      commits: commits.join(""),
      blobs: blobs.join(""),
      otherCommits: [...this.otherCommits],
    };
  }

  /** The store a packed form describes; throws when the form is not one this code wrote. */
  static fromPacked(p: PackedVersions): VersionStore {
    const n = p.summaries?.length;
    if (
      p.format !== "regula-versions-1" ||
      !Array.isArray(p.strings) ||
      !Array.isArray(p.rows) ||
      p.rows.length !== n * WIDTH ||
      p.dates?.length !== n ||
      p.commits?.length !== n * 40 ||
      p.blobs?.length !== n * 40
    ) {
      throw new Error("Not a packed version index");
    }
    const s = new VersionStore();
    s.head = p.head;
    s.strings = p.strings;
    p.strings.forEach((str, i) => s.stringIds.set(str, i));
    const size = Math.max(1024, n);
    s.cols = new Int32Array(WIDTH * size);
    s.cols.set(p.rows);
    s.dateMs = new Float64Array(size);
    s.ids = new Uint8Array(40 * size);
    for (let row = 0; row < n; row++) {
      s.dateMs[row] = p.dates[row] ?? 0;
      const commit = p.commits.slice(row * 40, row * 40 + 40);
      s.writeId(row, 0, commit);
      s.writeId(row, 1, p.blobs.slice(row * 40, row * 40 + 40));
      const key = VersionStore.commitKey(commit);
      const had = s.byCommit.get(key);
      s.byCommit.set(key, had === undefined ? row : Array.isArray(had) ? [...had, row] : [had, row]);
      const id = p.rows[row * WIDTH + C.number];
      const list = s.byNumber.get(id);
      if (list) list.push(row);
      else s.byNumber.set(id, [row]);
    }
    for (const list of s.byNumber.values()) {
      if (list.some((row, i) => i > 0 && p.rows[list[i - 1] * WIDTH + C.version] > p.rows[row * WIDTH + C.version])) {
        list.sort((a, b) => p.rows[a * WIDTH + C.version] - p.rows[b * WIDTH + C.version]);
      }
    }
    s.summaries = p.summaries;
    s.rows = n;
    for (const oid of p.otherCommits ?? []) s.otherCommits.add(oid);
    return s;
  }
}
