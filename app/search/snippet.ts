/**
 * Snippets and highlighted titles: plain text is HTML-escaped first, then the
 * matched parts are wrapped in <mark>. Matching runs on folded text
 * (Simplified, lower case), while the output keeps the document's own
 * characters, so a Traditional document shows Traditional text.
 */
import { foldWithOffsets, hasCjk, type FoldedText } from "./tokenize";

export interface Needle {
  /** Folded text to find. */
  text: string;
  /** Must start at a word start (for Latin words). */
  wordStart: boolean;
  /** Must end at a word end (for whole Latin words). */
  wordEnd: boolean;
  /** Higher weight wins when choosing where the snippet starts. */
  weight: number;
}

const WORD = /[\p{L}\p{N}]/u;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Needles for a query: phrases, whole Chinese fragments, and the terms that matched. */
export function needlesFor(options: { phrases: string[]; cjkRuns: string[]; words: { text: string; prefix: boolean }[]; pairs: string[] }): Needle[] {
  const out: Needle[] = [];
  for (const p of options.phrases) out.push({ text: p, wordStart: !hasCjk(p[0] ?? ""), wordEnd: !hasCjk(p[p.length - 1] ?? ""), weight: 4 });
  for (const r of options.cjkRuns) out.push({ text: r, wordStart: false, wordEnd: false, weight: 3 });
  for (const w of options.words) out.push({ text: w.text, wordStart: true, wordEnd: !w.prefix, weight: 2 });
  for (const p of options.pairs) out.push({ text: p, wordStart: false, wordEnd: false, weight: 1 });
  const seen = new Set<string>();
  return out.filter((n) => n.text && !seen.has(`${n.text}|${n.wordEnd}`) && seen.add(`${n.text}|${n.wordEnd}`));
}

interface Range {
  from: number; // folded offsets
  to: number;
  weight: number;
}

function findRanges(folded: string, needles: Needle[], limit = 400): Range[] {
  const ranges: Range[] = [];
  for (const n of needles) {
    let at = folded.indexOf(n.text);
    let count = 0;
    while (at >= 0 && count < limit) {
      const end = at + n.text.length;
      const okStart = !n.wordStart || at === 0 || !WORD.test(folded[at - 1]);
      const okEnd = !n.wordEnd || end >= folded.length || !WORD.test(folded[end]);
      if (okStart && okEnd) {
        ranges.push({ from: at, to: end, weight: n.weight });
        count++;
      }
      at = folded.indexOf(n.text, at + 1);
    }
  }
  ranges.sort((a, b) => a.from - b.from || b.to - a.to);
  const merged: Range[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to) {
      last.to = Math.max(last.to, r.to);
      last.weight = Math.max(last.weight, r.weight);
    } else merged.push({ ...r });
  }
  return merged;
}

/** Escapes original[from, to) and marks the given original ranges inside it. */
function markup(original: string, from: number, to: number, marks: { from: number; to: number }[]): string {
  let html = "";
  let at = from;
  for (const m of marks) {
    const a = Math.max(m.from, at);
    const b = Math.min(m.to, to);
    if (b <= a) continue;
    html += escapeHtml(original.slice(at, a)) + "<mark>" + escapeHtml(original.slice(a, b)) + "</mark>";
    at = b;
  }
  return html + escapeHtml(original.slice(at, to));
}

function toOriginal(f: FoldedText, r: Range) {
  return { from: f.start[r.from], to: f.end[r.to - 1] };
}

/** The whole text (a title) escaped, with matches marked. */
export function highlightHtml(text: string, needles: Needle[]): string {
  const f = foldWithOffsets(text);
  const ranges = findRanges(f.text, needles).map((r) => toOriginal(f, r));
  return markup(text, 0, text.length, ranges);
}

/** Moves an offset off the second half of a surrogate pair. */
function safeOffset(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at - 1 : at;
}

/**
 * A short excerpt around the best match, escaped, with matches marked. Falls
 * back to the opening of the text when nothing in it matches (a title match).
 */
export function buildSnippet(text: string, needles: Needle[], length = 180): string {
  const f = foldWithOffsets(text);
  const ranges = findRanges(f.text, needles);
  const clean = (s: string) => s.replace(/\s+/g, " ");
  if (!ranges.length) {
    const end = safeOffset(text, Math.min(text.length, length));
    return escapeHtml(clean(text.slice(0, end)).trim()) + (end < text.length ? "…" : "");
  }
  // Start near the first of the strongest matches.
  const best = ranges.reduce((a, b) => (b.weight > a.weight ? b : a), ranges[0]);
  const first = toOriginal(f, best);
  const lead = Math.min(40, Math.floor(length / 4));
  let from = Math.max(0, first.from - lead);
  // Prefer to start at a sentence or line start when one is close.
  const back = text.slice(from, first.from);
  const cut = Math.max(back.lastIndexOf("\n"), back.lastIndexOf("。"), back.lastIndexOf(". "));
  if (cut >= 0) from += cut + 1;
  from = safeOffset(text, from);
  const to = safeOffset(text, Math.min(text.length, from + length));
  const marks = ranges.map((r) => toOriginal(f, r)).filter((m) => m.to > from && m.from < to);
  const body = markup(text, from, to, marks).replace(/\s+/g, " ").trim();
  return (from > 0 ? "…" : "") + body + (to < text.length ? "…" : "");
}
