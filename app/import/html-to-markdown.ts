/**
 * HTML (as mammoth produces it from Word files) → markdown the portal stores:
 * headings, paragraphs, emphasis, links, nested lists, tables (as GFM pipe
 * tables), block quotes and code. Images are dropped and counted, because the
 * portal's sanitiser does not keep inline image data.
 */
import { parseDocument } from "htmlparser2";
import type { ChildNode, Element } from "domhandler";

/** A relative link to a markdown or Word file (no scheme, not protocol-relative, not an in-page anchor). */
const RELATIVE_FILE_LINK = /^(?![a-z][a-z0-9+.-]*:)(?!\/)(?!#)[^?#]+\.(docx|md|markdown)(#[^\s]*)?$/i;

export interface ConvertResult {
  markdown: string;
  imagesDropped: number;
}

interface Ctx {
  images: number;
  /** Keep images whose source is an attachment ("attachments/<name>") as markdown images. */
  keepImages?: boolean;
}

function isElement(node: ChildNode): node is Element {
  return node.type === "tag" || node.type === "script" || node.type === "style";
}

/** Escapes characters that markdown would otherwise read as markup. */
function escapeText(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, "\\$1");
}

/** Escapes what only matters at the start of a block (headings, lists, quotes). */
function escapeLineStart(line: string): string {
  return line.replace(/^(\s*)([#>+-]|\d+[.)])(?=\s|$)/, (_m, space: string, mark: string) =>
    /^\d/.test(mark) ? `${space}${mark.replace(/([.)])$/, "\\$1")}` : `${space}\\${mark}`,
  );
}

const BLOCK = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "hr", "div", "section", "article", "dl"]);

/** Inline content of a node as markdown on one logical line (line breaks as "  \n"). */
function inline(nodes: ChildNode[], ctx: Ctx): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text") {
      out += escapeText(node.data.replace(/\s+/g, " "));
      continue;
    }
    if (!isElement(node)) continue;
    const name = node.name.toLowerCase();
    const inner = () => inline(node.children, ctx);
    switch (name) {
      case "strong":
      case "b": {
        const s = inner();
        out += s.trim() ? wrap(s, "**") : s;
        break;
      }
      case "em":
      case "i": {
        const s = inner();
        out += s.trim() ? wrap(s, "*") : s;
        break;
      }
      case "s":
      case "del":
      case "strike": {
        const s = inner();
        out += s.trim() ? wrap(s, "~~") : s;
        break;
      }
      case "code":
        out += "`" + textOf(node).replace(/`/g, "'") + "`";
        break;
      case "sup":
      case "sub":
        out += `<${name}>${escapeText(textOf(node))}</${name}>`;
        break;
      case "br":
        out += "  \n";
        break;
      case "a": {
        const href = node.attribs.href ?? "";
        const label = inner();
        if (/^(https?:|mailto:)/i.test(href) && label.trim()) out += `[${label}](${href.replace(/[()\s]/g, encodeURIComponent)})`;
        // A link to another file of the import ("Leave policy.docx#_Toc1", "../hr/leave.md") is kept for the
        // import to rewrite to that document's number; other relative targets keep their text only.
        else if (RELATIVE_FILE_LINK.test(href) && label.trim()) out += `[${label}](${href.replace(/[()\s<>]/g, encodeURIComponent)})`;
        else out += label; // bookmarks and footnote anchors keep their text only
        break;
      }
      case "img":
        // Images the caller has stored as attachments keep their place in the text.
        if (ctx.keepImages && /^attachments\/[^<>\n]+$/.test(node.attribs.src ?? "")) {
          out += `![${escapeText(node.attribs.alt?.trim() ?? "")}](<${node.attribs.src}>)`;
          break;
        }
        ctx.images++;
        if (node.attribs.alt?.trim()) out += `*${escapeText(node.attribs.alt.trim())}*`;
        break;
      default:
        if (BLOCK.has(name)) out += " " + inner() + " ";
        else out += inner();
    }
  }
  return out;
}

/** Wraps emphasis so surrounding spaces stay outside the markers (markdown needs that). */
function wrap(s: string, mark: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(s)!;
  return `${m[1]}${mark}${m[2]}${mark}${m[3]}`;
}

function textOf(node: ChildNode): string {
  if (node.type === "text") return node.data;
  if (isElement(node)) return node.children.map(textOf).join("");
  return "";
}

function cleanLine(s: string): string {
  const lines = s.split("\n");
  return lines
    .map((l, i) => {
      // A line ending in two spaces is a hard line break (from <br>); keep it except on the last line.
      const hardBreak = i < lines.length - 1 && / {2,}$/.test(l);
      const text = l.replace(/[ \t]+/g, " ").replace(/^ /, "").replace(/ $/, "");
      return hardBreak ? `${text}  ` : text;
    })
    .join("\n")
    .trim();
}

function list(node: Element, ctx: Ctx, depth: number): string {
  const ordered = node.name.toLowerCase() === "ol";
  let n = Number(node.attribs.start ?? 1) || 1;
  const lines: string[] = [];
  for (const child of node.children) {
    if (!isElement(child)) continue;
    if (child.name.toLowerCase() !== "li") {
      if (child.name === "ul" || child.name === "ol") lines.push(list(child, ctx, depth + 1));
      continue;
    }
    const marker = ordered ? `${n++}.` : "-";
    const indent = "   ".repeat(depth);
    const inlineParts: ChildNode[] = [];
    const nested: string[] = [];
    for (const c of child.children) {
      if (isElement(c) && (c.name === "ul" || c.name === "ol")) nested.push(list(c, ctx, depth + 1));
      else inlineParts.push(c);
    }
    const text = cleanLine(inline(inlineParts, ctx)).replace(/\n/g, `\n${indent}   `);
    lines.push(`${indent}${marker} ${text}`.trimEnd());
    lines.push(...nested);
  }
  return lines.join("\n");
}

function cell(node: Element, ctx: Ctx): string {
  const parts: string[] = [];
  for (const c of node.children) {
    if (isElement(c) && (c.name === "ul" || c.name === "ol")) {
      // Pipe tables cannot hold block lists: items become lines in the cell.
      for (const li of c.children) if (isElement(li)) parts.push(`• ${cleanLine(inline(li.children, ctx))}`);
    } else if (isElement(c) && BLOCK.has(c.name)) parts.push(cleanLine(inline(c.children, ctx)));
    else parts.push(cleanLine(inline([c], ctx)));
  }
  return parts
    .filter((p) => p.length)
    .join("<br>")
    .replace(/ {2}\n/g, "<br>")
    .replace(/\n/g, " ")
    .replace(/\|/g, "\\|");
}

function table(node: Element, ctx: Ctx): string {
  const rows: { cells: string[]; header: boolean }[] = [];
  const visit = (el: Element, inHead: boolean) => {
    for (const c of el.children) {
      if (!isElement(c)) continue;
      const name = c.name.toLowerCase();
      if (name === "thead") visit(c, true);
      else if (name === "tbody" || name === "tfoot") visit(c, false);
      else if (name === "tr") {
        const cells: string[] = [];
        let header = inHead;
        for (const td of c.children) {
          if (!isElement(td) || (td.name !== "td" && td.name !== "th")) continue;
          if (td.name === "th") header = true;
          cells.push(cell(td, ctx));
          const span = Math.min(Number(td.attribs.colspan ?? 1) || 1, 50);
          for (let i = 1; i < span; i++) cells.push("");
        }
        rows.push({ cells, header });
      }
    }
  };
  visit(node, false);
  if (!rows.length) return "";
  const width = Math.max(...rows.map((r) => r.cells.length), 1);
  const pad = (cells: string[]) => [...cells, ...Array(width - cells.length).fill("")];
  // GFM needs a header row; Word tables rarely mark one, so the first row is it.
  const [head, ...body] = rows;
  const line = (cells: string[]) => `| ${pad(cells).map((c) => c || " ").join(" | ")} |`;
  return [line(head.cells), `| ${Array(width).fill("---").join(" | ")} |`, ...body.map((r) => line(r.cells))].join("\n");
}

function blocks(nodes: ChildNode[], ctx: Ctx): string[] {
  const out: string[] = [];
  let pending: ChildNode[] = [];
  const flush = () => {
    if (!pending.length) return;
    const text = cleanLine(inline(pending, ctx));
    if (text) out.push(text.split("\n").map(escapeLineStart).join("\n"));
    pending = [];
  };
  for (const node of nodes) {
    if (!isElement(node)) {
      pending.push(node);
      continue;
    }
    const name = node.name.toLowerCase();
    if (name === "script" || name === "style") continue;
    if (!BLOCK.has(name)) {
      pending.push(node);
      continue;
    }
    flush();
    if (/^h[1-6]$/.test(name)) {
      const text = cleanLine(inline(node.children, ctx)).replace(/\s*\n\s*/g, " ");
      if (text) out.push(`${"#".repeat(Number(name[1]))} ${text}`);
    } else if (name === "p") {
      const text = cleanLine(inline(node.children, ctx));
      if (text) out.push(text.split("\n").map(escapeLineStart).join("\n"));
    } else if (name === "ul" || name === "ol") {
      const text = list(node, ctx, 0);
      if (text.trim()) out.push(text);
    } else if (name === "table") {
      const text = table(node, ctx);
      if (text) out.push(text);
    } else if (name === "blockquote") {
      const inner = blocks(node.children, ctx).join("\n\n");
      if (inner) out.push(inner.split("\n").map((l) => (l ? `> ${l}` : ">")).join("\n"));
    } else if (name === "pre") {
      const code = textOf(node).replace(/\n$/, "");
      const fence = code.includes("```") ? "~~~" : "```";
      out.push(`${fence}\n${code}\n${fence}`);
    } else if (name === "hr") {
      out.push("---");
    } else {
      out.push(...blocks(node.children, ctx));
    }
  }
  flush();
  return out;
}

/** Converts an HTML fragment to markdown. */
export function htmlToMarkdown(html: string, options: { keepImages?: boolean } = {}): ConvertResult {
  const ctx: Ctx = { images: 0, keepImages: options.keepImages };
  const doc = parseDocument(html, { decodeEntities: true });
  const markdown = blocks(doc.children as ChildNode[], ctx).join("\n\n").trim();
  return { markdown: markdown ? markdown + "\n" : "", imagesDropped: ctx.images };
}
