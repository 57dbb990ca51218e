/**
 * Plain text for the search index: rendered (sanitised) HTML → text, and the
 * headings that weigh more than a passing mention — markdown headings, and
 * the chapter and article headings of regulation-shaped text (第一章 总则,
 * 第十条 …).
 */
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, code: string) => {
    if (code[0] === "#") {
      const n = code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    }
    return ENTITIES[code.toLowerCase()] ?? m;
  });
}

/** Sanitised HTML → plain text: blocks become paragraphs, a soft line break stays a line break. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(br|hr)\s*\/?>/gi, "\n\n")
      .replace(/<\/(p|h[1-6]|li|tr|blockquote|pre|div|dt|dd|table|thead|tbody|caption|ul|ol|dl)>/gi, "\n\n")
      .replace(/<\/(td|th)>/gi, " \t ")
      .replace(/<[^>]*>/g, ""),
  )
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The text of the HTML's headings (h1–h6), one per line. */
export function headingsFromHtml(html: string): string {
  const out: string[] = [];
  for (const m of html.matchAll(/<h[1-6][^>]*>([\s\S]*?)<\/h[1-6]>/gi)) {
    const text = decodeEntities(m[1].replace(/<[^>]*>/g, "")).replace(/\s+/g, " ").trim();
    if (text) out.push(text);
  }
  return out.join("\n");
}

const NUMERAL = "[一二三四五六七八九十百千零〇两0-9０-９]+";
/** A paragraph that opens a part, chapter or section: the whole line is a heading. */
const CHAPTER = new RegExp(`^第${NUMERAL}[编編章节節](?:\\s|$)`, "u");
/** A paragraph that opens an article: the article's number and its first clause are its heading. */
const ARTICLE = new RegExp(`^第${NUMERAL}[条條]`, "u");
const MAX_HEADING = 60;
const MAX_ARTICLE_LEAD = 30;

/**
 * Chapter headings (whole line) and article headings (第十条 and its first
 * clause, or its 【title】) found at the start of paragraphs or lines.
 */
export function structuralHeadings(text: string): string {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    // Cheap test first: most lines do not start with 第.
    let start = at;
    while (start < end && (text[start] === " " || text[start] === "\u3000" || text[start] === "\t")) start++;
    if (text[start] === "第") {
      const line = text.slice(start, Math.min(end, start + 200));
      if (CHAPTER.test(line)) out.push(line.slice(0, MAX_HEADING).trim());
      else {
        const article = ARTICLE.exec(line);
        if (article) {
          const rest = line.slice(article[0].length).replace(/^[\s\u3000]+/u, "");
          const titled = /^[【\[]([^】\]]{1,40})[】\]]/u.exec(rest);
          const lead = titled ? titled[1] : rest.split(/[，。：；,.:;！？!?]/u, 1)[0].slice(0, MAX_ARTICLE_LEAD);
          out.push(`${article[0]} ${lead}`.trim());
        }
      }
    }
    at = end + 1;
  }
  return out.join("\n");
}
