/**
 * Document numbers written in a text (`EXE-003`, `见EXE-003第4节`, `APR-12`,
 * `EXE-003@v2`) become links, and the same links are what the citation index
 * reads (decision 089). Only the configured category codes count, only in
 * running text: never inside code, preformatted text or an existing link.
 * Works on the sanitised HTML, so what is linked and what is indexed as a
 * citation are the same thing.
 */
import { Parser } from "htmlparser2";
import { getConfig, type PortalConfig } from "./config.server";
import { formatNumber, parseNumber } from "./numbering.server";

/** One number cited by a text: the document, and the version when it is pinned (`EXE-003@v2`). */
export interface Citation {
  number: string;
  version?: number;
}

function escapeRe(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

let cached: { config: PortalConfig; source: string } | null = null;

/**
 * The pattern of a number in running text, from the configured pattern and codes.
 * ASCII letters and digits around it end the match (`XEXE-003`, `EXE-003a`);
 * Chinese characters do not (`见EXE-003第4节`).
 */
function finder(): { re: RegExp } {
  const config = getConfig();
  if (!cached || cached.config !== config) {
    const codes = [...config.categories.map((c) => c.code)].sort((a, b) => b.length - a.length);
    const body = escapeRe(config.numberPattern)
      .replace(escapeRe("{category}"), `(${codes.map(escapeRe).join("|")})`)
      .replace(/\\\{seq(?::\d)?\\\}/, "(\\d{1,6})");
    cached = {
      config,
      source: `(?<![A-Za-z0-9_\\-/.@#&])${body}(?:@[vV](\\d{1,6}))?(?![A-Za-z0-9_]|-\\d)`,
    };
  }
  return { re: new RegExp(cached.source, "g") };
}

/** The canonical number for a category and the digits written (`APR-12` → `APR-012`). */
function canonical(category: string, digits: string): string {
  return formatNumber(category, Number(digits));
}

/** True when the text may hold a number at all (a cheap test before any parsing). */
export function mayCiteNumbers(text: string): boolean {
  const { re } = finder();
  return re.test(text);
}

function escapeAttr(s: string) {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** Wraps each number in a text node (already HTML-escaped) in a link to its document. */
function linkText(text: string, base: string): string {
  const { re } = finder();
  return text.replace(re, (written: string, category: string, digits: string, version?: string) => {
    const number = canonical(category, digits);
    const href = `${base}${number}${version ? `/v/${Number(version)}` : ""}`;
    return `<a class="doc-link" href="${escapeAttr(href)}">${written}</a>`;
  });
}

/** Elements whose text is never linked: code, preformatted text, keyboard input, and links themselves. */
const NO_LINKS = new Set(["a", "code", "pre", "kbd", "samp", "script", "style", "textarea"]);
const VOID = new Set(["br", "hr", "img", "input", "wbr", "meta", "link"]);

/**
 * Turns document numbers in the text of sanitised HTML into links
 * (`<a class="doc-link" href="/docs/EXE-003">`; pinned versions to
 * `/docs/EXE-003/v/2`). Text inside code, pre and existing links is left as it is.
 */
export function linkDocumentNumbers(html: string, base = "/docs/"): string {
  if (!mayCiteNumbers(html)) return html;
  let out = "";
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        out += `<${name}`;
        for (const [k, v] of Object.entries(attribs)) out += v === "" ? ` ${k}` : ` ${k}="${v.replace(/"/g, "&quot;")}"`;
        out += ">";
        if (NO_LINKS.has(name) && !VOID.has(name)) skipDepth++;
      },
      ontext(text) {
        out += skipDepth > 0 ? text : linkText(text, base);
      },
      onclosetag(name) {
        if (VOID.has(name)) return;
        if (NO_LINKS.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        out += `</${name}>`;
      },
      oncomment(data) {
        out += `<!--${data}-->`;
      },
    },
    { decodeEntities: false, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  return out;
}

const DOC_HREF = /<a\b[^>]*?\shref="\/docs\/([^"/?#]{1,40})(?:\/v\/(\d{1,6}))?(?:[?#][^"]*)?"[^>]*>/g;

/**
 * The documents an HTML text links to: every link to `/docs/<number>` (with
 * `/v/<n>` when pinned), whether written as a number, as `[[EXE-003]]` or as a
 * markdown link. One entry per number and version, in order of first mention.
 */
export function citationsInHtml(html: string): Citation[] {
  const out: Citation[] = [];
  const seen = new Set<string>();
  for (const m of html.matchAll(DOC_HREF)) {
    const number = m[1];
    if (!parseNumber(number)) continue;
    const version = m[2] ? Number(m[2]) : undefined;
    const key = `${number}@${version ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(version ? { number, version } : { number });
  }
  return out;
}
