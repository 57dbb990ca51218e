/**
 * A document's article HTML travels once per page (decision 076).
 *
 * On a full page load the loader leaves the HTML out of its data and hands it
 * to the server render through the request's load context; the markup carries
 * it, the hydration data only a key. In the browser the component takes the
 * HTML back from the element the server rendered, so hydration leaves that
 * DOM as it is. Client navigations (data requests) carry the HTML in the data
 * as before.
 */
import { createContext, useContext, useState } from "react";
import type { ArticleHtml } from "~/web/article-html.server";

export type { ArticleHtml };

/** HTML of the articles a server render shows, by key (provided by entry.server). */
export const ArticleHtmlContext = createContext<ReadonlyMap<string, string> | null>(null);

export const ARTICLE_ATTRIBUTE = "data-article";

/** The article HTML to render, and the attribute that lets the browser find it again. */
export function useArticleHtml(article: ArticleHtml): { html: string; attributes: Record<string, string> } {
  const rendered = useContext(ArticleHtmlContext);
  const ref = typeof article === "string" ? null : article.ref;
  // Read once, at the first render (hydration in the browser): later data always carries the HTML.
  const [kept] = useState(() => {
    if (ref === null) return "";
    const onServer = rendered?.get(ref);
    if (onServer !== undefined) return onServer;
    if (typeof document === "undefined") return "";
    return document.querySelector(`[${ARTICLE_ATTRIBUTE}="${CSS.escape(ref)}"]`)?.innerHTML ?? "";
  });
  if (ref === null) return { html: article as string, attributes: {} };
  return { html: rendered?.get(ref) ?? kept, attributes: { [ARTICLE_ATTRIBUTE]: ref } };
}
