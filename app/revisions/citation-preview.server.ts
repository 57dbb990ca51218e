/**
 * The editor's preview shows, above the rendered text, the citations that
 * lead nowhere useful — retired numbers, numbers that do not exist, pinned
 * versions that do not exist — so that they are fixed before the proposal is
 * submitted (decision 089).
 */
import { brokenReferencesIn, type BrokenReference } from "~/documents/citation-index.server";
import { renderMarkdown, type RenderedDocument, type RenderOptions } from "~/documents/render.server";
import { translate, type Locale } from "~/i18n/i18n";
import { requestLocale } from "~/i18n/request-locale.server";
import { linksForReader } from "~/reading/citation-links.server";
import type { User } from "~/data/schema";

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The notice listing broken citations, in the request's language ("" when there are none). */
export function brokenReferencesNotice(broken: BrokenReference[], locale: Locale = requestLocale() ?? "en"): string {
  if (!broken.length) return "";
  const t = (key: string, vars?: Record<string, string | number>) => escapeHtml(translate(locale, key, vars));
  const items = broken.map((b) => `<li>${t(`revisions.preview.broken.${b.problem}`, { number: b.number, version: b.version ?? "" })}</li>`);
  return `<div class="note broken-refs" role="note"><p>${t("revisions.preview.broken", { count: broken.length })}</p><ul>${items.join("")}</ul></div>`;
}

/** The preview of a text being written: rendered, with the broken-citations notice on top; links resolved for the reader when known. */
export function previewWithReferences(
  markdown: string,
  reader?: Pick<User, "id" | "roles" | "departmentId">,
  options: RenderOptions = {},
): RenderedDocument & { brokenReferences: BrokenReference[] } {
  const rendered = renderMarkdown(markdown, options);
  const broken = brokenReferencesIn(markdown);
  const html = reader ? linksForReader(reader, rendered.html) : rendered.html;
  return { html: brokenReferencesNotice(broken) + html, toc: rendered.toc, brokenReferences: broken };
}
