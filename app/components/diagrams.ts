/**
 * Diagrams in rendered markdown (```mermaid blocks, see
 * documents/render.server.ts markDiagrams). The server writes the source with
 * an empty caption; `withDiagramNotes` fills it in the reader's language, so a
 * page without JavaScript shows the source and says why. `useDiagrams` loads
 * the drawing code (and mermaid) only when the element holds a diagram.
 */
import { useEffect, type RefObject } from "react";
/** A translator (the page's `t`). */
type Translate = (key: string, vars?: Record<string, string | number>) => string;

const EMPTY_NOTE = '<figcaption class="diagram-note"></figcaption>';

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** True when rendered HTML holds a diagram (figure or a diff's mermaid code block). */
export function hasDiagram(html: string): boolean {
  return html.includes('class="language-mermaid"');
}

/** Fills the diagrams' fallback captions with the note in the reader's language. */
export function withDiagramNotes(html: string, t: Translate): string {
  if (!html.includes(EMPTY_NOTE)) return html;
  return html.split(EMPTY_NOTE).join(`<figcaption class="diagram-note">${escapeHtml(t("diagram.fallback"))}</figcaption>`);
}

/** Resolves once the diagrams under an element are drawn (or have failed); the print button waits for it. */
export function diagramsDrawn(root: HTMLElement | null): Promise<void> {
  const pending = root ? (root as HTMLElement & { __diagrams?: Promise<void> }).__diagrams : undefined;
  return pending ?? Promise.resolve();
}

/** Draws the diagrams inside `ref` after render; `showErrors` shows the parser's message (editor preview). */
export function useDiagrams(ref: RefObject<HTMLElement>, html: string, t: Translate, options: { showErrors?: boolean } = {}): void {
  const showErrors = options.showErrors ?? false;
  useEffect(() => {
    const root = ref.current;
    if (!root || !hasDiagram(html)) return;
    const text = {
      label: t("diagram.label"),
      failedReader: t("diagram.failedReader"),
      failedEditor: t("diagram.failedEditor"),
      before: t("diagram.before"),
      after: t("diagram.after"),
    };
    // A failed load leaves the source and its note in place: the page stays readable.
    const work = import("~/editor/mermaid.client")
      .then((m) => m.drawDiagrams(root, text, { showErrors }))
      .catch(() => undefined);
    (root as HTMLElement & { __diagrams?: Promise<void> }).__diagrams = work;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [html, showErrors]);
}
