import type { TocEntry } from "~/documents/render.server";
import { useT } from "~/i18n/use-t";

/** Sanitised document HTML (rendered and cleaned on the server) with its table of contents. */
export function MarkdownView({ html, toc, lang }: { html: string; toc: TocEntry[]; lang?: string }) {
  const t = useT();
  return (
    <div className="doc-layout">
      <div className="markdown" lang={lang === "en" ? "en" : lang === "zh" ? "zh" : undefined} dangerouslySetInnerHTML={{ __html: html }} />
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
