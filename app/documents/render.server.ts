/**
 * Markdown → safe HTML. marked renders, sanitize-html removes anything that
 * could run (scripts, event handlers, javascript: URLs, SVG, iframes); the
 * result is the only HTML ever passed to dangerouslySetInnerHTML.
 */
import { Marked, type Tokens } from "marked";
import sanitizeHtml from "sanitize-html";
import { Parser } from "htmlparser2";
import { linkDocumentNumbers } from "./citations.server";

export interface TocEntry {
  id: string;
  text: string;
  depth: number;
}

export interface RenderedDocument {
  html: string;
  toc: TocEntry[];
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li", "strong", "em", "del", "ins", "sup", "sub", "mark", "kbd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "img", "span", "div",
    "dl", "dt", "dd", "input",
  ],
  allowedAttributes: {
    a: ["href", "title", "id", "class", "rel"],
    img: ["src", "alt", "title", "width", "height", "loading"],
    h1: ["id"], h2: ["id"], h3: ["id"], h4: ["id"], h5: ["id"], h6: ["id"],
    th: ["align", "colspan", "rowspan"],
    td: ["align", "colspan", "rowspan"],
    code: ["class"],
    span: ["class"],
    div: ["class"],
    ol: ["start"],
    input: ["type", "checked", "disabled"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
  allowProtocolRelative: false,
  allowedClasses: { code: [/^language-[\w-]+$/], span: ["doc-ref", "doc-figure", "doc-caption"], div: ["note"], a: ["doc-link"] },
  transformTags: {
    a: (tagName, attribs) => {
      const href = attribs.href ?? "";
      const external = /^https?:/i.test(href);
      return { tagName, attribs: external ? { ...attribs, rel: "noopener noreferrer nofollow" } : attribs };
    },
    input: (tagName, attribs) =>
      attribs.type === "checkbox"
        ? { tagName, attribs: { type: "checkbox", disabled: "", ...(attribs.checked !== undefined ? { checked: "" } : {}) } }
        : { tagName: "span", attribs: {} },
  },
};

const VOID = new Set(["br", "hr", "img", "input"]);
/** Where each table part may stand: its parent element. */
const TABLE_PARENTS: Record<string, Set<string>> = {
  tr: new Set(["table", "thead", "tbody", "tfoot"]),
  td: new Set(["tr"]),
  th: new Set(["tr"]),
  thead: new Set(["table"]),
  tbody: new Set(["table"]),
  tfoot: new Set(["table"]),
  caption: new Set(["table"]),
};

/**
 * Keeps table parts (rows, cells, sections, captions) only where a table holds
 * them; a stray one is left out and its content kept, as a browser would do
 * when the HTML stands in a page on its own. Inside a table cell — the print
 * view lays its pages out in a table — a browser instead takes a stray `<td>`
 * or `<tr>` as the end of the portal's own cell, moves the rest of the page,
 * and the page no longer matches what React rendered (hydration errors
 * #418/#423). Expects well-formed input (sanitize-html's output).
 */
export function keepTablePartsInTables(html: string): string {
  if (!/<(?:tr|td|th|thead|tbody|tfoot|caption)\b/i.test(html)) return html;
  let out = "";
  // The open elements: their names, and whether each was written out.
  const open: { name: string; kept: boolean }[] = [];
  const parent = () => {
    for (let i = open.length - 1; i >= 0; i--) if (open[i].kept) return open[i].name;
    return "";
  };
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const allowed = TABLE_PARENTS[name];
        const kept = !allowed || allowed.has(parent());
        open.push({ name, kept });
        if (!kept) return;
        out += `<${name}`;
        for (const [k, v] of Object.entries(attribs)) out += v === "" ? ` ${k}` : ` ${k}="${v.replace(/"/g, "&quot;")}"`;
        out += ">";
      },
      ontext(text) {
        out += text;
      },
      onclosetag(name) {
        const top = open.pop();
        if (top?.kept && !VOID.has(name)) out += `</${name}>`;
      },
    },
    { decodeEntities: false, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return out;
}

/** Turns heading text into a stable anchor id that keeps Chinese characters. */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize("NFKC")
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .trim()
    .replace(/\s+/g, "-")
    .slice(0, 80);
  return slug || "section";
}

function plainText(tokens: Tokens.Generic[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  return tokens.map((t) => ("tokens" in t && t.tokens ? plainText(t.tokens as Tokens.Generic[], t.text ?? "") : (t.text ?? t.raw ?? ""))).join("");
}

/** Links written as [[EXE-003]] always point at the document's current version. */
const DOC_REF = /\[\[([A-Z][A-Z0-9]{1,7}-\d{1,6})\]\]/g;

function escapeAttr(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A URL as marked writes it (spaces and non-ASCII percent-encoded), or null when it cannot be encoded. */
function encodeHref(href: string): string | null {
  try {
    return encodeURI(href).replace(/%25/g, "%");
  } catch {
    return null;
  }
}

/** Where the attachments a text names as `attachments/<name>` are served from (a version's or a draft's URL). */
export interface RenderOptions {
  baseHref?: string;
  /** e.g. "/docs/EXE-003/v/4/" or "/proposals/P-0007/": prefixed to relative `attachments/…` links and images. */
  attachmentBase?: string;
}

/** Renders markdown to sanitised HTML and collects a table of contents. */
export function renderMarkdown(markdown: string, options: RenderOptions = {}): RenderedDocument {
  const toc: TocEntry[] = [];
  const used = new Map<string, number>();
  const marked = new Marked({ gfm: true, breaks: false, async: false });
  marked.use({
    renderer: {
      heading(this: { parser: { parseInline(t: unknown): string } }, token: Tokens.Heading) {
        const inner = this.parser.parseInline(token.tokens);
        const text = plainText(token.tokens as Tokens.Generic[], token.text);
        let id = slugify(text);
        const n = used.get(id) ?? 0;
        used.set(id, n + 1);
        if (n > 0) id = `${id}-${n}`;
        if (token.depth <= 3) toc.push({ id, text, depth: token.depth });
        return `<h${token.depth} id="${id.replace(/"/g, "")}">${inner}</h${token.depth}>\n`;
      },
      // Images are figures: responsive, with their title (or else their alt text) as the caption.
      image(token: Tokens.Image) {
        const src = encodeHref(token.href);
        if (src === null) return escapeAttr(token.text);
        const caption = token.title || token.text;
        const title = token.title ? ` title="${escapeAttr(token.title)}"` : "";
        const img = `<img src="${escapeAttr(src)}" alt="${escapeAttr(token.text)}"${title} loading="lazy">`;
        return `<span class="doc-figure">${img}${caption ? `<span class="doc-caption">${escapeAttr(caption)}</span>` : ""}</span>`;
      },
    },
    walkTokens(token) {
      const base = options.attachmentBase;
      if (base && (token.type === "link" || token.type === "image") && token.href.startsWith("attachments/")) token.href = `${base}${token.href}`;
    },
  });
  const base = options.baseHref ?? "/docs/";
  const withRefs = markdown.replace(DOC_REF, (_m, number: string) => `[${number}](${base}${number})`);
  const raw = marked.parse(withRefs) as string;
  // Document numbers in the text become links (decision 089); the links are the portal's own, added after sanitising.
  // Diagrams are marked last: their source stays as written (numbers in a code block are never linked).
  const html = markDiagrams(linkDocumentNumbers(keepTablePartsInTables(sanitizeHtml(raw, SANITIZE)), base));
  return { html, toc };
}

const MERMAID_BLOCK = /<pre><code class="language-mermaid">([^<]*)<\/code><\/pre>/g;

/**
 * A ```mermaid block becomes a figure: its source stays in the page as the
 * fallback (no JavaScript, or a diagram that cannot be drawn), with an empty
 * caption the page fills with a note in the reader's language
 * (components/diagrams.ts); in the browser the diagram is drawn from it.
 * Runs after the sanitiser: the source is already escaped text.
 */
export function markDiagrams(html: string): string {
  if (!html.includes('class="language-mermaid"')) return html;
  return html.replace(
    MERMAID_BLOCK,
    (_m, source: string) =>
      `<figure class="diagram" data-diagram="mermaid"><figcaption class="diagram-note"></figcaption><pre class="diagram-source"><code class="language-mermaid">${source}</code></pre></figure>`,
  );
}

/** Sanitises arbitrary HTML with the same rules (for imported content previews). */
export function sanitize(html: string): string {
  return keepTablePartsInTables(sanitizeHtml(html, SANITIZE));
}

// ---- diff fragments ----------------------------------------------------------------

/**
 * Marks inside markdown handed to renderDiffMarkdown: private-use characters
 * that survive marked as text and become <ins class="fd-i"> / <del
 * class="fd-d"> before the sanitiser runs (which also balances them). Input
 * text never carries them: the diff strips them from both versions first.
 */
export const DIFF_MARKS = { insOpen: "\uE000", insClose: "\uE001", delOpen: "\uE002", delClose: "\uE003" } as const;
export const DIFF_MARK_CHARS = /[\uE000-\uE003]/g;

const DIFF_CLASSES = ["fd-tr-add", "fd-tr-del", "fd-tr-chg", "fd-td-chg"];
const DIFF_SANITIZE: sanitizeHtml.IOptions = {
  ...SANITIZE,
  allowedAttributes: {
    ...SANITIZE.allowedAttributes,
    // No ids inside diff fragments: the diff page owns its anchors.
    h1: [], h2: [], h3: [], h4: [], h5: [], h6: [],
    ins: ["class"],
    del: ["class"],
    tr: ["class"],
    th: ["align", "colspan", "rowspan", "class"],
    td: ["align", "colspan", "rowspan", "class"],
  },
  allowedClasses: { ...SANITIZE.allowedClasses, ins: ["fd-i"], del: ["fd-d"], tr: DIFF_CLASSES, td: DIFF_CLASSES, th: DIFF_CLASSES },
};

const fragmentMarked = new Marked({ gfm: true, breaks: false, async: false });

function marksToTags(html: string): string {
  // A mark that landed inside a tag (an attribute, a URL) is dropped there.
  return html
    .replace(/<[^>]*>/g, (tag) => tag.replace(DIFF_MARK_CHARS, ""))
    .replace(/\uE000/g, '<ins class="fd-i">')
    .replace(/\uE001/g, "</ins>")
    .replace(/\uE002/g, '<del class="fd-d">')
    .replace(/\uE003/g, "</del>");
}

function withRefs(markdown: string, base = "/docs/"): string {
  return markdown.replace(DOC_REF, (_m, number: string) => `[${number}](${base}${number})`);
}

// Tags marked writes for plain text, headings, lists, emphasis and tables,
// without attributes, plus the diff marks. HTML made only of these (text is
// escaped by marked) and balanced is already what the sanitiser would keep.
const PLAIN_TAG = /<(\/?)(p|h[1-6]|ul|ol|li|strong|em|del|ins|code|pre|br|hr|blockquote|table|thead|tbody|tr|th|td)( class="fd-[id]")?>/g;
const VOID_TAGS = new Set(["br", "hr"]);

function isPlainBalanced(html: string): boolean {
  if (/<[^>]*$/.test(html)) return false;
  const stack: string[] = [];
  let tags = 0;
  for (const m of html.matchAll(PLAIN_TAG)) {
    tags++;
    const [, close, name, cls] = m;
    if (cls && name !== "ins" && name !== "del") return false;
    if (VOID_TAGS.has(name)) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  // Any tag not matched above (a link, an image, an attribute, raw HTML) needs the sanitiser.
  return stack.length === 0 && tags === (html.match(/</g)?.length ?? 0);
}

// A paragraph with no markdown syntax, links or entities in it (most of a
// regulation's text) renders as itself inside <p>; marked is not needed.
export const MARKDOWN_SYNTAX = /[*_`[\]<>&\\~|!#=:@]|www\.| {2}\n|^\s*[-+]|^\s*\d/m;

/** One markdown paragraph, heading, list item, quote or code block of a diff (with DIFF_MARKS) → sanitised HTML with the marks as <ins>/<del>. */
export function renderDiffMarkdown(markdown: string): string {
  if (!MARKDOWN_SYNTAX.test(markdown)) return marksToTags(`<p>${markdown.trim()}</p>\n`);
  const html = marksToTags(fragmentMarked.parse(withRefs(markdown)) as string);
  return isPlainBalanced(html) ? html : sanitizeHtml(html, DIFF_SANITIZE);
}

/** Inline markdown (a table cell) → HTML with marks, NOT yet sanitised: pass the assembled fragment to sanitizeDiffHtml. */
export function inlineDiffMarkdown(markdown: string): string {
  return marksToTags(fragmentMarked.parseInline(withRefs(markdown)) as string);
}

/** Sanitises an assembled diff fragment (tables built from inlineDiffMarkdown cells). */
export function sanitizeDiffHtml(html: string): string {
  return sanitizeHtml(html, DIFF_SANITIZE);
}
