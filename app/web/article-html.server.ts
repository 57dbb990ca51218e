/**
 * The server side of decision 076: on a full page load (not a data request),
 * the article HTML goes to the render through the load context instead of
 * into the loader data, so the page carries it once.
 *
 * scripts/serve.mjs creates the context per request (`pageRequest`,
 * `articles`); under another server the context has neither and the HTML
 * stays in the data.
 */
import type { AppLoadContext } from "@remix-run/node";

/** The HTML itself, or the key of HTML the server render holds (and the browser finds in the page). */
export type ArticleHtml = string | { ref: string };

export interface ArticleLoadContext {
  /** True for a request for a whole page; false for the data of a client navigation. */
  pageRequest?: boolean;
  /** Article HTML for the server render, by key. */
  articles?: Map<string, string>;
}

/** What a loader sends for an article: a key on a page load, the HTML otherwise. */
export function articleHtml(context: AppLoadContext | undefined, key: string, html: string): ArticleHtml {
  const ctx = context as ArticleLoadContext | undefined;
  if (!ctx?.pageRequest || !ctx.articles) return html;
  ctx.articles.set(key, html);
  return { ref: key };
}
