/**
 * Links between imported files. A folder of markdown (or Word) files links
 * its files to each other by relative path (`ada.md#scope`,
 * `../../departments/x.md`); once imported, those files are numbered
 * documents, so the links are rewritten to `/docs/<number>#anchor` — the
 * address the renderer gives `[[EXE-012]]`. Links that lead to no imported
 * document are left as written and reported. Pure functions.
 */
import { Lexer, type Tokens } from "marked";
import { slugify } from "~/documents/render.server";
import { headingText } from "./titles";

export interface LinkTarget {
  /** The document number the file became (or will become). */
  number: string;
  /** Heading ids of the document's body as the portal renders them, keyed by every id a source might have used. */
  anchors: Map<string, string>;
}

export interface OutsideLink {
  /** The target as written in the file. */
  target: string;
  /** 1-based line of the link in the file's body. */
  line: number;
  /** "missing": no such file in the import; "not-imported": the file is in the import but is not imported. */
  why: "missing" | "not-imported";
}

export interface LinkRewrite {
  body: string;
  /** Links rewritten to document numbers. */
  rewritten: number;
  outside: OutsideLink[];
  /** Rewritten links whose anchor names no heading of the target (kept as written). */
  unknownAnchors: { target: string; line: number }[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** True for a link target that names a file relative to the linking file. */
export function isRelativeFileLink(target: string): boolean {
  return !!target && !SCHEME.test(target) && !target.startsWith("//") && !target.startsWith("#") && !target.startsWith("/") && !target.startsWith("?");
}

/** Resolves a relative link against the linking file's folder; null when it climbs above the import's top. */
export function resolveImportPath(fromFile: string, target: string): string | null {
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // A stray "%" is taken literally.
  }
  const parts = fromFile.split("/").slice(0, -1);
  for (const seg of decoded.replace(/\\/g, "/").split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (!parts.length) return null;
      parts.pop();
    } else parts.push(seg);
  }
  const path = parts.join("/");
  return decoded.endsWith("/") ? `${path}/` : path;
}

/** GitHub-style heading anchor (what links written for a code host use). */
export function githubAnchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The heading ids the portal will give a body, keyed by the portal's own id and by the GitHub-style anchor. */
export function headingAnchors(body: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Map<string, number>();
  const usedGithub = new Map<string, number>();
  const walk = (tokens: Tokens.Generic[]) => {
    for (const t of tokens) {
      if (t.type === "heading") {
        const text = headingText(t as Tokens.Heading);
        let id = slugify(text);
        const n = used.get(id) ?? 0;
        used.set(id, n + 1);
        if (n > 0) id = `${id}-${n}`;
        let gh = githubAnchor(headingText(t as Tokens.Heading, { keepSpacing: true }));
        const g = usedGithub.get(gh) ?? 0;
        usedGithub.set(gh, g + 1);
        if (g > 0) gh = `${gh}-${g}`;
        out.set(id, id);
        if (!out.has(gh)) out.set(gh, id);
        const lower = decodeSafe(gh);
        if (!out.has(lower)) out.set(lower, id);
      }
    }
  };
  walk(new Lexer({ gfm: true }).lex(body) as Tokens.Generic[]);
  return out;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s).toLowerCase();
  } catch {
    return s.toLowerCase();
  }
}

interface Found {
  /** Offsets of the target text in the body. */
  start: number;
  end: number;
  target: string;
}

/** Ranges of code (fenced blocks and inline spans), where link syntax is only text. */
function codeRanges(body: string): [number, number][] {
  const ranges: [number, number][] = [];
  const fence = /^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:\n {0,3}\2[`~]*[ \t]*(?=\n|$)|$)/gm;
  for (const m of body.matchAll(fence)) ranges.push([m.index!, m.index! + m[0].length]);
  const inside = (i: number) => ranges.some(([a, b]) => i >= a && i < b);
  const spans: [number, number][] = [];
  for (const m of body.matchAll(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g)) {
    if (!inside(m.index!)) spans.push([m.index!, m.index! + m[0].length]);
  }
  return [...ranges, ...spans];
}

/** Every link target in the body: inline links `[text](target)`, `<a href>` and reference definitions. Images are not links. */
export function findLinks(body: string): Found[] {
  const code = codeRanges(body);
  const inCode = (i: number) => code.some(([a, b]) => i >= a && i < b);
  const found: Found[] = [];
  // Inline links: "](" then a target in <…> or without spaces, with balanced parentheses.
  for (const m of body.matchAll(/\]\(\s*/g)) {
    const open = m.index!;
    if (inCode(open)) continue;
    // Skip images: find the "[" that opens this link text and look for "!" before it.
    let depth = 0;
    let i = open - 1;
    for (; i >= 0; i--) {
      if (body[i] === "]" && body[i - 1] !== "\\") depth++;
      else if (body[i] === "[" && body[i - 1] !== "\\") {
        if (depth === 0) break;
        depth--;
      } else if (body[i] === "\n" && body[i - 1] === "\n") {
        i = -1;
        break;
      }
    }
    if (i < 0 || body[i - 1] === "!") continue;
    let start = open + m[0].length;
    let end: number;
    if (body[start] === "<") {
      const close = body.indexOf(">", start);
      if (close < 0 || body.slice(start, close).includes("\n")) continue;
      start++;
      end = close;
    } else {
      let paren = 0;
      end = start;
      while (end < body.length) {
        const ch = body[end];
        if (ch === "\\" && end + 1 < body.length) {
          end += 2;
          continue;
        }
        if (/\s/.test(ch)) break;
        if (ch === "(") paren++;
        else if (ch === ")") {
          if (paren === 0) break;
          paren--;
        }
        end++;
      }
    }
    if (end > start) found.push({ start, end, target: body.slice(start, end) });
  }
  // Reference definitions: [label]: target
  for (const m of body.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]+>|\S+)/gm)) {
    if (inCode(m.index!)) continue;
    const raw = m[1];
    const angle = raw.startsWith("<");
    const start = m.index! + m[0].length - raw.length + (angle ? 1 : 0);
    found.push({ start, end: start + raw.length - (angle ? 2 : 0), target: angle ? raw.slice(1, -1) : raw });
  }
  // HTML anchors written in the markdown.
  for (const m of body.matchAll(/<a\s[^>]*?href\s*=\s*("([^"]*)"|'([^']*)')/gi)) {
    if (inCode(m.index!)) continue;
    const target = m[2] ?? m[3] ?? "";
    const start = m.index! + m[0].length - target.length - 1;
    found.push({ start, end: start + target.length, target });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Finds the 1-based line of an offset (line starts computed once per body, then a binary search). */
function lineFinder(body: string): (offset: number) => number {
  const starts = [0];
  for (let i = body.indexOf("\n"); i >= 0; i = body.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Rewrites the body's links to imported files as links to their documents.
 * `lookup` answers for a resolved path inside the import: the document it
 * became, "not-imported" when the file is there but is not imported, or
 * undefined when there is no such file.
 */
export function rewriteLinks(
  body: string,
  fromFile: string,
  lookup: (path: string) => LinkTarget | "not-imported" | undefined,
  /** Lines of the file before the body (front matter, the title heading), so reported lines are the file's. */
  lineOffset = 0,
): LinkRewrite {
  const result: LinkRewrite = { body, rewritten: 0, outside: [], unknownAnchors: [] };
  const edits: { start: number; end: number; text: string }[] = [];
  const lineAt = lineFinder(body);
  for (const link of findLinks(body)) {
    const raw = link.target.replace(/\\([()])/g, "$1");
    if (!isRelativeFileLink(raw)) continue;
    // attachments/<name>: the document's own attachment (imported with it), not a file of the folder.
    if (/^<?attachments\//.test(raw)) continue;
    const hash = raw.indexOf("#");
    const pathPart = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\?.*$/, "");
    const anchor = hash >= 0 ? raw.slice(hash + 1) : "";
    const resolved = resolveImportPath(fromFile, pathPart);
    const line = lineAt(link.start) + lineOffset;
    const target = resolved === null ? undefined : lookup(resolved);
    if (!target || target === "not-imported") {
      result.outside.push({ target: link.target, line, why: target === "not-imported" ? "not-imported" : "missing" });
      continue;
    }
    let fragment = "";
    if (anchor) {
      const id = target.anchors.get(anchor) ?? target.anchors.get(decodeSafe(anchor));
      if (id) fragment = `#${id}`;
      else {
        fragment = `#${anchor}`;
        result.unknownAnchors.push({ target: link.target, line });
      }
    }
    edits.push({ start: link.start, end: link.end, text: `/docs/${target.number}${fragment.replace(/[\s()<>]/g, encodeURIComponent)}` });
    result.rewritten++;
  }
  let out = body;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  result.body = out;
  return result;
}

/**
 * A finder for the imported file a resolved link path names: the path
 * itself, then the same path in another letter case, then with .md added,
 * then a folder's README.md or index.md.
 */
export function fileFinder<T>(files: Map<string, T>): (path: string) => T | undefined {
  const lower = new Map<string, T>();
  for (const [k, v] of files) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v);
  return (path) => {
    const trimmed = path.replace(/\/$/, "");
    const candidates =
      path.endsWith("/") || !/\.[^/.]+$/.test(trimmed)
        ? [trimmed, `${trimmed}.md`, `${trimmed}.markdown`, `${trimmed}/README.md`, `${trimmed}/index.md`, `${trimmed}/readme.md`]
        : [trimmed];
    for (const c of candidates) {
      const hit = files.get(c) ?? lower.get(c.toLowerCase());
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
}
