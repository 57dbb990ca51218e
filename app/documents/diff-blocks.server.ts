/**
 * The formatted diff ("what the reader sees"): two versions of a markdown
 * document compared block by block (headings, paragraphs, list items,
 * tables), rendered the way the document is read, with insertions and
 * deletions marked inside the rendered blocks.
 *
 * Pairing (docs/decisions/078-formatted-diff.md):
 * 1. Blocks are matched on their text without numbering (第四十三条, (五),
 *    "3.2", list markers), so an article that only moved up one number is
 *    matched, and shown as "renumbered", not as rewritten.
 * 2. A removed block whose text appears as an added block elsewhere is
 *    "moved" (shown at its new place; a stub at the old one links to it).
 * 3. The remaining removed and added blocks between the same matched blocks
 *    are paired by similarity, in order; a pair is "changed" (word marks)
 *    only when enough of its words survive, otherwise a deletion and an
 *    insertion. Tables are compared row by row and cell by cell.
 * 4. Blocks are grouped into units (an article 第…条 or a heading's section)
 *    for the change summary, which links to each unit.
 * Unchanged and renumbered-only stretches are folded; a fold is expanded by
 * `?expand=N` (no JavaScript) or fetched on demand.
 */
import { DIFF_DEFAULTS, MIN_BIGRAM_SIMILARITY, MIN_SIMILARITY, quickSimilarity, similarity, wordSegments, type DiffSegment, type WordSides } from "./diff.server";
import { DIFF_MARK_CHARS, DIFF_MARKS, inlineDiffMarkdown, renderDiffMarkdown, sanitizeDiffHtml } from "./render.server";
import { alignBySimilarity, bigrams, Interner, matchSequences, type Profile } from "./sequence-diff.server";

// ---- blocks -------------------------------------------------------------------------

export type BlockKind = "heading" | "paragraph" | "item" | "table" | "code" | "quote" | "rule";

interface ParsedTable {
  head: string[];
  separator: string;
  rows: string[][];
}

export interface Block {
  kind: BlockKind;
  /** Markdown source of the block. */
  raw: string;
  /** What blocks are matched on: the text without its numbering, spaces collapsed. */
  key: string;
  /** Article number (第四十三条), item number ((五)) or heading text. */
  label?: string;
  /** Index of the unit (article or heading section) the block belongs to; -1 before the first. */
  unit: number;
  table?: ParsedTable;
}

export interface Unit {
  label: string;
  /** Index of the block that starts it. */
  start: number;
  /** Number parsed from the label (第四十三条 → 43), for renumbering ranges. */
  ordinal?: number;
}

const NUM = "零〇一二三四五六七八九十百千两0-9０-９";
const ARTICLE = new RegExp(`^(?:\\*\\*)?(第[${NUM}]+条)(?:\\*\\*)?[ \\t\\u3000]*`);
const ARTICLE_EN = /^(?:\*\*)?((?:Article|Section|Clause)\s+\d+(?:\.\d+)*)\.?(?:\*\*)?\s*/i;
const ITEM_NO = new RegExp(`^[（(]([${NUM}]+)[）)][ \\t\\u3000]*`);
const HEADING_NO = new RegExp(`^(?:第[${NUM}]+[章节编部分篇]+|\\d+(?:\\.\\d+)*\\.?(?=[\\s\\u3000])|[IVXLC]+\\.(?=\\s)|(?:Chapter|Part|Section|Article)\\s+[\\dIVXLC]+(?:\\.\\d+)*:?)[ \\t\\u3000]*`, "i");
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])( +|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+|$)/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function startsBlock(line: string, next: string | undefined): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || /^ {0,3}>/.test(line) || LIST_ITEM.test(line) || (line.includes("|") && next !== undefined && TABLE_SEPARATOR.test(next));
}

/** Splits markdown into blocks the way a reader sees them (paragraphs, headings, each list item, tables, code). */
export function splitBlocks(text: string): { blocks: Block[]; units: Unit[] } {
  const lines = text.replace(/\r\n?/g, "\n").replace(DIFF_MARK_CHARS, "").split("\n");
  const blocks: Block[] = [];
  const units: Unit[] = [];
  const push = (kind: BlockKind, raw: string, table?: ParsedTable) => {
    const { key, label } = describe(kind, raw);
    const startsUnit = kind === "heading" || (kind === "paragraph" && label !== undefined && !ITEM_NO.test(raw));
    if (startsUnit) units.push({ label: label ?? raw.slice(0, 60), start: blocks.length, ordinal: ordinalOf(label) });
    blocks.push({ kind, raw, key, label, unit: units.length - 1, table });
  };
  const blank = (l: string | undefined) => l === undefined || /^\s*$/.test(l);
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const close = new RegExp(`^ {0,3}${fence[1][0] === "`" ? "`" : "~"}{${fence[1].length},}\\s*$`);
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j])) j++;
      push("code", lines.slice(i, Math.min(j + 1, lines.length)).join("\n"));
      i = j + 1;
      continue;
    }
    if (HEADING.test(line)) {
      push("heading", line);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      push("rule", line);
      i++;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1])) {
      let j = i + 2;
      while (j < lines.length && !blank(lines[j]) && lines[j].includes("|")) j++;
      const raw = lines.slice(i, j).join("\n");
      push("table", raw, parseTable(lines.slice(i, j)));
      i = j;
      continue;
    }
    let j = i + 1;
    if (/^ {0,3}>/.test(line)) {
      while (j < lines.length && !blank(lines[j]) && !(startsBlock(lines[j], lines[j + 1]) && !/^ {0,3}>/.test(lines[j]))) j++;
      push("quote", lines.slice(i, j).join("\n"));
    } else if (LIST_ITEM.test(line)) {
      while (j < lines.length && !blank(lines[j]) && !startsBlock(lines[j], lines[j + 1])) j++;
      push("item", lines.slice(i, j).join("\n"));
    } else {
      while (j < lines.length && !blank(lines[j]) && !startsBlock(lines[j], lines[j + 1])) j++;
      push("paragraph", lines.slice(i, j).join("\n"));
    }
    i = j;
  }
  return { blocks, units };
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim());
}

function parseTable(lines: string[]): ParsedTable {
  return { head: splitRow(lines[0]), separator: lines[1], rows: lines.slice(2).map(splitRow) };
}

function describe(kind: BlockKind, raw: string): { key: string; label?: string } {
  let text = raw;
  let label: string | undefined;
  if (kind === "heading") {
    text = text.replace(HEADING, "").replace(/[ \t]+#+[ \t]*$/, "");
    label = text.replace(/[*_`]/g, "").trim().slice(0, 60);
    text = text.replace(HEADING_NO, "");
  } else if (kind === "paragraph" || kind === "item") {
    if (kind === "item") text = text.replace(LIST_ITEM, "");
    const article = ARTICLE.exec(text) ?? ARTICLE_EN.exec(text);
    const item = ITEM_NO.exec(text);
    if (article) {
      label = article[1];
      text = text.slice(article[0].length);
    } else if (item) {
      label = `（${item[1]}）`;
      text = text.slice(item[0].length);
    }
  }
  const key = text.replace(/\s+/g, " ").trim();
  return { key: `${kind[0]}:${key || raw}`, label };
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 四十三 → 43, 一百零五 → 105, 12 → 12; undefined if not a number. */
export function parseNumeral(text: string): number | undefined {
  const t = text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (/^\d+$/.test(t)) return Number(t);
  let total = 0;
  let digit = 0;
  for (const ch of t) {
    if (ch in CN_DIGITS) digit = CN_DIGITS[ch];
    else if (ch in CN_UNITS) {
      total += (digit || 1) * CN_UNITS[ch];
      digit = 0;
    } else return undefined;
  }
  return total + digit;
}

const ARTICLE_LABEL = new RegExp(`^第([${NUM}]+)条$`);
function ordinalOf(label: string | undefined): number | undefined {
  if (!label) return undefined;
  const m = ARTICLE_LABEL.exec(label) ?? /^(?:Article|Section|Clause)\s+(\d+)$/i.exec(label);
  return m ? parseNumeral(m[1]) : undefined;
}

// ---- comparison -----------------------------------------------------------------------

export type OpKind = "same" | "renum" | "changed" | "add" | "del" | "movedFrom" | "movedTo";

export interface TableRowDiff {
  kind: "same" | "changed" | "add" | "del";
  /** One entry per cell: merged word segments (deletions before insertions). */
  cells: DiffSegment[][];
}

export interface Op {
  kind: OpKind;
  /** Index of the old block (same, renum, changed, del, moved*). */
  a?: number;
  /** Index of the new block (same, renum, changed, add, moved*). */
  b?: number;
  /** Word marks (changed, renum). */
  words?: WordSides;
  /** Cell-by-cell comparison of a changed table. */
  table?: { head: DiffSegment[][]; rows: TableRowDiff[] };
}

export type ChangeKind = "added" | "removed" | "changed" | "moved" | "renumbered";
export const CHANGE_KINDS: ChangeKind[] = ["added", "removed", "changed", "moved", "renumbered"];

export interface ChangeEntry {
  kind: ChangeKind;
  /** The unit's label in the new version (old version for removed). */
  label: string;
  /** The old label, when it differs (renumbered, moved). */
  from?: string;
  /** How many consecutive units a renumbered range covers. */
  count?: number;
  /** Fragment id in the formatted diff (without #). */
  anchor: string;
}

export interface ChangeSummary {
  counts: Record<ChangeKind, number>;
  entries: ChangeEntry[];
}

export interface BlockComparison {
  old: Block[];
  new: Block[];
  oldUnits: Unit[];
  newUnits: Unit[];
  ops: Op[];
  /** Unit changes in new-document order (anchors filled by the formatter). */
  unitChanges: { kind: ChangeKind; oldUnit?: number; newUnit?: number }[];
}

/** Shortest key text (without the kind prefix) that can count as a move: shorter blocks repeat too often. */
const MIN_MOVE_KEY = 12;

/** Compares two markdown texts block by block (see the file comment). */
export function compareBlocks(oldText: string, newText: string): BlockComparison {
  const A = splitBlocks(oldText);
  const B = splitBlocks(newText);
  const a = A.blocks;
  const b = B.blocks;
  const interner = new Interner();
  const matches = matchSequences(a.map((x) => interner.id(x.key)), b.map((x) => interner.id(x.key)));

  // Stretches between matched blocks.
  type Gap = { dels: number[]; adds: number[]; after: number };
  const gaps: Gap[] = [];
  let pa = 0;
  let pb = 0;
  matches.forEach(([ma, mb], k) => {
    if (ma > pa || mb > pb) gaps.push({ dels: range(pa, ma), adds: range(pb, mb), after: k - 1 });
    pa = ma + 1;
    pb = mb + 1;
  });
  if (pa < a.length || pb < b.length) gaps.push({ dels: range(pa, a.length), adds: range(pb, b.length), after: matches.length - 1 });

  // Moves: a text that occurs once in each version, removed in one place and
  // added in another. Texts that recur (a common list item) are not moves.
  const occurrences = (blocks: Block[]) => {
    const n = new Map<string, number>();
    for (const x of blocks) n.set(x.key, (n.get(x.key) ?? 0) + 1);
    return n;
  };
  const inOld = occurrences(a);
  const inNew = occurrences(b);
  const addedByKey = new Map<string, number>();
  for (const g of gaps) for (const j of g.adds) if (b[j].key.length - 2 >= MIN_MOVE_KEY && inNew.get(b[j].key) === 1 && inOld.get(b[j].key) === 1) addedByKey.set(b[j].key, j);
  const movedTo = new Map<number, number>(); // old → new
  const movedFrom = new Map<number, number>(); // new → old
  for (const g of gaps) {
    for (const i of g.dels) {
      const j = addedByKey.get(a[i].key);
      if (j !== undefined) {
        movedTo.set(i, j);
        movedFrom.set(j, i);
      }
    }
  }

  const profiles = new Map<string, Profile>();
  const profile = (text: string) => {
    let p = profiles.get(text);
    if (!p) profiles.set(text, (p = bigrams(text)));
    return p;
  };
  const gapOps = (g: Gap): Op[] => {
    const dels = g.dels.filter((i) => !movedTo.has(i));
    const adds = g.adds.filter((j) => !movedFrom.has(j));
    const score = (x: number, y: number) => {
      const p = a[dels[x]];
      const q = b[adds[y]];
      if (p.kind !== q.kind) return 0;
      const s = quickSimilarity(p.key, q.key, profile);
      return p.kind === "table" ? Math.max(s, sameHeader(p, q) ? 1 : 0) : s;
    };
    const candidates = alignBySimilarity(dels.length, adds.length, score, MIN_BIGRAM_SIMILARITY);
    const pairs: Op[] = [];
    for (const [x, y] of candidates) {
      const p = a[dels[x]];
      const q = b[adds[y]];
      if (p.kind === "table") {
        pairs.push({ kind: "changed", a: dels[x], b: adds[y], table: diffTables(p.table!, q.table!) });
        continue;
      }
      const words = wordSegments(p.raw, q.raw);
      if (words && similarity(words.old, words.new) >= MIN_SIMILARITY) pairs.push({ kind: "changed", a: dels[x], b: adds[y], words });
    }
    // In order: for each pair, the unpaired blocks before it (old first), then the pair.
    const out: Op[] = [];
    let di = 0;
    let ai = 0;
    const flushTo = (aLimit: number, bLimit: number) => {
      while (di < g.dels.length && g.dels[di] < aLimit) {
        const i = g.dels[di++];
        out.push(movedTo.has(i) ? { kind: "movedFrom", a: i, b: movedTo.get(i) } : { kind: "del", a: i });
      }
      while (ai < g.adds.length && g.adds[ai] < bLimit) {
        const j = g.adds[ai++];
        out.push(movedFrom.has(j) ? { kind: "movedTo", a: movedFrom.get(j), b: j } : { kind: "add", b: j });
      }
    };
    for (const op of pairs) {
      flushTo(op.a!, op.b!);
      out.push(op);
      di++;
      ai++;
    }
    flushTo(Infinity, Infinity);
    return out;
  };

  const ops: Op[] = [];
  let gi = 0;
  for (let k = -1; k < matches.length; k++) {
    if (k >= 0) {
      const [i, j] = matches[k];
      if (a[i].raw === b[j].raw) ops.push({ kind: "same", a: i, b: j });
      else if (a[i].kind === "table") ops.push({ kind: "changed", a: i, b: j, table: diffTables(a[i].table!, b[j].table!) });
      else if (a[i].label !== b[j].label) ops.push({ kind: "renum", a: i, b: j }); // word marks computed when shown
      else ops.push({ kind: "changed", a: i, b: j, words: wordSegments(a[i].raw, b[j].raw) });
    }
    while (gi < gaps.length && gaps[gi].after === k) ops.push(...gapOps(gaps[gi++]));
  }

  return { old: a, new: b, oldUnits: A.units, newUnits: B.units, ops, unitChanges: unitChanges(a, b, A.units, B.units, ops) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

function sameHeader(p: Block, q: Block): boolean {
  return p.table!.head.join("|") === q.table!.head.join("|");
}

/** A table row kept, added or removed as a whole: every cell one segment of that kind. */
function wholeRow(cells: string[], kind: "same" | "add" | "del"): TableRowDiff {
  return { kind, cells: cells.map((text) => [{ text, kind }]) };
}

/** Row by row (matched, then paired by similarity), cell by cell. */
function diffTables(x: ParsedTable, y: ParsedTable): { head: DiffSegment[][]; rows: TableRowDiff[] } {
  const cellDiff = (p: string | undefined, q: string | undefined): DiffSegment[] => {
    if (p === q) return [{ text: p ?? "", kind: "same" }];
    if (p === undefined || p === "") return [{ text: q ?? "", kind: "add" }];
    if (q === undefined || q === "") return [{ text: p, kind: "del" }];
    return wordSegments(p, q)?.merged ?? [{ text: p, kind: "del" }, { text: q, kind: "add" }];
  };
  const rowDiff = (p: string[], q: string[]): DiffSegment[][] => Array.from({ length: Math.max(p.length, q.length) }, (_, c) => cellDiff(p[c], q[c]));
  const interner = new Interner();
  const keys = (rows: string[][]) => rows.map((r) => interner.id(r.join("\u0000")));
  const matches = matchSequences(keys(x.rows), keys(y.rows));
  const rows: TableRowDiff[] = [];
  let pa = 0;
  let pb = 0;
  const emitGap = (a0: number, a1: number, b0: number, b1: number) => {
    const dels = x.rows.slice(a0, a1).map((r) => r.join(" "));
    const adds = y.rows.slice(b0, b1).map((r) => r.join(" "));
    const pairs = alignBySimilarity(dels.length, adds.length, (i, j) => quickSimilarity(dels[i], adds[j], bigrams), 0.5);
    let i = 0;
    let j = 0;
    const flush = (ia: number, jb: number) => {
      while (i < ia) rows.push(wholeRow(x.rows[a0 + i++], "del"));
      while (j < jb) rows.push(wholeRow(y.rows[b0 + j++], "add"));
    };
    for (const [pi, pj] of pairs) {
      flush(pi, pj);
      rows.push({ kind: "changed", cells: rowDiff(x.rows[a0 + pi], y.rows[b0 + pj]) });
      i++;
      j++;
    }
    flush(a1 - a0, b1 - b0);
  };
  for (const [ma, mb] of matches) {
    if (ma > pa || mb > pb) emitGap(pa, ma, pb, mb);
    rows.push(wholeRow(x.rows[ma], "same"));
    pa = ma + 1;
    pb = mb + 1;
  }
  if (pa < x.rows.length || pb < y.rows.length) emitGap(pa, x.rows.length, pb, y.rows.length);
  return { head: rowDiff(x.head, y.head), rows };
}

/** What happened to each article or section, in new-document order (removed ones where they stood). */
function unitChanges(a: Block[], b: Block[], oldUnits: Unit[], newUnits: Unit[], ops: Op[]): BlockComparison["unitChanges"] {
  const touchedOld = new Set<number>();
  const touchedNew = new Set<number>();
  const newOfOld = new Map<number, number>();
  const oldOfNew = new Map<number, number>();
  const movedNew = new Set<number>();
  // Which new unit the most blocks of an old unit went to.
  const votes = new Map<number, Map<number, number>>();
  for (const op of ops) {
    const ua = op.a !== undefined ? a[op.a].unit : -1;
    const ub = op.b !== undefined ? b[op.b].unit : -1;
    const edit = op.kind !== "same" && op.kind !== "renum";
    if (edit && op.kind !== "movedFrom" && op.kind !== "movedTo") {
      if (ua >= 0) touchedOld.add(ua);
      if (ub >= 0) touchedNew.add(ub);
    }
    if (op.a !== undefined && op.b !== undefined && ua >= 0 && ub >= 0) {
      if (oldUnits[ua].start === op.a && newUnits[ub].start === op.b) {
        newOfOld.set(ua, ub);
        oldOfNew.set(ub, ua);
        if (op.kind === "movedTo") movedNew.add(ub);
        if (op.kind === "changed") {
          touchedOld.add(ua);
          touchedNew.add(ub);
        }
      }
      const v = votes.get(ua) ?? votes.set(ua, new Map()).get(ua)!;
      v.set(ub, (v.get(ub) ?? 0) + 1);
    }
  }
  // An article whose first paragraph was rewritten keeps its other paragraphs: still the same article.
  const unitSize = new Map<number, number>();
  for (const x of a) unitSize.set(x.unit, (unitSize.get(x.unit) ?? 0) + 1);
  for (const [ua, v] of votes) {
    if (newOfOld.has(ua)) continue;
    const [ub, count] = [...v].sort((x, y) => y[1] - x[1])[0] ?? [];
    // Most of the unit's other blocks must have gone to the same new unit.
    if (ub !== undefined && !oldOfNew.has(ub) && count * 2 > (unitSize.get(ua) ?? 0) - 1) {
      newOfOld.set(ua, ub);
      oldOfNew.set(ub, ua);
      touchedOld.add(ua);
      touchedNew.add(ub);
    }
  }
  const out: BlockComparison["unitChanges"] = [];
  // Removed units are listed before the next new unit that follows them in the old order.
  const removed = oldUnits.map((_, u) => u).filter((u) => !newOfOld.has(u));
  let r = 0;
  for (let ub = 0; ub < newUnits.length; ub++) {
    const ua = oldOfNew.get(ub);
    if (ua !== undefined) {
      while (r < removed.length && removed[r] < ua) out.push({ kind: "removed", oldUnit: removed[r++] });
    }
    if (ua === undefined) out.push({ kind: "added", newUnit: ub });
    else if (movedNew.has(ub)) out.push({ kind: "moved", oldUnit: ua, newUnit: ub });
    else if (touchedOld.has(ua) || touchedNew.has(ub)) out.push({ kind: "changed", oldUnit: ua, newUnit: ub });
    else if (oldUnits[ua].label !== newUnits[ub].label) out.push({ kind: "renumbered", oldUnit: ua, newUnit: ub });
  }
  while (r < removed.length) out.push({ kind: "removed", oldUnit: removed[r++] });
  return out;
}

// ---- the formatted diff -----------------------------------------------------------------

export type FormattedItem =
  | {
      kind: Exclude<OpKind, never>;
      /** Sanitised HTML of the block with <ins class="fd-i">/<del class="fd-d"> marks ("" for a moved-from stub). */
      html: string;
      /** Fragment id (summary links land here). */
      id?: string;
      /** Unit the block belongs to, when the block does not start it (where the change is). */
      where?: string;
      /** Old label (renumbered, moved). */
      from?: string;
      /** New label (renumbered, moved). */
      to?: string;
      /** For a moved-from stub: the id of the moved block. */
      ref?: string;
    }
  | { kind: "fold"; fold: number; id?: string; same?: number; renum?: number; add?: number; del?: number; changed?: number; moved?: number; first?: string; last?: string };

export type FormattedDiff =
  | { tooLarge: true; reason: string }
  | { tooLarge: false; identical: boolean; summary: ChangeSummary; items: FormattedItem[]; folds: number };

export interface FormatOptions {
  /** Folds to show expanded (no-JavaScript "show" links). */
  expand?: number[];
  /**
   * Where each side's `attachments/<name>` images and links are served from (e.g. "/docs/EXE-003/v/4/",
   * "/proposals/P-0007/"): removed blocks use the old side's, every other block the new side's. Without
   * it they stay relative, which the diff's own address would resolve to nothing.
   */
  attachmentBases?: { old?: string; new?: string };
}

const ATTACHMENT_REF = /(\s(?:src|href)=")attachments\//g;
const DELETED_RUN = /(<del class="fd-d">[\s\S]*?<\/del>)/;

/** Points a rendered block's relative attachment images and links at the side they show: struck-through text at the old side's. */
/** A rendered page with its attachment addresses pointed at each side's files (the cached page stays relative). */
function based(page: FormattedDiff, bases: FormatOptions["attachmentBases"]): FormattedDiff {
  return bases && !page.tooLarge ? { ...page, items: withAttachmentBases(page.items, bases) } : page;
}

function withAttachmentBases(items: FormattedItem[], bases: FormatOptions["attachmentBases"]): FormattedItem[] {
  if (!bases) return items;
  const point = (html: string, base: string | undefined) => (base ? html.replace(ATTACHMENT_REF, `$1${base}attachments/`) : html);
  return items.map((item) => {
    if (item.kind === "fold" || !item.html.includes("attachments/")) return item;
    if (item.kind === "del" || item.kind === "movedFrom") return { ...item, html: point(item.html, bases.old) };
    const html = item.html
      .split(DELETED_RUN)
      .map((part) => point(part, part.startsWith('<del class="fd-d">') ? bases.old : bases.new))
      .join("");
    return { ...item, html };
  });
}

const LINK_TARGET = /\]\(\s*<?([^)\s>]+)/g;
/** Whether two versions of a block link to or show different targets (a word diff would cut through the address). */
function targetsDiffer(a: string, b: string): boolean {
  const targets = (s: string) => [...s.matchAll(LINK_TARGET)].map((m) => m[1]).join("\n");
  return targets(a) !== targets(b);
}

/** A stretch of added or removed blocks longer than this shows its first SHOW_OF_LONG_RUN blocks, the rest on demand. */
const LONG_RUN = 8;
const SHOW_OF_LONG_RUN = 5;
/** An unchanged stretch this short (one block, few characters) is shown rather than folded. */
const SHOW_SHORT_SAME = 80;
/**
 * Characters of changed text the page shows before the rest of the changes
 * are folded into stretches loaded on demand (each about MORE_CHUNK
 * characters): a heavily amended law keeps a page a phone can load, and the
 * first screens, with the summary that links into every fold, come at once.
 */
const PAGE_BUDGET = 14_000;
const MORE_CHUNK = 8_000;

/**
 * A shown op, or a fold with its number (its element id is fd-f<number>).
 * An unchanged stretch or the tail of a long insertion folds its ops; a
 * stretch of further changes past the page budget folds pieces, which may
 * hold unchanged folds of their own (numbered after it, in document order).
 */
type Piece = { op: Op } | { fold: number; ops: Op[]; pieces?: Piece[]; parent?: number };

/** What one op puts on the page, in characters of source (for the page budget). */
function shownSize(c: BlockComparison, op: Op): number {
  if (op.kind === "movedFrom") return 20;
  if (op.kind === "del") return c.old[op.a!].raw.length;
  return c.new[op.b!].raw.length + (op.kind === "changed" ? Math.round(c.old[op.a!].raw.length / 4) : 0);
}

/** Splits ops into shown ops and folds (unchanged/renumbered stretches, the tail of long insertions or deletions, changes past the page budget). */
function foldOps(c: BlockComparison): Piece[] {
  const flat: ({ op: Op } | { ops: Op[] })[] = [];
  const ops = c.ops;
  let i = 0;
  while (i < ops.length) {
    const kind = ops[i].kind;
    let j = i + 1;
    if (kind === "same" || kind === "renum") {
      while (j < ops.length && (ops[j].kind === "same" || ops[j].kind === "renum")) j++;
      const run = ops.slice(i, j);
      const short = run.length === 1 && kind === "same" && c.new[run[0].b!].raw.length <= SHOW_SHORT_SAME;
      if (short) flat.push({ op: run[0] });
      else flat.push({ ops: run });
    } else if (kind === "add" || kind === "del") {
      while (j < ops.length && ops[j].kind === kind) j++;
      const run = ops.slice(i, j);
      const shown = run.length > LONG_RUN ? SHOW_OF_LONG_RUN : run.length;
      for (const op of run.slice(0, shown)) flat.push({ op });
      if (shown < run.length) flat.push({ ops: run.slice(shown) });
    } else flat.push({ op: ops[i] });
    i = j;
  }
  // Number the folds in document order; past the budget, stretches of pieces fold as a whole.
  let next = 0;
  const pieces: Piece[] = [];
  let shown = 0;
  let more: { fold: number; ops: Op[]; pieces: Piece[] } | undefined;
  let moreSize = 0;
  for (const f of flat) {
    const size = "op" in f ? shownSize(c, f.op) : 0;
    if (!more && shown + size > PAGE_BUDGET && "op" in f) {
      more = { fold: next++, ops: [], pieces: [] };
      pieces.push(more);
      moreSize = 0;
    }
    if (more) {
      more.ops.push(...("op" in f ? [f.op] : f.ops));
      more.pieces.push("op" in f ? f : { fold: next++, ops: f.ops, parent: more.fold });
      moreSize += size;
      if (moreSize >= MORE_CHUNK) {
        // The next change past the budget starts the next stretch.
        more = undefined;
        shown = Infinity;
      }
      continue;
    }
    shown += size;
    pieces.push("op" in f ? f : { fold: next++, ops: f.ops });
  }
  return pieces;
}

/** Where each new block inside a closed fold of `pieces` is reached: that fold's anchor (outermost first). */
function hiddenBlocks(pieces: Piece[], into = new Map<number, string>()): Map<number, string> {
  for (const p of pieces) {
    if ("op" in p) continue;
    for (const op of p.ops) if (op.b !== undefined && !into.has(op.b)) into.set(op.b, foldAnchor(p.fold));
  }
  return into;
}

/** A "moved to" stub whose block is inside a closed fold links to that fold instead. */
function pointStubsAtFolds(c: BlockComparison, items: FormattedItem[], hidden: Map<number, string>): void {
  for (const item of items) {
    if (item.kind !== "movedFrom" || !item.ref) continue;
    const m = /^fd-(m|u)(\d+)$/.exec(item.ref);
    if (!m) continue;
    const b = m[1] === "m" ? Number(m[2]) : c.newUnits[Number(m[2])]?.start;
    const fold = b === undefined ? undefined : hidden.get(b);
    if (fold) item.ref = fold;
  }
}

/** Every fold of a piece list, outer folds before the folds inside them. */
function allFolds(pieces: Piece[]): Extract<Piece, { fold: number }>[] {
  return pieces.flatMap((p) => ("op" in p ? [] : [p, ...allFolds(p.pieces ?? [])]));
}

function marked(segments: DiffSegment[]): string {
  return segments
    .map((s) => (s.kind === "add" ? DIFF_MARKS.insOpen + s.text + DIFF_MARKS.insClose : s.kind === "del" ? DIFF_MARKS.delOpen + s.text + DIFF_MARKS.delClose : s.text))
    .join("");
}

const escapeAttr = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function tableHtml(t: { head: DiffSegment[][]; rows: TableRowDiff[] }, separator: string): string {
  const aligns = splitRow(separator).map((c) => (/^:-+:$/.test(c) ? "center" : /-:$/.test(c) ? "right" : /^:-/.test(c) ? "left" : ""));
  const cell = (tag: "th" | "td", segs: DiffSegment[], c: number) => {
    const changed = segs.some((s) => s.kind !== "same");
    const align = aligns[c] ? ` align="${aligns[c]}"` : "";
    return `<${tag}${align}${changed ? ' class="fd-td-chg"' : ""}>${inlineDiffMarkdown(marked(segs))}</${tag}>`;
  };
  const rowClass = { same: "", changed: ' class="fd-tr-chg"', add: ' class="fd-tr-add"', del: ' class="fd-tr-del"' };
  const body = t.rows.map((r) => `<tr${rowClass[r.kind]}>${r.cells.map((s, c) => cell("td", s, c)).join("")}</tr>`).join("");
  return sanitizeDiffHtml(`<table><thead><tr>${t.head.map((s, c) => cell("th", s, c)).join("")}</tr></thead><tbody>${body}</tbody></table>`);
}

function blockHtml(c: BlockComparison, op: Op): string {
  if (op.kind === "movedFrom") return "";
  if (op.table) {
    const block = c.new[op.b!];
    return tableHtml(op.table, block.table!.separator);
  }
  if (op.kind === "renum") op.words ??= wordSegments(c.old[op.a!].raw, c.new[op.b!].raw);
  if (op.kind === "changed" && op.words && targetsDiffer(c.old[op.a!].raw, c.new[op.b!].raw)) {
    // A changed link or image address: the old block struck through, then the new one, each with a whole address.
    return renderDiffMarkdown(DIFF_MARKS.delOpen + c.old[op.a!].raw + DIFF_MARKS.delClose) + renderDiffMarkdown(DIFF_MARKS.insOpen + c.new[op.b!].raw + DIFF_MARKS.insClose);
  }
  if ((op.kind === "changed" || op.kind === "renum") && op.words) return renderDiffMarkdown(marked(op.words.merged));
  if (op.kind === "changed" && !op.words) {
    // Too long to compare word by word: the old block struck through, then the new one.
    return renderDiffMarkdown(DIFF_MARKS.delOpen + c.old[op.a!].raw + DIFF_MARKS.delClose) + renderDiffMarkdown(DIFF_MARKS.insOpen + c.new[op.b!].raw + DIFF_MARKS.insClose);
  }
  const block = op.kind === "del" ? c.old[op.a!] : c.new[op.b!];
  return renderDiffMarkdown(block.raw);
}

const unitAnchorNew = (u: number) => `fd-u${u}`;
const unitAnchorOld = (u: number) => `fd-o${u}`;
const foldAnchor = (k: number) => `fd-f${k}`;

function renderOps(c: BlockComparison, ops: Op[], anchors: Map<string, string>, lastUnit: { key: string }): FormattedItem[] {
  return ops.map((op) => {
    const newSide = op.kind !== "del" && op.kind !== "movedFrom";
    const block = newSide ? c.new[op.b!] : c.old[op.a!];
    const units = newSide ? c.newUnits : c.oldUnits;
    const index = newSide ? op.b! : op.a!;
    const unitKey = `${newSide ? "n" : "o"}${block.unit}`;
    const item: FormattedItem = { kind: op.kind, html: blockHtml(c, op) };
    const unit = units[block.unit];
    if (unit && unit.start === index) {
      item.id = newSide ? unitAnchorNew(block.unit) : unitAnchorOld(block.unit);
      anchors.set(unitKey, item.id);
    } else if (unit && lastUnit.key !== unitKey) {
      item.where = unit.label;
      // The summary links to the first change shown inside a unit whose start is folded.
      if (!anchors.get(unitKey)?.startsWith("fd-u") && !anchors.get(unitKey)?.startsWith("fd-o")) {
        item.id = `fd-${newSide ? "n" : "o"}${index}`;
        anchors.set(unitKey, item.id);
      }
    }
    lastUnit.key = unitKey;
    if (op.kind === "renum" || op.kind === "movedTo" || op.kind === "movedFrom" || op.kind === "changed") {
      const from = c.old[op.a!]?.label;
      const to = c.new[op.b!]?.label;
      if (op.kind !== "changed" || from !== to) {
        if (from) item.from = from;
        if (to) item.to = to;
      }
    }
    if (op.kind === "movedTo") item.id ??= `fd-m${op.b}`;
    if (op.kind === "movedFrom") {
      item.ref = `fd-m${op.b}`;
      const target = c.newUnits[c.new[op.b!].unit];
      if (target && target.start === op.b) item.ref = unitAnchorNew(c.new[op.b!].unit);
    }
    return item;
  });
}

/** A fold: its number (its element id is fd-f<number>), what it holds, and the first and last article in it. */
function foldItem(c: BlockComparison, ops: Op[], k: number): FormattedItem {
  const item: FormattedItem = { kind: "fold", fold: k };
  const counts = { same: 0, renum: 0, add: 0, del: 0, changed: 0, moved: 0 };
  for (const op of ops) {
    if (op.kind === "movedTo") counts.moved++;
    else if (op.kind !== "movedFrom") counts[op.kind]++;
  }
  for (const [kind, n] of Object.entries(counts) as [keyof typeof counts, number][]) if (n) item[kind] = n;
  const labelOf = (op: Op) => {
    const block = op.b !== undefined ? c.new[op.b] : c.old[op.a!];
    const units = op.b !== undefined ? c.newUnits : c.oldUnits;
    return units[block.unit]?.label;
  };
  const first = labelOf(ops[0]);
  const last = labelOf(ops[ops.length - 1]);
  if (first) item.first = first;
  if (last && last !== first) item.last = last;
  return item;
}

function tooLargeReason(oldText: string, newText: string): string | undefined {
  const bytes = Buffer.byteLength(oldText) + Buffer.byteLength(newText);
  if (bytes > DIFF_DEFAULTS.maxBytes) return `The two versions total ${Math.round(bytes / 1024)} KB (limit ${Math.round(DIFF_DEFAULTS.maxBytes / 1024)} KB).`;
  return undefined;
}

/**
 * The comparison of two texts with its folds laid out, from which the page,
 * each fold and the API's block changes are rendered. It depends only on the
 * two texts, so it can be kept and reused (documents/diff-cache.server.ts);
 * what is rendered from it is kept on it the first time it is asked for.
 */
export type PreparedDiff =
  | { tooLarge: true; reason: string }
  | {
      tooLarge: false;
      comparison: BlockComparison;
      pieces: Piece[];
      /** The page with every fold closed, once rendered. */
      page?: FormattedDiff;
      /** Each fold's items, once loaded. */
      folds: Map<number, FormattedItem[]>;
      /** The API's block changes, once asked for. */
      changes?: BlockChanges;
    };

/** Compares two texts block by block and lays out the folds (the costly part of a formatted diff). */
export function prepareDiff(oldText: string, newText: string): PreparedDiff {
  const reason = tooLargeReason(oldText, newText);
  if (reason) return { tooLarge: true, reason };
  const comparison = compareBlocks(oldText, newText);
  return { tooLarge: false, comparison, pieces: foldOps(comparison), folds: new Map() };
}

/** Renders pieces, folds closed unless listed in `expand`; `anchors` maps each unit to where the summary links. */
function renderPieces(c: BlockComparison, pieces: Piece[], expand: Set<number>, anchors: Map<string, string>, lastUnit: { key: string }, items: FormattedItem[]): void {
  for (const piece of pieces) {
    if ("op" in piece) {
      items.push(...renderOps(c, [piece.op], anchors, lastUnit));
      continue;
    }
    const k = piece.fold;
    if (expand.has(k)) {
      const shown: FormattedItem[] = [];
      if (piece.pieces) renderPieces(c, piece.pieces, expand, anchors, lastUnit, shown);
      else shown.push(...renderOps(c, piece.ops, anchors, lastUnit));
      shown[0] = { ...shown[0], id: shown[0].id ?? foldAnchor(k) } as FormattedItem;
      if (shown[0].id !== foldAnchor(k)) shown.unshift({ kind: "fold", fold: k, id: foldAnchor(k) });
      items.push(...shown);
      continue;
    }
    for (const op of piece.ops) {
      const unit = op.b !== undefined ? `n${c.new[op.b].unit}` : `o${c.old[op.a!].unit}`;
      if (!anchors.has(unit)) anchors.set(unit, foldAnchor(k));
    }
    items.push(foldItem(c, piece.ops, k));
    lastUnit.key = "";
  }
}

/** The formatted page of a prepared diff: the summary and the items, with the folds in `expand` (and the folds around them) open. */
export function renderPrepared(p: PreparedDiff, options: FormatOptions = {}): FormattedDiff {
  if (p.tooLarge) return { tooLarge: true, reason: p.reason };
  const plain = !options.expand?.length;
  if (plain && p.page) return based(p.page, options.attachmentBases);
  const c = p.comparison;
  const folds = allFolds(p.pieces);
  const expand = new Set(options.expand ?? []);
  // A fold inside a closed stretch opens with it.
  for (const f of [...folds].reverse()) if (expand.has(f.fold) && f.parent !== undefined) expand.add(f.parent);
  const anchors = new Map<string, string>();
  const items: FormattedItem[] = [];
  renderPieces(c, p.pieces, expand, anchors, { key: "" }, items);
  pointStubsAtFolds(c, items, hiddenBlocks(p.pieces.flatMap((piece) => ("op" in piece || !expand.has(piece.fold) ? [piece] : piece.pieces ?? []))));
  const identical = c.ops.every((op) => op.kind === "same");
  const page: FormattedDiff = { tooLarge: false, identical, summary: summarize(c, anchors), items, folds: folds.length };
  if (plain) p.page = page;
  return based(page, options.attachmentBases);
}

/** The items of one fold of a prepared diff, for loading it on demand (folds inside it stay closed); undefined if there is no such fold. */
export function renderPreparedFold(p: PreparedDiff, fold: number, options: Pick<FormatOptions, "attachmentBases"> = {}): FormattedItem[] | undefined {
  if (p.tooLarge) return undefined;
  const hit = p.folds.get(fold);
  if (hit) return withAttachmentBases(hit, options.attachmentBases);
  const piece = allFolds(p.pieces).find((f) => f.fold === fold);
  if (!piece) return undefined;
  const items: FormattedItem[] = [];
  if (piece.pieces) renderPieces(p.comparison, piece.pieces, new Set(), new Map(), { key: "" }, items);
  else items.push(...renderOps(p.comparison, piece.ops, new Map(), { key: "" }));
  // Blocks in this stretch's own folds, then in the page's other folds.
  const hidden = hiddenBlocks(piece.pieces ?? []);
  const shown = new Set(piece.ops.map((op) => op.b));
  for (const [b, anchor] of hiddenBlocks(p.pieces)) if (!hidden.has(b) && !shown.has(b)) hidden.set(b, anchor);
  pointStubsAtFolds(p.comparison, items, hidden);
  p.folds.set(fold, items);
  return withAttachmentBases(items, options.attachmentBases);
}

/** The formatted diff with its change summary; unchanged stretches folded (see FormatOptions.expand). */
export function formattedDiff(oldText: string, newText: string, options: FormatOptions = {}): FormattedDiff {
  return renderPrepared(prepareDiff(oldText, newText), options);
}

/** The items of one fold, for loading it on demand; undefined if there is no such fold. */
export function formattedDiffFold(oldText: string, newText: string, fold: number, options: Pick<FormatOptions, "attachmentBases"> = {}): FormattedItem[] | undefined {
  return renderPreparedFold(prepareDiff(oldText, newText), fold, options);
}

function summarize(c: BlockComparison, anchors: Map<string, string>): ChangeSummary {
  const counts: Record<ChangeKind, number> = { added: 0, removed: 0, changed: 0, moved: 0, renumbered: 0 };
  const entries: ChangeEntry[] = [];
  for (const u of c.unitChanges) {
    counts[u.kind]++;
    const oldUnit = u.oldUnit !== undefined ? c.oldUnits[u.oldUnit] : undefined;
    const newUnit = u.newUnit !== undefined ? c.newUnits[u.newUnit] : undefined;
    const anchor = (newUnit ? anchors.get(`n${u.newUnit}`) : anchors.get(`o${u.oldUnit}`)) ?? (newUnit ? unitAnchorNew(u.newUnit!) : unitAnchorOld(u.oldUnit!));
    const label = (newUnit ?? oldUnit)!.label;
    const from = oldUnit && newUnit && oldUnit.label !== newUnit.label ? oldUnit.label : undefined;
    // Consecutive renumberings by the same step read as one range.
    const last = entries[entries.length - 1];
    if (u.kind === "renumbered" && last?.kind === "renumbered" && oldUnit?.ordinal !== undefined && newUnit?.ordinal !== undefined) {
      const prevNew = c.newUnits[u.newUnit! - 1];
      const prevOld = c.oldUnits[u.oldUnit! - 1];
      if (prevNew?.ordinal === newUnit.ordinal - 1 && prevOld?.ordinal === oldUnit.ordinal - 1 && last.label.endsWith(prevNew.label) && last.from?.endsWith(prevOld.label)) {
        const first = (s: string) => s.split("–")[0];
        last.label = `${first(last.label)}–${newUnit.label}`;
        last.from = `${first(last.from)}–${oldUnit.label}`;
        last.count = (last.count ?? 1) + 1;
        continue;
      }
    }
    entries.push({ kind: u.kind, label, ...(from ? { from } : {}), anchor });
  }
  return { counts, entries };
}

/** One changed block for the API (source text, no HTML); unchanged blocks are left out. */
export interface BlockChange {
  kind: Exclude<OpKind, "same">;
  oldUnit?: string;
  newUnit?: string;
  old?: string;
  new?: string;
  from?: string;
  to?: string;
}
export type BlockChanges = { tooLarge: true; reason: string } | { tooLarge: false; summary: ChangeSummary; blocks: BlockChange[] };

/** The API's block changes of a prepared diff (kept on it). */
export function preparedChanges(p: PreparedDiff): BlockChanges {
  if (p.tooLarge) return { tooLarge: true, reason: p.reason };
  if (p.changes) return p.changes;
  const c = p.comparison;
  const summary = summarize(c, new Map());
  const unitLabel = (blocks: Block[], units: Unit[], i: number | undefined) => (i === undefined ? undefined : units[blocks[i].unit]?.label);
  const blocks = c.ops
    .filter((op): op is Op & { kind: BlockChange["kind"] } => op.kind !== "same")
    .map((op) => ({
      kind: op.kind,
      oldUnit: unitLabel(c.old, c.oldUnits, op.a),
      newUnit: unitLabel(c.new, c.newUnits, op.b),
      ...(op.a !== undefined && op.kind !== "renum" ? { old: c.old[op.a].raw } : {}),
      ...(op.b !== undefined && op.kind !== "renum" && op.kind !== "movedFrom" ? { new: c.new[op.b].raw } : {}),
      ...(op.kind === "renum" ? { from: c.old[op.a!].label, to: c.new[op.b!].label } : {}),
    }));
  p.changes = { tooLarge: false, summary, blocks };
  return p.changes;
}

/** Structured block changes for the API: the summary and every changed block (no HTML). */
export function blockChanges(oldText: string, newText: string): BlockChanges {
  return preparedChanges(prepareDiff(oldText, newText));
}
