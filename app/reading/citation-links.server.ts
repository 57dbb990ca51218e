/**
 * Links between documents as one reader sees them (decision 089). The
 * rendered HTML of a version is the same for everyone and cached; what a link
 * leads to depends on the reader and on the cited document's state now:
 *  - a document the reader may open: its page, with its title as a tooltip;
 *  - one the reader may not open: the access-request form, and nothing of it
 *    but the number already written in the text (never its title);
 *  - a retired or unknown number: marked as such.
 * "Referenced by" lists the current documents citing one, as far as the reader may see them.
 */
import { decideRead } from "~/access/policy.server";
import type { User } from "~/data/schema";
import { citingDocuments, whenCitationsReady } from "~/documents/citation-index.server";
import { parseNumber } from "~/documents/numbering.server";
import { latestVersion } from "~/documents/version-index.server";

type Reader = Pick<User, "id" | "roles" | "departmentId">;

const ANCHOR = /<a\s[^>]*>/g;
const ATTR = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?/g;
const DOC_HREF = /^\/docs\/([^"/?#]{1,40})(\/v\/\d{1,6})?([?#].*)?$/;

function escapeAttr(s: string) {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Target {
  state: "open" | "locked" | "unknown";
  retired: boolean;
  title?: string;
}

function targetFor(reader: Reader, number: string, seen: Map<string, Target>): Target {
  let t = seen.get(number);
  if (t) return t;
  const record = latestVersion(number);
  if (!record) t = { state: "unknown", retired: false };
  else if (decideRead(reader, record.meta).allowed) t = { state: "open", retired: record.meta.retired, title: record.meta.title };
  else t = { state: "locked", retired: record.meta.retired };
  seen.set(number, t);
  return t;
}

/**
 * Points every link to a document in `html` (sanitised, rendered by the portal)
 * where it should lead for this reader. HTML without such links is returned unchanged.
 */
export function linksForReader(reader: Reader, html: string): string {
  if (!html.includes('href="/docs/')) return html;
  const seen = new Map<string, Target>();
  return html.replace(ANCHOR, (tag) => {
    const attrs: [string, string | undefined][] = [];
    for (const m of tag.slice(2, -1).matchAll(ATTR)) attrs.push([m[1].toLowerCase(), m[2]]);
    const href = attrs.find(([k]) => k === "href")?.[1];
    const m = href ? DOC_HREF.exec(href) : null;
    if (!m || !parseNumber(m[1])) return tag;
    const number = m[1];
    const target = targetFor(reader, number, seen);
    const classes = new Set((attrs.find(([k]) => k === "class")?.[1] ?? "").split(/\s+/).filter(Boolean));
    classes.add("doc-link");
    let newHref = href!;
    let title: string | undefined;
    if (target.state === "unknown") classes.add("doc-link-unknown");
    else if (target.state === "locked") {
      classes.add("doc-link-locked");
      newHref = `/access/request?number=${encodeURIComponent(number)}`;
    } else title = target.title;
    if (target.retired) classes.add("doc-link-retired");
    const kept = attrs.filter(([k]) => k !== "href" && k !== "class" && k !== "title");
    let out = `<a class="${[...classes].join(" ")}" href="${escapeAttr(newHref)}"`;
    if (title) out += ` title="${escapeAttr(title)}"`;
    for (const [k, v] of kept) out += v === undefined ? ` ${k}` : ` ${k}="${v}"`;
    return `${out}>`;
  });
}

export interface ReferencedBy {
  /** Citing documents the reader may open: number and title. */
  documents: { number: string; title: string }[];
  /** How many more cite it from documents the reader may not open (neither number nor title shown). */
  hidden: number;
}

/** The current documents that cite `number`, as far as the reader may see them. */
export async function referencedBy(reader: Reader, number: string): Promise<ReferencedBy> {
  await whenCitationsReady();
  const documents: ReferencedBy["documents"] = [];
  let hidden = 0;
  for (const citing of citingDocuments(number)) {
    const record = latestVersion(citing);
    if (!record || record.meta.retired) continue;
    if (decideRead(reader, record.meta).allowed) documents.push({ number: citing, title: record.meta.title });
    else hidden++;
  }
  return { documents, hidden };
}
