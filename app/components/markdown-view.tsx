import { useEffect, useRef } from "react";
import type { TocEntry } from "~/documents/render.server";
import { useT } from "~/i18n/use-t";
import { useArticleHtml, type ArticleHtml } from "./article-html";
import { useDiagrams, withDiagramNotes } from "./diagrams";

/**
 * A table wider than its box scrolls inside it; with JavaScript such a table is
 * also made focusable so it can be scrolled from the keyboard.
 */
function useScrollableTables(html: string) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const mark = () => {
      for (const table of Array.from(ref.current?.querySelectorAll("table") ?? [])) {
        if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
        else table.removeAttribute("tabindex");
      }
    };
    mark();
    window.addEventListener("resize", mark);
    return () => window.removeEventListener("resize", mark);
  }, [html]);
  return ref;
}

/** Sanitised document HTML (rendered and cleaned on the server) with its table of contents. */
export function MarkdownView({ html: article, toc, lang }: { html: ArticleHtml; toc: TocEntry[]; lang?: string }) {
  const t = useT();
  const { html: stored, attributes } = useArticleHtml(article);
  const html = withDiagramNotes(stored, t);
  const body = useScrollableTables(html);
  useDiagrams(body, html, t);
  return (
    <div className="doc-layout">
      <div ref={body} {...attributes} className="markdown" lang={lang === "en" ? "en" : lang === "zh" ? "zh" : undefined} dangerouslySetInnerHTML={{ __html: html }} />
      {toc.length > 1 ? (
        <nav className="doc-toc" aria-label={t("doc.toc")}>
          <strong>{t("doc.toc")}</strong>
          <ol>
            {toc.map((entry) => (
              <li key={entry.id} className={`toc-${entry.depth}`}>
                <a href={`#${entry.id}`}>{entry.text}</a>
              </li>
            ))}
          </ol>
        </nav>
      ) : null}
    </div>
  );
}
