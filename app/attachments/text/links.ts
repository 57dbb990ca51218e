/** The address of a version's attachment for links from search hits; a PDF page is opened with #page=N. */
import type { TextLocator } from "./types";

export function attachmentLink(number: string, version: number, name: string, locator: TextLocator): string {
  const base = `/docs/${encodeURIComponent(number)}/v/${version}/attachments/${encodeURIComponent(name)}`;
  return locator?.kind === "page" ? `${base}#page=${encodeURIComponent(locator.value)}` : base;
}
