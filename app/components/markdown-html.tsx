import { useRef } from "react";
import { useT } from "~/i18n/use-t";
import { useDiagrams, withDiagramNotes } from "./diagrams";

/**
 * Sanitised markdown HTML (rendered on the server) with its diagrams drawn in
 * the browser. `showErrors`: an editor's preview, where a diagram that cannot
 * be drawn shows the parser's message.
 */
export function MarkdownHtml({ html, showErrors, className = "markdown" }: { html: string; showErrors?: boolean; className?: string }) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const filled = withDiagramNotes(html, t);
  useDiagrams(ref, filled, t, { showErrors });
  return <div ref={ref} className={className} dangerouslySetInnerHTML={{ __html: filled }} />;
}
