/**
 * An imported document's title: the front matter's `title:`, else the text of
 * the document's top heading (markdown emphasis, links and code taken out),
 * with a subtitle heading joined to it; only a file without any heading is
 * named after its file (or, for README/index files, its folder).
 */
import { Lexer, type Token, type Tokens } from "marked";

/** What joins a title and its subtitle heading ("民法典 · 合同编"). */
export const SUBTITLE_SEPARATOR = " · ";
/** Longest title a document may have (the front matter schema's limit). */
export const MAX_TITLE = 200;

/** File names that say nothing about the document: the folder names it instead. */
const GENERIC_NAMES = new Set(["readme", "index", "_index", "home", "default", "main", "overview", "目录", "说明"]);

export interface TitleResult {
  title: string;
  source: "front-matter" | "heading" | "file-name" | "folder";
  /** The body, without the heading(s) that became the title when they opened the document. */
  body: string;
  /** The second top-level heading joined to the title as its subtitle, if any. */
  subtitle?: string;
  /** The heading text was longer than a title may be and was shortened. */
  shortened?: boolean;
}

/** Plain text of inline markdown tokens: emphasis, links, code and escapes reduced to their text. */
function inlineText(tokens: Token[] | undefined): string {
  if (!tokens) return "";
  let out = "";
  for (const t of tokens) {
    switch (t.type) {
      case "html":
        break;
      case "br":
        out += " ";
        break;
      case "image":
        out += (t as Tokens.Image).text ?? "";
        break;
      case "codespan":
        out += (t as Tokens.Codespan).text;
        break;
      case "escape":
        out += (t as Tokens.Escape).text;
        break;
      default: {
        const nested = (t as { tokens?: Token[] }).tokens;
        out += nested ? inlineText(nested) : ((t as { text?: string }).text ?? "");
      }
    }
  }
  return out;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", nbsp: " " };

/** A heading's text as a reader sees it: no markdown, no HTML, entities decoded, spacing collapsed. */
export function headingText(token: Tokens.Heading, options: { keepSpacing?: boolean } = {}): string {
  const text = inlineText(token.tokens).replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_m, e: string) => ENTITIES[e]);
  return options.keepSpacing ? text.trim() : text.replace(/\s+/g, " ").trim();
}

function shorten(title: string): { title: string; shortened: boolean } {
  if (title.length <= MAX_TITLE) return { title, shortened: false };
  const cut = title.slice(0, MAX_TITLE - 1);
  const space = cut.lastIndexOf(" ");
  return { title: `${space > MAX_TITLE / 2 ? cut.slice(0, space) : cut}…`, shortened: true };
}

/** A readable name from a file path: number prefix, extension and separators removed; generic names use the folder. */
export function titleFromPath(file: string): { title: string; source: "file-name" | "folder" } {
  const parts = file.split("/");
  const base = (parts.pop() ?? file).replace(/\.[^.]+$/, "");
  const readable = (s: string) => {
    const clean = s
      .replace(/^[A-Za-z][A-Za-z0-9]{1,7}-\d{1,6}[\s_.-]*/, "")
      .replace(/^\d+[\s_.-]+(?=\D)/, "")
      .replace(/[_]+/g, " ")
      .replace(/(?<=[\p{L}\p{N}])-(?=[\p{L}\p{N}])/gu, (m, offset: number, all: string) => (/\s/.test(all) ? m : " "))
      .replace(/\s+/g, " ")
      .trim();
    return clean && clean === clean.toLowerCase() && /^[a-z]/.test(clean) ? clean[0].toUpperCase() + clean.slice(1) : clean;
  };
  if (GENERIC_NAMES.has(base.toLowerCase())) {
    const folder = [...parts].reverse().find((p) => readable(p));
    if (folder) return { title: readable(folder), source: "folder" };
  }
  return { title: readable(base) || base, source: "file-name" };
}

/**
 * The title of an imported document and the body that goes with it.
 * `stated` is the front matter's title, if any.
 */
export function importTitle(body: string, file: string, stated?: string): TitleResult {
  const tokens = new Lexer({ gfm: true }).lex(body);
  const headings = tokens.filter((t): t is Tokens.Heading => t.type === "heading" && headingText(t as Tokens.Heading) !== "");
  // Leading blocks: blank space before the first real block does not count.
  const blocks = tokens.filter((t) => t.type !== "space");
  const top = headings.length ? Math.min(...headings.map((h) => h.depth)) : 0;
  const first = headings.find((h) => h.depth === top);
  const sameLevel = headings.filter((h) => h.depth === top);
  // A second top-level heading straight after the first, and the only other one at that level, is the subtitle
  // (a part of a code: "# 民法典" then "# 合同编"); a run of three or more is a list of sections.
  const subtitleHeading =
    first && top === 1 && sameLevel.length === 2 && blocks[0] === first && blocks[1] === sameLevel[1] ? sameLevel[1] : undefined;
  // The title heading(s) leave the body only when they open it and are the only heading(s) of their level.
  const leading = first && blocks[0] === first && (sameLevel.length === 1 || subtitleHeading) ? (subtitleHeading ? [first, subtitleHeading] : [first]) : [];
  const withoutLeading = () => {
    let rest = body;
    for (const h of leading) {
      const at = rest.indexOf(h.raw);
      if (at < 0) return body;
      rest = rest.slice(0, at) + rest.slice(at + h.raw.length);
    }
    return rest.replace(/^\s*\n/, "");
  };

  if (stated?.trim()) {
    const title = stated.trim();
    const headingTitle = first ? [first, subtitleHeading].filter(Boolean).map((h) => headingText(h!)).join(SUBTITLE_SEPARATOR) : "";
    // A body that repeats the stated title as its opening heading loses that heading.
    const repeats = leading.length > 0 && (headingTitle === title || (leading.length === 1 && headingText(first!) === title));
    return { title, source: "front-matter", body: repeats ? withoutLeading() : body };
  }
  if (first) {
    const main = headingText(first);
    const sub = subtitleHeading ? headingText(subtitleHeading) : undefined;
    const { title, shortened } = shorten(sub ? `${main}${SUBTITLE_SEPARATOR}${sub}` : main);
    return { title, source: "heading", body: leading.length ? withoutLeading() : body, subtitle: sub, ...(shortened ? { shortened } : {}) };
  }
  const named = titleFromPath(file);
  return { title: shorten(named.title).title, source: named.source, body };
}
