/**
 * Plain text for the search index straight from markdown: marked's lexer,
 * without rendering HTML and sanitising it again only to strip the tags (that
 * was half of a catch-up's time on long documents). The text is what a reader
 * sees on the page — the same paragraphs, list items, table cells (a line
 * each), headings and figure captions as `htmlToText` of the rendered page —
 * and long documents are read a slice at a time (`markdownTextSlices`), so
 * that other work runs between slices.
 */
import { Lexer, type Token, type Tokens } from "marked";
import { decodeEntities } from "./plain-text";

/** Markdown characters lexed between two pauses (a couple of milliseconds of work). */
export const MARKDOWN_SLICE_CHARS = 8_192;

/** Links written as [[EXE-003]] read as the number. */
const DOC_REF = /\[\[([A-Z][A-Z0-9]{1,7}-\d{1,6})\]\]/g;
/** Reference-style link definitions, which every slice needs to resolve its links. */
const DEFINITION = /^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*$/gm;
/** Elements whose content the sanitiser drops with them. */
const DROPPED = /<(script|style|textarea|option|noscript)\b[\s\S]*?<\/\1\s*>/gi;

interface Out {
  text: string[];
  headings: string[];
}

function stripTags(html: string): string {
  return html.replace(DROPPED, "").replace(/<[^>]*>/g, "");
}

function inline(tokens: readonly Token[] | undefined, out: string[]): void {
  if (!tokens) return;
  for (const token of tokens) {
    switch (token.type) {
      case "br":
        out.push("\n\n");
        break;
      case "image": {
        const t = token as Tokens.Image;
        out.push(t.title || t.text);
        break;
      }
      case "html":
        out.push(stripTags((token as Tokens.HTML).text));
        break;
      case "codespan":
      case "escape":
        out.push((token as Tokens.Codespan).text);
        break;
      default:
        if ("tokens" in token && token.tokens) inline(token.tokens, out);
        else out.push((token as Tokens.Text).text ?? "");
    }
  }
}

function inlineText(tokens: readonly Token[] | undefined): string {
  const out: string[] = [];
  inline(tokens, out);
  return out.join("");
}

function blocks(tokens: readonly Token[], out: Out): void {
  for (const token of tokens) {
    switch (token.type) {
      case "heading": {
        const text = inlineText((token as Tokens.Heading).tokens);
        out.text.push(text, "\n\n");
        const heading = decodeEntities(text).replace(/\s+/g, " ").trim();
        if (heading) out.headings.push(heading);
        break;
      }
      case "paragraph":
        out.text.push(inlineText((token as Tokens.Paragraph).tokens), "\n\n");
        break;
      case "text": {
        const t = token as Tokens.Text;
        // Text of a tight list item: a line of its own (the item's end adds the blank line).
        out.text.push(t.tokens ? inlineText(t.tokens) : t.text, "\n");
        break;
      }
      case "code":
        out.text.push((token as Tokens.Code).text, "\n\n");
        break;
      case "blockquote":
        blocks((token as Tokens.Blockquote).tokens, out);
        break;
      case "list":
        for (const item of (token as Tokens.List).items) {
          blocks(item.tokens, out);
          out.text.push("\n\n");
        }
        break;
      case "table": {
        const t = token as Tokens.Table;
        for (const row of [t.header, ...t.rows]) {
          out.text.push(row.map((cell) => inlineText(cell.tokens) + "\n").join(""), "\n\n");
        }
        break;
      }
      case "html":
        out.text.push(stripTags((token as Tokens.HTML).text), "\n\n");
        break;
      case "hr":
        out.text.push("\n\n");
        break;
      default:
        break; // space, link definitions
    }
  }
}

/** Cuts markdown into slices of about `size` characters at blank lines outside fenced code. */
export function markdownSlices(markdown: string, size = MARKDOWN_SLICE_CHARS): string[] {
  if (markdown.length <= size) return [markdown];
  const slices: string[] = [];
  let start = 0;
  let fence: string | null = null;
  let at = 0;
  let lineStart = 0;
  while (lineStart < markdown.length) {
    let end = markdown.indexOf("\n", lineStart);
    if (end < 0) end = markdown.length;
    const line = markdown.slice(lineStart, end);
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (opener) {
      if (fence === null) fence = opener[1];
      else if (opener[1][0] === fence[0] && opener[1].length >= fence.length && !line.trim().slice(opener[1].length).trim()) fence = null;
    } else if (fence === null && !line.trim() && lineStart - start >= size) {
      // A blank line outside code, far enough from the slice's start: the slice ends here.
      slices.push(markdown.slice(start, end + 1));
      start = end + 1;
    }
    at = end + 1;
    lineStart = at;
  }
  if (start < markdown.length) slices.push(markdown.slice(start));
  return slices;
}

/**
 * The plain text and headings of markdown, a slice at a time: the generator
 * pauses after each slice; its return value is the whole text (paragraphs a
 * blank line apart) and the headings, one per line.
 */
export function* markdownTextSlices(markdown: string): Generator<void, { text: string; headings: string }> {
  const source = markdown.replace(DOC_REF, "$1");
  const definitions = source.match(DEFINITION)?.join("\n") ?? "";
  const out: Out = { text: [], headings: [] };
  const slices = markdownSlices(source);
  for (let i = 0; i < slices.length; i++) {
    const slice = slices.length > 1 && definitions ? `${slices[i]}\n\n${definitions}\n` : slices[i];
    blocks(Lexer.lex(slice, { gfm: true, breaks: false }), out);
    if (i + 1 < slices.length) yield;
  }
  const text = decodeEntities(out.text.join(""))
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text, headings: out.headings.join("\n") };
}

/** The plain text and headings of markdown, all at once. */
export function markdownText(markdown: string): { text: string; headings: string } {
  const slices = markdownTextSlices(markdown);
  let step = slices.next();
  while (!step.done) step = slices.next();
  return step.value;
}
