/**
 * The rich (WYSIWYG) editor: Milkdown over ProseMirror, writing the store's
 * markdown (editor/markdown-setup.ts). Loaded by a dynamic import from
 * components/rich-editor.tsx when an editor switches to it, so no page pays
 * for it otherwise. Blocks the editor did not touch keep their original
 * markdown byte for byte (keepUntouchedBlocks), so a change in one paragraph
 * never reformats the rest of the document in the proposal's diff.
 */
import { Editor, editorViewCtx, editorViewOptionsCtx, parserCtx, rootCtx, defaultValueCtx, serializerCtx } from "@milkdown/kit/core";
import {
  createCodeBlockCommand,
  insertImageCommand,
  toggleEmphasisCommand,
  toggleLinkCommand,
  toggleStrongCommand,
  wrapInBulletListCommand,
  wrapInHeadingCommand,
  wrapInOrderedListCommand,
  turnIntoTextCommand,
} from "@milkdown/kit/preset/commonmark";
import { addColAfterCommand, addRowAfterCommand, insertTableCommand } from "@milkdown/kit/preset/gfm";
import { history } from "@milkdown/kit/plugin/history";
import { listener, listenerCtx } from "@milkdown/kit/plugin/listener";
import { callCommand, insert, $view } from "@milkdown/kit/utils";
import { deleteColumn, deleteRow, isInTable, selectedRect } from "@milkdown/kit/prose/tables";
import { TextSelection } from "@milkdown/kit/prose/state";
import type { Node as ProseNode } from "@milkdown/kit/prose/model";
import type { EditorView, NodeView } from "@milkdown/kit/prose/view";
import { codeBlockSchema, imageSchema } from "@milkdown/kit/preset/commonmark";
import { docRefNode, keepUntouchedBlocks, tidyMarkdown, useRegulaMarkdown } from "./markdown-setup";
import { drawMermaid } from "./mermaid.client";

export interface RichEditorText {
  diagramPreview: string;
  diagramError: string;
  headerRowLocked: string;
  lastColumnLocked: string;
  notInTable: string;
}

/** Draws an image whose source is one of the document's attachments from `base`, keeping the source as written. */
function attachmentImageView(base: string) {
  return $view(imageSchema.node, () => (node: ProseNode): NodeView => {
    const img = document.createElement("img");
    const place = (n: ProseNode) => {
      const src = String(n.attrs.src ?? "");
      img.src = src.startsWith("attachments/") ? `${base}${src}` : src;
      img.alt = String(n.attrs.alt ?? "");
      if (n.attrs.title) img.title = String(n.attrs.title);
      else img.removeAttribute("title");
    };
    place(node);
    return {
      dom: img,
      update(next) {
        if (next.type !== node.type) return false;
        place(next);
        return true;
      },
    };
  });
}

export interface RichEditorOptions {
  markdown: string;
  onChange: (markdown: string) => void;
  /** Uploads a pasted or dropped file; resolves to the markdown snippet to insert. */
  upload?: (file: File) => Promise<string>;
  /** Reports a refused command or a failed upload (in the reader's language). */
  onMessage: (message: string, kind: "error" | "info") => void;
  text: RichEditorText;
  /** Where `attachments/<name>` images are served (a draft's or a version's files), so they draw wherever the page is. */
  attachmentBase?: string;
}

export type ToolbarCommand =
  | "bold"
  | "italic"
  | "h2"
  | "h3"
  | "paragraph"
  | "bulletList"
  | "orderedList"
  | "table"
  | "rowAdd"
  | "rowRemove"
  | "colAdd"
  | "colRemove"
  | "mermaid";

export interface RichEditorHandle {
  run(command: ToolbarCommand): void;
  link(href: string): void;
  docRef(number: string): void;
  image(src: string, alt: string): void;
  insertMarkdown(markdown: string): void;
  markdown(): string;
  focus(): void;
  destroy(): void;
}

const FLOWCHART_TEMPLATE = "flowchart TD\n  A[Start] --> B{Check}\n  B -->|Yes| C[Done]\n  B -->|No| A";

/** A mermaid code block edits as code with the diagram drawn live below it. */
function mermaidView(text: RichEditorText) {
  return $view(codeBlockSchema.node, () => (initial: ProseNode): NodeView => {
    let node = initial;
    const dom = document.createElement("div");
    const pre = document.createElement("pre");
    const code = document.createElement("code");
    pre.append(code);
    dom.append(pre);
    const preview = document.createElement("div");
    preview.className = "rich-diagram-preview";
    preview.contentEditable = "false";
    preview.setAttribute("aria-live", "polite");
    let timer: ReturnType<typeof setTimeout> | undefined;
    let drawn = "";
    const refresh = () => {
      const isDiagram = node.attrs.language === "mermaid";
      dom.className = isDiagram ? "rich-code rich-mermaid" : "rich-code";
      if (node.attrs.language) pre.setAttribute("data-language", String(node.attrs.language));
      else pre.removeAttribute("data-language");
      if (!isDiagram) {
        preview.remove();
        drawn = "";
        return;
      }
      if (!preview.isConnected) dom.append(preview);
      const source = node.textContent;
      if (source === drawn) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        drawn = source;
        void drawMermaid(source).then((result) => {
          if (drawn !== source) return;
          preview.replaceChildren();
          if ("svg" in result) {
            const box = document.createElement("div");
            box.className = "diagram-svg";
            box.setAttribute("role", "img");
            box.setAttribute("aria-label", text.diagramPreview);
            box.innerHTML = result.svg;
            preview.append(box);
          } else {
            const p = document.createElement("p");
            p.className = "diagram-error field-error";
            p.setAttribute("role", "alert");
            p.textContent = `${text.diagramError} ${result.error}`;
            preview.append(p);
          }
        });
      }, 250);
    };
    refresh();
    return {
      dom,
      contentDOM: code,
      update(next) {
        if (next.type !== node.type) return false;
        node = next;
        refresh();
        return true;
      },
      ignoreMutation(mutation) {
        return preview.contains(mutation.target);
      },
      destroy() {
        clearTimeout(timer);
      },
    };
  });
}

/** Files carried by a paste or drop event. */
function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  return Array.from(data.files ?? []);
}

/** Creates the rich editor inside `root`, filled with `markdown`. */
export async function createRichEditor(root: HTMLElement, options: RichEditorOptions): Promise<RichEditorHandle> {
  const original = options.markdown;
  let baseline: string | null = null;
  let last = original;
  let editor: Editor;

  /** Turns the editor's markdown into the store's (untouched blocks as they were) and reports a change. */
  const settle = (markdown: string) => {
    const tidy = tidyMarkdown(markdown);
    const next = baseline === null ? tidy : keepUntouchedBlocks(original, baseline, tidy);
    if (next !== last) {
      last = next;
      options.onChange(next);
    }
    return last;
  };

  const uploadFiles = (view: EditorView, files: File[], at?: number) => {
    const upload = options.upload;
    if (!upload) return;
    if (at !== undefined) view.dispatch(view.state.tr.setSelection(TextSelection.near(view.state.doc.resolve(at))));
    void (async () => {
      for (const file of files) {
        try {
          const snippet = await upload(file);
          editor.action(insert(snippet.endsWith("\n") ? snippet : `${snippet}\n`));
        } catch (e) {
          options.onMessage(e instanceof Error ? e.message : String(e), "error");
        }
      }
    })();
  };

  editor = useRegulaMarkdown(Editor.make())
    .config((ctx) => {
      ctx.set(rootCtx, root);
      ctx.set(defaultValueCtx, original);
      ctx.update(editorViewOptionsCtx, (prev) => ({
        ...prev,
        attributes: { class: "rich-body markdown", spellcheck: "true" },
        handlePaste: (view: EditorView, event: ClipboardEvent) => {
          const files = filesOf(event.clipboardData);
          if (files.length === 0 || !options.upload) return false;
          event.preventDefault();
          uploadFiles(view, files);
          return true;
        },
        handleDrop: (view: EditorView, event: DragEvent) => {
          const files = filesOf(event.dataTransfer);
          if (files.length === 0 || !options.upload) return false;
          event.preventDefault();
          const pos = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos;
          uploadFiles(view, files, pos);
          return true;
        },
      }));
      // Milkdown reports the markdown a moment after the last edit; markdown() reads it at once.
      ctx.get(listenerCtx).markdownUpdated((_ctx, markdown) => settle(markdown));
    })
    .use(listener)
    .use(history)
    .use(mermaidView(options.text))
    .use(options.attachmentBase ? [attachmentImageView(options.attachmentBase)] : []);
  await editor.create();

  // What the editor writes for the untouched document: the key to keeping untouched blocks as they were.
  editor.action((ctx) => {
    const doc = ctx.get(parserCtx)(original);
    baseline = tidyMarkdown(ctx.get(serializerCtx)(doc));
  });

  const view = () => editor.action((ctx) => ctx.get(editorViewCtx));
  const inTable = () => isInTable(view().state);
  const tableCommand = (fn: () => void) => {
    if (!inTable()) {
      options.onMessage(options.text.notInTable, "info");
      return;
    }
    fn();
  };

  return {
    run(command) {
      switch (command) {
        case "bold":
          editor.action(callCommand(toggleStrongCommand.key));
          break;
        case "italic":
          editor.action(callCommand(toggleEmphasisCommand.key));
          break;
        case "h2":
          editor.action(callCommand(wrapInHeadingCommand.key, 2));
          break;
        case "h3":
          editor.action(callCommand(wrapInHeadingCommand.key, 3));
          break;
        case "paragraph":
          editor.action(callCommand(turnIntoTextCommand.key));
          break;
        case "bulletList":
          editor.action(callCommand(wrapInBulletListCommand.key));
          break;
        case "orderedList":
          editor.action(callCommand(wrapInOrderedListCommand.key));
          break;
        case "table":
          editor.action(callCommand(insertTableCommand.key, { row: 3, col: 3 }));
          break;
        case "rowAdd":
          tableCommand(() => editor.action(callCommand(addRowAfterCommand.key)));
          break;
        case "colAdd":
          tableCommand(() => editor.action(callCommand(addColAfterCommand.key)));
          break;
        case "rowRemove":
          tableCommand(() => {
            const v = view();
            // The first row is the table's header: markdown tables cannot lose it.
            if (selectedRect(v.state).top === 0) return options.onMessage(options.text.headerRowLocked, "info");
            deleteRow(v.state, v.dispatch);
          });
          break;
        case "colRemove":
          tableCommand(() => {
            const v = view();
            if (selectedRect(v.state).map.width <= 1) return options.onMessage(options.text.lastColumnLocked, "info");
            deleteColumn(v.state, v.dispatch);
          });
          break;
        case "mermaid":
          editor.action(callCommand(createCodeBlockCommand.key, "mermaid"));
          editor.action((ctx) => {
            const v = ctx.get(editorViewCtx);
            const { $from } = v.state.selection;
            if ($from.parent.type.name === "code_block" && $from.parent.textContent === "") v.dispatch(v.state.tr.insertText(FLOWCHART_TEMPLATE));
          });
          break;
      }
      view().focus();
    },
    link(href) {
      const v = view();
      if (v.state.selection.empty) editor.action(insert(`[${href}](${href})`, true));
      else editor.action(callCommand(toggleLinkCommand.key, { href }));
      v.focus();
    },
    docRef(number) {
      editor.action((ctx) => {
        const v = ctx.get(editorViewCtx);
        v.dispatch(v.state.tr.replaceSelectionWith(docRefNode.type(ctx).create({ number }), false));
        v.focus();
      });
    },
    image(src, alt) {
      editor.action(callCommand(insertImageCommand.key, { src, alt }));
      view().focus();
    },
    insertMarkdown(markdown) {
      editor.action(insert(markdown));
      view().focus();
    },
    markdown() {
      return settle(editor.action((ctx) => ctx.get(serializerCtx)(ctx.get(editorViewCtx).state.doc)));
    },
    focus() {
      view().focus();
    },
    destroy() {
      void editor.destroy();
    },
  };
}
