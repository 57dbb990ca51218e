/**
 * The markdown dialect of the rich editor: Milkdown's commonmark + gfm presets,
 * written back the way the store keeps its documents ("-" bullets, "*"
 * emphasis, fenced code), and the portal's own `[[EXE-003]]` links to other
 * documents as an inline node (not as text that the markdown writer would
 * escape to `\[\[EXE-003]]`). Used by the editor in the browser and by the
 * round-trip tests.
 */
import { remarkStringifyOptionsCtx, type Editor } from "@milkdown/kit/core";
import { commonmark } from "@milkdown/kit/preset/commonmark";
import { gfm, remarkGFMPlugin } from "@milkdown/kit/preset/gfm";
import { $inputRule, $node, $remark } from "@milkdown/kit/utils";
import { InputRule } from "@milkdown/kit/prose/inputrules";

/** A document number as written inside [[…]] (same form as the renderer accepts). */
export const DOC_NUMBER = /^[A-Z][A-Z0-9]{1,7}-\d{1,6}$/;
const DOC_REF_GLOBAL = /\[\[([A-Z][A-Z0-9]{1,7}-\d{1,6})\]\]/g;

type MdNode = { type: string; value?: string; number?: string; title?: string | null; children?: MdNode[] };

/** Splits text nodes at [[NUMBER]] into docRef nodes (code and links are left alone). */
function splitDocRefs(node: MdNode): void {
  if (!node.children) return;
  const out: MdNode[] = [];
  for (const child of node.children) {
    if (child.type === "text" && child.value && child.value.includes("[[")) {
      let last = 0;
      for (const m of child.value.matchAll(DOC_REF_GLOBAL)) {
        const at = m.index ?? 0;
        if (at > last) out.push({ type: "text", value: child.value.slice(last, at) });
        out.push({ type: "docRef", number: m[1] });
        last = at + m[0].length;
      }
      if (last < child.value.length) out.push({ type: "text", value: child.value.slice(last) });
    } else {
      if (child.type !== "link" && child.type !== "linkReference") splitDocRefs(child);
      // An image or link without a title has title null, which the editor's schema refuses (it wants a string).
      if ((child.type === "image" || child.type === "link") && child.title === null) delete child.title;
      out.push(child);
    }
  }
  node.children = out;
}

const remarkDocRef = $remark("remarkDocRef", () => () => (tree: unknown) => splitDocRefs(tree as MdNode));

/** `[[EXE-003]]`: a link to the current version of another document. */
export const docRefNode = $node("doc_ref", () => ({
  group: "inline",
  inline: true,
  atom: true,
  selectable: true,
  attrs: { number: { default: "" } },
  parseDOM: [
    {
      tag: "span[data-doc-ref]",
      getAttrs: (dom) => ({ number: (dom as HTMLElement).getAttribute("data-doc-ref") ?? "" }),
    },
  ],
  toDOM: (node) => ["span", { "data-doc-ref": node.attrs.number as string, class: "doc-ref-chip", title: `[[${node.attrs.number as string}]]` }, node.attrs.number as string],
  parseMarkdown: {
    match: (n) => n.type === "docRef",
    runner: (state, n, type) => {
      state.addNode(type, { number: String((n as unknown as MdNode).number ?? "") });
    },
  },
  toMarkdown: {
    match: (n) => n.type.name === "doc_ref",
    runner: (state, n) => {
      state.addNode("docRef", undefined, undefined, { number: n.attrs.number as string });
    },
  },
}));

/** Typing `[[EXE-003]]` turns into a document link. */
export const docRefInputRule = $inputRule((ctx) =>
  new InputRule(/\[\[([A-Z][A-Z0-9]{1,7}-\d{1,6})\]\]$/, (state, match, start, end) => {
    const type = docRefNode.type(ctx);
    return state.tr.replaceWith(start, end, type.create({ number: match[1] }));
  }),
);

/** Registers the presets, the document-link node and the store's writing conventions on an editor. */
export function useRegulaMarkdown(editor: Editor): Editor {
  return editor
    .config((ctx) => {
      ctx.update(remarkStringifyOptionsCtx, (options) => ({
        ...options,
        bullet: "-" as const,
        bulletOther: "*" as const,
        emphasis: "*" as const,
        strong: "*" as const,
        fence: "`" as const,
        fences: true,
        rule: "-" as const,
        listItemIndent: "one" as const,
        incrementListMarker: true,
        handlers: {
          ...(options.handlers ?? {}),
          docRef: (node: MdNode) => `[[${node.number ?? ""}]]`,
        },
      }));
    })
    .config((ctx) => {
      // Tables as the store writes them: cells not padded to line up.
      ctx.set(remarkGFMPlugin.options.key, { tablePipeAlign: false });
    })
    .use(commonmark)
    .use(gfm)
    .use([remarkDocRef, docRefNode, docRefInputRule].flat());
}

const DELIMITER_CELL = /^\s*(:?)-+(:?)\s*$/;

/**
 * Small differences between the markdown writer and the store's own habits,
 * put back after writing: table delimiter rows as `|---|---|` (with `:` for
 * alignment), and a lone `*` between spaces left unescaped (it cannot start
 * emphasis or a list there). Fenced code is never touched.
 */
export function tidyMarkdown(markdown: string): string {
  const lines = markdown.split("\n");
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const prev = lines[i - 1] ?? "";
    const before = lines[i - 2] ?? "";
    if (line.startsWith("|") && prev.startsWith("|") && !before.startsWith("|")) {
      const cells = line.slice(1, line.endsWith("|") ? -1 : undefined).split("|");
      if (cells.length > 0 && cells.every((c) => DELIMITER_CELL.test(c))) {
        lines[i] = `|${cells.map((c) => { const m = DELIMITER_CELL.exec(c)!; return `${m[1]}---${m[2]}`; }).join("|")}|`;
        continue;
      }
    }
    let out = line;
    // An empty table cell is written as "<br />" (the editor keeps a line in it); the store leaves it blank.
    if (out.startsWith("|")) out = out.replace(/\|[ \t]*<br \/>[ \t]*(?=\|)/g, "| ").replace(/\|[ \t]{2,}(?=\|)/g, "| ");
    if (!out.includes("`")) {
      out = out.replace(/(?<=\S[ \t]+)\\\*(?=[ \t])/g, "*");
      // A bare e-mail address or web address stays bare (GFM links it either way).
      out = out.replace(/<((?:https?:\/\/|[\w.+-]+@)[^<>\s]+)>(?=$|[\s\p{P}])/gu, "$1");
    }
    lines[i] = out;
  }
  return lines.join("\n");
}

/** Top-level blocks of markdown: runs of lines separated by blank lines, fenced code kept whole. */
export function splitBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.replace(/\n+$/, "").split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
    }
    if (fence === null && line.trim() === "" && !f) {
      if (current.length) blocks.push(current.join("\n"));
      current = [];
    } else current.push(line);
  }
  if (current.length) blocks.push(current.join("\n"));
  return blocks;
}

/**
 * The editor's markdown with every block it did not change put back as the
 * original text had it. `baseline` is what the editor writes for the
 * untouched original; blocks of `edited` equal to a baseline block (matched
 * in order, longest common subsequence) take that block's original text.
 * When the original and the baseline do not split into the same number of
 * blocks, the edited text is returned as written.
 */
export function keepUntouchedBlocks(original: string, baseline: string, edited: string): string {
  if (baseline === original || edited === baseline) return edited === baseline ? original : edited;
  const o = splitBlocks(original);
  const b = splitBlocks(baseline);
  const e = splitBlocks(edited);
  // Blank lines before the first block and after the last are the original's.
  const lead = /^\n*/.exec(original)?.[0] ?? "";
  const trail = /\n*$/.exec(original)?.[0] || "\n";
  if (o.length !== b.length || b.length * e.length > 4_000_000) return `${lead}${e.join("\n\n")}${trail}`;
  // Longest common subsequence of baseline and edited blocks.
  const n = b.length;
  const m = e.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = b[i] === e[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (j < m) {
    if (i < n && b[i] === e[j]) {
      out.push(o[i]);
      i++;
      j++;
    } else if (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) i++;
    else {
      out.push(e[j]);
      j++;
    }
  }
  return `${lead}${out.join("\n\n")}${trail}`;
}
