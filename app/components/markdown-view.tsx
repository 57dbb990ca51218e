import type { TocEntry } from "~/documents/render.server";
import { useT } from "~/i18n/use-t";
import { useArticleHtml, type ArticleHtml } from "./article-html";

/** Sanitised document HTML (rendered and cleaned on the server) with its table of contents. */
export function MarkdownView({ html: article, toc, lang }: { html: ArticleHtml; toc: TocEntry[]; lang?: string }) {
  const t = useT();
  const { html, attributes } = useArticleHtml(article);
  return (
    <div className="doc-layout">
      <div {...attributes} className="markdown" lang={lang === "en" ? "en" : lang === "zh" ? "zh" : undefined} dangerouslySetInnerHTML={{ __html: html }} />
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
