/**
 * A version of a document as a Word file (.docx, built with `docx`): the text
 * from its markdown (headings, lists, tables, links, emphasis, code and
 * diagrams' source), the number, version, effective date and status in the
 * header of every page, and the controlled-copy notice, the reader's name and
 * the page number in the footer. What a reader may not read is never in it:
 * the body comes from openCurrent/openVersion, like the print view.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  ExternalHyperlink,
  Footer,
  Header,
  HeadingLevel,
  ImageRun,
  LevelFormat,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type ParagraphChild,
} from "docx";
import { Marked, type Token, type Tokens } from "marked";
import { formatDate, translate, type Locale } from "~/i18n/i18n";
import { nowIso, today } from "~/utils/clock.server";
import type { DownloadSource } from "./source.server";
import { attachmentTarget, wordImages, type WordImage } from "./images.server";

/** Widest an image is drawn in the page (pixels at 96 dpi: about 16 cm, the text width of an A4 page). */
const MAX_IMAGE_WIDTH = 600;
const MAX_IMAGE_HEIGHT = 800;

/** The drawn size: the image's own, shrunk to fit the page with its proportions kept. */
export function fitImage(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_IMAGE_WIDTH / width, MAX_IMAGE_HEIGHT / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

type Inline = { bold?: boolean; italics?: boolean; strike?: boolean; code?: boolean };

const HEADINGS = [HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3, HeadingLevel.HEADING_4, HeadingLevel.HEADING_5, HeadingLevel.HEADING_6];
const DOC_REF = /\[\[([A-Z][A-Z0-9]{1,7}-\d{1,6})\]\]/g;
const MONO = "Consolas";

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Builds Word paragraphs and tables from markdown tokens. */
class Writer {
  private listInstance = 0;
  constructor(
    private readonly base: string,
    private readonly t: (key: string, vars?: Record<string, string | number>) => string,
    private readonly images: Map<string, WordImage> = new Map(),
  ) {}

  private href(raw: string): string | null {
    if (/^(https?:|mailto:)/i.test(raw)) return raw;
    if (raw.startsWith("/")) return `${this.base}${raw}`;
    return null;
  }

  inline(tokens: Token[] | undefined, style: Inline = {}): ParagraphChild[] {
    const out: ParagraphChild[] = [];
    for (const token of tokens ?? []) {
      switch (token.type) {
        case "strong":
          out.push(...this.inline((token as Tokens.Strong).tokens, { ...style, bold: true }));
          break;
        case "em":
          out.push(...this.inline((token as Tokens.Em).tokens, { ...style, italics: true }));
          break;
        case "del":
          out.push(...this.inline((token as Tokens.Del).tokens, { ...style, strike: true }));
          break;
        case "codespan":
          out.push(new TextRun({ text: decodeEntities((token as Tokens.Codespan).text), font: MONO, bold: style.bold, italics: style.italics }));
          break;
        case "br":
          out.push(new TextRun({ break: 1 }));
          break;
        case "link": {
          const link = token as Tokens.Link;
          const target = this.href(link.href);
          if (target) out.push(new ExternalHyperlink({ link: target, children: [new TextRun({ text: decodeEntities(link.text), style: "Hyperlink", bold: style.bold, italics: style.italics })] }));
          else out.push(...this.inline(link.tokens, style));
          break;
        }
        case "image": {
          const image = token as Tokens.Image;
          const name = attachmentTarget(image.href);
          const found = name ? this.images.get(name) : undefined;
          if (found) {
            const alt = image.text || name || "";
            out.push(
              new ImageRun({
                type: found.type,
                data: found.data,
                transformation: fitImage(found.width, found.height),
                altText: { name: name ?? alt, title: image.title ?? alt, description: alt },
              }),
            );
          } else out.push(new TextRun({ text: `[${this.t("download.imageNote", { alt: image.text || image.href })}]`, italics: true }));
          break;
        }
        case "text": {
          const text = token as Tokens.Text;
          if (text.tokens && text.tokens.length) out.push(...this.inline(text.tokens, style));
          else out.push(this.run(decodeEntities(text.text), style));
          break;
        }
        case "escape":
          out.push(this.run(decodeEntities((token as Tokens.Escape).text), style));
          break;
        case "html":
          out.push(this.run(decodeEntities((token as Tokens.HTML).text.replace(/<[^>]*>/g, "")), style));
          break;
        default:
          if ("text" in token && typeof token.text === "string") out.push(this.run(decodeEntities(token.text), style));
      }
    }
    return out;
  }

  private run(text: string, style: Inline): TextRun {
    return new TextRun({ text, bold: style.bold, italics: style.italics, strike: style.strike, font: style.code ? MONO : undefined });
  }

  blocks(tokens: Token[], depth = 0): (Paragraph | Table)[] {
    const out: (Paragraph | Table)[] = [];
    for (const token of tokens) {
      switch (token.type) {
        case "heading": {
          const h = token as Tokens.Heading;
          out.push(new Paragraph({ heading: HEADINGS[Math.min(h.depth, 6) - 1], children: this.inline(h.tokens) }));
          break;
        }
        case "paragraph":
          out.push(new Paragraph({ children: this.inline((token as Tokens.Paragraph).tokens) }));
          break;
        case "list":
          out.push(...this.list(token as Tokens.List, depth));
          break;
        case "table":
          out.push(this.table(token as Tokens.Table), new Paragraph({ children: [] }));
          break;
        case "blockquote":
          out.push(...this.blocks((token as Tokens.Blockquote).tokens, depth));
          break;
        case "code": {
          const code = token as Tokens.Code;
          if (code.lang === "mermaid") out.push(new Paragraph({ children: [new TextRun({ text: this.t("download.diagramNote"), italics: true })] }));
          out.push(
            new Paragraph({
              shading: { type: ShadingType.CLEAR, fill: "F1F3F6", color: "auto" },
              children: code.text.split("\n").flatMap((line, i) => [...(i > 0 ? [new TextRun({ break: 1 })] : []), new TextRun({ text: line, font: MONO, size: 18 })]),
            }),
          );
          break;
        }
        case "hr":
          out.push(new Paragraph({ border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: "999999", space: 1 } }, children: [] }));
          break;
        case "html": {
          const text = decodeEntities((token as Tokens.HTML).text.replace(/<[^>]*>/g, "")).trim();
          if (text) out.push(new Paragraph({ children: [new TextRun(text)] }));
          break;
        }
        case "space":
          break;
        default:
          if ("text" in token && typeof token.text === "string" && token.text.trim()) out.push(new Paragraph({ children: [new TextRun(decodeEntities(token.text))] }));
      }
    }
    return out;
  }

  private list(list: Tokens.List, depth: number): Paragraph[] {
    const out: Paragraph[] = [];
    const instance = ++this.listInstance;
    for (const item of list.items) {
      let first = true;
      for (const token of item.tokens) {
        if (token.type === "list") {
          out.push(...this.list(token as Tokens.List, depth + 1));
          continue;
        }
        const inner = token.type === "text" || token.type === "paragraph" ? this.inline((token as Tokens.Text).tokens ?? [{ type: "text", raw: token.raw, text: (token as Tokens.Text).text } as Tokens.Text]) : null;
        if (inner === null) {
          out.push(...(this.blocks([token], depth + 1).filter((b) => b instanceof Paragraph) as Paragraph[]));
          continue;
        }
        const check = item.task ? [new TextRun(item.checked ? "☑ " : "☐ ")] : [];
        if (first) {
          out.push(
            new Paragraph({
              children: [...check, ...inner],
              ...(list.ordered
                ? { numbering: { reference: "ordered", level: Math.min(depth, 8), instance } }
                : { bullet: { level: Math.min(depth, 8) } }),
            }),
          );
          first = false;
        } else out.push(new Paragraph({ children: inner, indent: { left: 720 * (depth + 1) } }));
      }
    }
    return out;
  }

  private table(table: Tokens.Table): Table {
    const align = (a: "center" | "left" | "right" | null) => (a === "center" ? AlignmentType.CENTER : a === "right" ? AlignmentType.RIGHT : AlignmentType.LEFT);
    const cell = (c: Tokens.TableCell, header: boolean, a: "center" | "left" | "right" | null) =>
      new TableCell({
        shading: header ? { type: ShadingType.CLEAR, fill: "E8EEF3", color: "auto" } : undefined,
        children: [new Paragraph({ alignment: align(a), children: this.inline(c.tokens, header ? { bold: true } : {}) })],
      });
    return new Table({
      width: { size: 100, type: WidthType.PERCENTAGE },
      rows: [
        new TableRow({ tableHeader: true, children: table.header.map((c, i) => cell(c, true, table.align[i] ?? null)) }),
        ...table.rows.map((row) => new TableRow({ children: row.map((c, i) => cell(c, false, table.align[i] ?? null)) })),
      ],
    });
  }
}

/** "{a} of {b}" with Word's page fields in place of the placeholders. */
function pageRuns(template: string): TextRun {
  const children: (string | (typeof PageNumber)[keyof typeof PageNumber])[] = [];
  for (const part of template.split(/(\{page\}|\{pages\})/)) {
    if (part === "{page}") children.push(PageNumber.CURRENT);
    else if (part === "{pages}") children.push(PageNumber.TOTAL_PAGES);
    else if (part) children.push(part);
  }
  return new TextRun({ children, size: 16 });
}

/** Word's status word for the copy. */
export function copyStatus(source: Pick<DownloadSource, "retired" | "superseded" | "effectiveDate">): "current" | "superseded" | "retired" | "upcoming" {
  if (source.retired) return "retired";
  if (source.superseded) return "superseded";
  if (source.effectiveDate && source.effectiveDate > today()) return "upcoming";
  return "current";
}

/** The .docx bytes of a document version opened for a reader. */
export async function buildDocx(source: DownloadSource, locale: Locale, base: string): Promise<Buffer> {
  const t = (key: string, vars?: Record<string, string | number>) => translate(locale, key, vars);
  const status = t(`download.status.${copyStatus(source)}`);
  const effective = source.effectiveDate ? formatDate(source.effectiveDate, locale) : "—";
  const headerLine = t("download.header", { number: source.number, version: source.version, date: effective, status });
  const markdown = source.body.replace(DOC_REF, (_m, number: string) => `[${number}](/docs/${number})`);
  const marked = new Marked({ gfm: true, breaks: false });
  const tokens = marked.lexer(markdown);
  // The version's images the text shows are embedded (read at that version's commit).
  const wanted: string[] = [];
  marked.walkTokens(tokens, (tk) => {
    if (tk.type === "image") {
      const name = attachmentTarget((tk as Tokens.Image).href);
      if (name) wanted.push(name);
    }
  });
  const writer = new Writer(base, t, wanted.length && source.commit ? await wordImages(source.number, source.commit, wanted) : new Map());
  const small = (text: string, extra: { bold?: boolean } = {}) => new TextRun({ text, size: 16, ...extra });
  const doc = new Document({
    creator: "Regula",
    title: `${source.number} ${source.title}`,
    description: headerLine,
    styles: {
      default: { document: { run: { font: { ascii: "Calibri", hAnsi: "Calibri", eastAsia: "Microsoft YaHei", cs: "Calibri" }, size: 22 } } },
    },
    numbering: {
      config: [
        {
          reference: "ordered",
          levels: Array.from({ length: 9 }, (_, level) => ({
            level,
            format: [LevelFormat.DECIMAL, LevelFormat.LOWER_LETTER, LevelFormat.LOWER_ROMAN][level % 3],
            text: `%${level + 1}.`,
            alignment: AlignmentType.START,
            style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } },
          })),
        },
      ],
    },
    sections: [
      {
        headers: {
          default: new Header({
            children: [
              new Paragraph({ children: [small(headerLine, { bold: true })] }),
              new Paragraph({
                border: { bottom: { style: BorderStyle.SINGLE, size: 4, color: "999999", space: 1 } },
                children: [small(`${source.number} ${source.title}`)],
              }),
            ],
          }),
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({ children: [small(t("download.controlled"), { bold: true })] }),
              new Paragraph({ children: [small(t("download.issuedTo", { name: `${source.readerName} (${source.readerUsername})`, when: formatDate(nowIso(), locale, true) }))] }),
              new Paragraph({ alignment: AlignmentType.RIGHT, children: [pageRuns(t("download.page"))] }),
            ],
          }),
        },
        children: [
          // The body usually opens with the title as its own first heading.
          ...(tokens.find((tk) => tk.type !== "space")?.type === "heading" ? [] : [new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(`${source.number} ${source.title}`)] })]),
          new Paragraph({ children: [new TextRun({ text: headerLine, italics: true })] }),
          ...writer.blocks(tokens),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
