/**
 * Sections-only grants: a section is a heading of the document (an id from the
 * rendered table of contents) with everything under it up to the next heading
 * of the same or a higher level. The reader of such a grant receives a body cut
 * down to those sections, rendered again, so nothing else leaves the server.
 */
import { Lexer, type Token, type Tokens } from "marked";
import type { ReadDecision } from "./policy.server";
import { renderMarkdown, slugify, type RenderedDocument, type RenderOptions } from "~/documents/render.server";

function inlineText(tokens: Token[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  return tokens
    .map((t) => {
      const g = t as Tokens.Generic;
      return "tokens" in g && g.tokens ? inlineText(g.tokens as Token[], g.text ?? "") : (g.text ?? g.raw ?? "");
    })
    .join("");
}

/** Heading ids exactly as render.server.ts assigns them (document order, duplicates numbered). */
function assignIds(tokens: Token[], used: Map<string, number>, out: Map<Token, string>) {
  for (const token of tokens) {
    if (token.type === "heading") {
      const h = token as Tokens.Heading;
      let id = slugify(inlineText(h.tokens, h.text));
      const n = used.get(id) ?? 0;
      used.set(id, n + 1);
      if (n > 0) id = `${id}-${n}`;
      out.set(token, id);
    }
    if (token.type === "list") for (const item of (token as Tokens.List).items) assignIds(item.tokens, used, out);
    else if ("tokens" in token && Array.isArray(token.tokens) && token.type !== "heading") assignIds(token.tokens as Token[], used, out);
  }
}

export interface Section {
  id: string;
  title: string;
  depth: number;
}

/** The top-level sections of a markdown body, in order. */
export function sectionsOf(body: string): Section[] {
  const tokens = new Lexer({ gfm: true }).lex(body);
  const ids = new Map<Token, string>();
  assignIds(tokens, new Map(), ids);
  return tokens
    .filter((t): t is Tokens.Heading => t.type === "heading" && t.depth <= 3)
    .map((h) => ({ id: ids.get(h)!, title: inlineText(h.tokens, h.text), depth: h.depth }));
}

/** The markdown of the named sections only (link definitions kept so references still resolve). */
export function extractSections(body: string, sectionIds: string[]): string {
  const wanted = new Set(sectionIds);
  const tokens = new Lexer({ gfm: true }).lex(body);
  const ids = new Map<Token, string>();
  assignIds(tokens, new Map(), ids);
  let out = "";
  let defs = "";
  let keepUntilDepth: number | null = null;
  let gap = false;
  for (const token of tokens) {
    if (token.type === "heading") {
      const depth = (token as Tokens.Heading).depth;
      if (keepUntilDepth !== null && depth <= keepUntilDepth) keepUntilDepth = null;
      if (keepUntilDepth === null && wanted.has(ids.get(token)!)) keepUntilDepth = depth;
    }
    if (token.type === "def") {
      defs += token.raw.endsWith("\n") ? token.raw : token.raw + "\n";
      gap = true;
    } else if (keepUntilDepth !== null) {
      // Blocks from different places are separated by a blank line so they stay separate blocks.
      if (gap && out && !out.endsWith("\n\n")) out += out.endsWith("\n") ? "\n" : "\n\n";
      out += token.raw;
      gap = false;
    } else {
      gap = true;
    }
  }
  if (!out.trim()) return "";
  return out.replace(/\s+$/, "") + "\n" + (defs ? "\n" + defs : "");
}

export interface ScopedContent {
  body: string;
  rendered: RenderedDocument;
  /** The section ids a sections-only grant allows (absent for whole-document access). */
  sections?: string[];
}

/**
 * Cuts a version down to what the decision allows: everything, or only the
 * sections of a sections-only grant.
 */
export function scopeToDecision(decision: ReadDecision, body: string, rendered: RenderedDocument, options: RenderOptions = {}): ScopedContent {
  if (!decision.allowed || !decision.grant || decision.grant.sections === "all") return { body, rendered };
  const sections = decision.grant.sections;
  const part = extractSections(body, sections);
  return { body: part, rendered: part.trim() ? renderMarkdown(part, options) : { html: "", toc: [] }, sections };
}
