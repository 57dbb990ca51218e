/**
 * Aligning copies of one manual clause by clause. A clause starts at a
 * markdown heading or at a line that opens with an article label — 第一条,
 * 第3章, 第二节, 1.2, 1.2.3, 4.1) — and runs to the next one; text before the
 * first clause is the preamble. Clauses of different copies are matched by
 * their label first (第十二条 and 第12条 are the same article; a heading
 * without a number by its words), then, among the clauses left, by how much
 * text they share. Pure functions, no server dependencies.
 */
import { textTokens, titleKey } from "~/import/similarity";

export interface Clause {
  /** What aligns it: "art:12", "num:1.2", "h:2:scope", "pre", or "" (none). */
  key: string;
  /** The label as written ("第十二条", "1.2", "## 总则"), for display. */
  label: string;
  /** The clause's lines as written, without trailing blank lines. */
  text: string;
}

export type RowState = "same" | "differ" | "partial";

export interface AlignedRow {
  /** Stable id of the row ("r0", "r1" …) for the same copies. */
  id: string;
  label: string;
  key: string;
  /** One entry per copy: its clause, or null when that copy lacks the clause. */
  cells: (Clause | null)[];
  state: RowState;
  /** Distinct texts (compared ignoring spacing and punctuation), most copies first; `copies` are indexes. */
  variants: { text: string; copies: number[] }[];
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** A number written in Chinese numerals (一百二十三, 十二, 二〇) or digits; NaN when it is neither. */
export function chineseNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let digit = -1;
  let plain = "";
  for (const ch of s) {
    if (ch in CN_DIGITS) {
      digit = CN_DIGITS[ch];
      plain += String(digit);
    } else if (ch in CN_UNITS) {
      total += (digit < 0 ? 1 : digit) * CN_UNITS[ch];
      digit = -1;
      plain = "";
    } else return NaN;
  }
  if (total === 0 && plain.length > 1) return Number(plain);
  return total + (digit < 0 ? 0 : digit);
}

const ARTICLE = /^\s*(?:[*_]{1,2})?(第([零〇一二两三四五六七八九十百千\d]+)([条章节篇款编部分]{1,2}))/u;
const DECIMAL = /^\s*(?:[*_]{1,2})?((\d{1,3}(?:\.\d{1,3})+)\.?)(?=\s|[\p{L}]|$)/u;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const SINGLE = /^\s*(\d{1,3})[.、)）]\s*(?=\S)/u;

function labelOf(line: string): { key: string; label: string } | null {
  const h = HEADING.exec(line);
  const text = h ? h[2] : line;
  const a = ARTICLE.exec(text);
  if (a) {
    const n = chineseNumber(a[2]);
    if (!Number.isNaN(n)) return { key: `${a[3] === "条" ? "art" : a[3]}:${n}`, label: a[1] };
  }
  const d = DECIMAL.exec(text);
  if (d) return { key: `num:${d[2]}`, label: d[1] };
  if (h) {
    const s = SINGLE.exec(h[2]);
    if (s) return { key: `num:${s[1]}`, label: h[2].slice(0, 40) };
    return { key: `h:${h[1].length}:${titleKey(h[2])}`, label: h[2].slice(0, 80) };
  }
  return null;
}

/** Splits a markdown body into clauses at headings and article labels (code fences are kept whole). */
export function splitClauses(body: string): Clause[] {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const out: Clause[] = [];
  let current: { key: string; label: string; lines: string[] } = { key: "pre", label: "", lines: [] };
  let fence = false;
  const flush = () => {
    while (current.lines.length && !current.lines[current.lines.length - 1].trim()) current.lines.pop();
    while (current.lines.length && !current.lines[0].trim()) current.lines.shift();
    if (current.lines.length) out.push({ key: current.key, label: current.label, text: current.lines.join("\n") });
  };
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const found = fence ? null : labelOf(line);
    if (found) {
      flush();
      current = { key: found.key, label: found.label, lines: [line] };
    } else current.lines.push(line);
  }
  flush();
  // The same label twice in one copy (two "## 说明" headings): the later ones are told apart by their order.
  const seen = new Map<string, number>();
  for (const c of out) {
    const n = seen.get(c.key) ?? 0;
    seen.set(c.key, n + 1);
    if (n) c.key = `${c.key}#${n}`;
  }
  return out;
}

const LEADING_LABEL = /^(?:#{1,6}\s+)?\s*(?:[*_]{1,2})?(?:第[零〇一二两三四五六七八九十百千\d]+[条章节篇款编部分]{1,2}|\d{1,3}(?:\.\d{1,3})+\.?)/u;

/**
 * The text as compared: tokens only, so spacing, punctuation and markdown
 * marks do not make two clauses differ, and without its label (第十二条 and
 * 第12条 open the same article).
 */
export function comparable(text: string): string {
  return textTokens(text.replace(LEADING_LABEL, "")).join(" ");
}

function bigramSet(text: string): Set<string> {
  const t = textTokens(text);
  const out = new Set<string>();
  for (let i = 0; i + 1 < t.length; i++) out.add(`${t[i]} ${t[i + 1]}`);
  if (t.length === 1) out.add(t[0]);
  return out;
}

function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 1;
  let both = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) both++;
  return (2 * both) / (a.size + b.size);
}

/** Below this share of shared word pairs, two unlabelled clauses are not the same clause. */
export const MIN_CLAUSE_SIMILARITY = 0.5;
/** How many rows either side of the expected place are searched for an unlabelled clause's match. */
const WINDOW = 40;

/**
 * Aligns the clauses of 2–5 copies into rows. The first copy sets the order;
 * a clause of a later copy goes to the row with its label, else to the most
 * alike unfilled row near where it is expected, else to a new row placed
 * after the row of that copy's previous clause.
 */
export function alignClauses(copies: Clause[][]): AlignedRow[] {
  type Row = { key: string; label: string; cells: (Clause | null)[]; grams?: Set<string> };
  const n = copies.length;
  const rows: Row[] = [];
  const byKey = new Map<string, Row>();
  const gramsOf = (r: Row) => {
    if (!r.grams) {
      const first = r.cells.find((c) => c);
      r.grams = bigramSet(first ? first.text : "");
    }
    return r.grams;
  };
  copies.forEach((clauses, ci) => {
    let after = -1;
    for (const clause of clauses) {
      let row: Row | undefined;
      if (clause.key && !clause.key.startsWith("pre")) {
        const r = byKey.get(clause.key);
        if (r && !r.cells[ci]) row = r;
      } else if (clause.key === "pre" && rows[0]?.key === "pre" && !rows[0].cells[ci]) row = rows[0];
      if (!row && ci > 0) {
        const grams = bigramSet(clause.text);
        let best = MIN_CLAUSE_SIMILARITY;
        const from = Math.max(0, after - WINDOW);
        const to = Math.min(rows.length, after + 1 + WINDOW);
        for (let i = from; i < to; i++) {
          const r = rows[i];
          if (r.cells[ci]) continue;
          // Differently labelled clauses (第三条 / 第四条) match only when both carry no label of the same kind.
          if (r.key && clause.key && r.key.split(":")[0] === clause.key.split(":")[0] && r.key !== clause.key && !r.key.startsWith("h:")) continue;
          const s = dice(grams, gramsOf(r));
          if (s > best) {
            best = s;
            row = r;
          }
        }
      }
      if (!row) {
        row = { key: clause.key, label: clause.label, cells: new Array(n).fill(null) };
        rows.splice(after + 1, 0, row);
        if (clause.key && !byKey.has(clause.key)) byKey.set(clause.key, row);
      }
      row.cells[ci] = clause;
      after = rows.indexOf(row);
    }
  });
  return rows.map((r, i) => {
    const groups = new Map<string, { text: string; copies: number[] }>();
    r.cells.forEach((c, ci) => {
      if (!c) return;
      const k = comparable(c.text);
      const g = groups.get(k);
      if (g) g.copies.push(ci);
      else groups.set(k, { text: c.text, copies: [ci] });
    });
    const variants = [...groups.values()].sort((a, b) => b.copies.length - a.copies.length || a.copies[0] - b.copies[0]);
    const present = r.cells.filter(Boolean).length;
    const state: RowState = present < n ? "partial" : variants.length === 1 ? "same" : "differ";
    const label = r.label || r.cells.find((c) => c?.label)?.label || "";
    return { id: `r${i}`, key: r.key, label, cells: r.cells, state, variants };
  });
}
