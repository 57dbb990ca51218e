/**
 * Turns a stored notification into words for one person, in their language,
 * at the moment it is shown or sent. The read check runs here every time, so
 * a person who may not read a document (now) gets only "EXE-003 <title>
 * changed": never the change summary, the diff link or any text of it.
 */
import { decideRead } from "~/access/policy.server";
import type { User } from "~/data/schema";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { formatDate, translate, type Locale, type Vars } from "~/i18n/i18n";
import { getEnv } from "~/utils/env.server";
import { openRequirementVersion } from "./acknowledgements.server";
import type { NotificationRecord } from "./notifications.server";

export interface RenderedMessage {
  title: string;
  body: string;
  /** Site-relative link. */
  href: string;
  /** True when the reader may not read the document: number and title only. */
  restricted: boolean;
  important: boolean;
}

type Reader = Pick<User, "id" | "roles" | "departmentId">;

/** The portal's external address for links in emails, pushes and webhooks. */
export function publicBaseUrl(): string {
  const env = getEnv();
  return (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
}

export function absoluteUrl(href: string): string {
  return /^https?:\/\//.test(href) ? href : `${publicBaseUrl()}${href.startsWith("/") ? "" : "/"}${href}`;
}

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

/** Only site-relative links supplied by other domains are followed. */
function safeLink(link: unknown, fallback: string): string {
  const s = str(link);
  return s.startsWith("/") && !s.startsWith("//") ? s : fallback;
}

/** Renders one notification for one reader. */
export function renderNotification(n: NotificationRecord, reader: Reader, locale: Locale): RenderedMessage {
  const t = (key: string, vars?: Vars) => translate(locale, key, vars);
  const important = n.group !== "minor";
  const data = n.data ?? {};
  const current = n.number ? latestVersion(n.number) : undefined;
  const docVars: Vars = { number: n.number ?? "", title: current?.meta.title ?? "" };
  const readable = current ? decideRead(reader, current.meta).allowed : false;
  const docHref = n.number ? `/docs/${n.number}` : "/notifications";

  const changedOnly = (): RenderedMessage => ({
    title: t("notify.changedOnly", docVars),
    body: "",
    href: docHref,
    restricted: true,
    important,
  });

  switch (n.kind) {
    case "document.published": {
      if (!current || !readable) return changedOnly();
      const version = versionsOf(n.number!).find((v) => v.version === n.version);
      const change = n.change ?? "minor";
      const title = t(`notify.pub.${change}`, { ...docVars, version: n.version ?? "" });
      const lines = [version?.summary ?? ""];
      // The request to confirm stays in the message only while it is still open for this version.
      if (data.ackDue && openRequirementVersion(reader.id, n.number!) === n.version) lines.push(t("notify.ackDue", { version: n.version ?? "", date: formatDate(str(data.ackDue), locale) }));
      const history = decideRead(reader, current.meta, { history: true }).allowed;
      const href =
        n.fromVersion && n.version && history && change !== "new" ? `/docs/${n.number}/diff?from=${n.fromVersion}&to=${n.version}` : docHref;
      return { title, body: lines.filter(Boolean).join("\n"), href, restricted: false, important };
    }
    case "document.scheduled": {
      const date = formatDate(str(data.effectiveDate), locale);
      if (!current || !readable) return { title: t("notify.scheduledOnly", { ...docVars, date }), body: "", href: docHref, restricted: true, important };
      return { title: t("notify.scheduled", { ...docVars, date }), body: "", href: docHref, restricted: false, important };
    }
    case "approval.waiting": {
      const kind = ["proposal", "access-request", "emergency-access"].includes(str(data.kind)) ? str(data.kind) : "proposal";
      // Proposals name their document in the title; access requests give the document's title only.
      const what = n.number && !str(data.title).startsWith(n.number) ? `${n.number} ${str(data.title)}` : str(data.title);
      return {
        title: t(`notify.waiting.${kind}`, { title: what }),
        body: data.dueAt ? t("notify.dueBy", { date: formatDate(str(data.dueAt), locale, true) }) : "",
        href: safeLink(data.link, "/"),
        restricted: false,
        important,
      };
    }
    case "approval.overdue":
      return {
        title: t(data.mine ? "notify.overdue.mine" : "notify.overdue.other", { title: str(data.title) }),
        body: data.dueAt ? t("notify.overdue.since", { date: formatDate(str(data.dueAt), locale, true) }) : "",
        href: safeLink(data.link, "/"),
        restricted: false,
        important,
      };
    case "proposal.decided": {
      const decision = str(data.decision);
      return {
        title: t(`notify.proposal.${decision}`, { title: str(data.title), stage: str(data.stage) }),
        body: data.reason ? t("notify.reason", { reason: str(data.reason) }) : "",
        href: safeLink(data.link, "/"),
        restricted: false,
        important,
      };
    }
    case "access.decided": {
      const decision = str(data.decision);
      const lines: string[] = [];
      if (data.reason) lines.push(t("notify.reason", { reason: str(data.reason) }));
      if (data.expiresAt && (decision === "approved" || decision === "ratified")) lines.push(t("notify.access.until", { date: formatDate(str(data.expiresAt), locale, true) }));
      return { title: t(`notify.access.${decision}`, docVars), body: lines.join("\n"), href: docHref, restricted: false, important };
    }
    case "suggestion.created":
      return { title: t("notify.suggestion.created", docVars), body: "", href: safeLink(data.link, docHref), restricted: !readable, important };
    case "suggestion.decided":
      return {
        title: t(`notify.suggestion.${str(data.outcome) === "accepted" ? "accepted" : "declined"}`, docVars),
        body: data.reason ? t("notify.reason", { reason: str(data.reason) }) : "",
        href: safeLink(data.link, docHref),
        restricted: !readable,
        important,
      };
    case "citation.affected": {
      // The citing documents are the recipient's own; the cited one is named by number only unless they may read it.
      const document = readable && current ? `${n.number} ${current.meta.title}` : (n.number ?? "");
      const citing = str(data.citing).split(",").filter(Boolean).join(locale === "zh-CN" ? "、" : ", ");
      const change = n.change === "retire" ? "retire" : "major";
      return {
        title: t(`notify.cited.${change}`, { document, citing, version: n.version ?? "" }),
        body: t("notify.cited.body"),
        href: str(data.citing).split(",")[0] ? `/docs/${str(data.citing).split(",")[0]}` : docHref,
        restricted: !readable,
        important,
      };
    }
    case "acknowledgement.reminder": {
      const count = Number(data.count ?? 1);
      if (count === 1 && n.number && current) {
        if (!readable) return changedOnly();
        return {
          title: t("notify.ack.reminder1", { ...docVars, version: current.version, date: formatDate(str(data.dueDate), locale) }),
          body: data.overdue ? t("notify.ack.overdue") : "",
          href: docHref,
          restricted: false,
          important,
        };
      }
      return { title: t("notify.ack.reminderMany", { count }), body: data.overdue ? t("notify.ack.overdue") : "", href: "/acknowledgements", restricted: false, important };
    }
    case "review.due":
    case "review.overdue": {
      const count = Number(data.count ?? 1);
      if (count > 1 || !n.number) {
        return {
          title: t(n.kind === "review.due" ? "notify.review.manyDue" : "notify.review.manyOverdue", { count }),
          body: t("notify.review.body"),
          href: "/admin/reviews",
          restricted: false,
          important,
        };
      }
      const date = formatDate(str(data.dueDate), locale);
      return {
        title: t(n.kind === "review.due" ? "notify.review.due" : "notify.review.overdue", { ...docVars, date }),
        body: t("notify.review.body"),
        href: `/admin/reviews?number=${encodeURIComponent(n.number ?? "")}`,
        restricted: false,
        important,
      };
    }
  }
  return { title: t("notify.generic"), body: "", href: "/notifications", restricted: true, important };
}

/** Renders a daily digest of minor changes for one reader. */
export function renderDigest(records: NotificationRecord[], reader: Reader, locale: Locale): RenderedMessage & { items: RenderedMessage[] } {
  const items = records.map((r) => renderNotification(r, reader, locale));
  return {
    title: translate(locale, "notify.digest.title", { count: items.length }),
    body: items.map((i) => `• ${i.title}`).join("\n"),
    href: "/notifications",
    restricted: false,
    important: false,
    items,
  };
}
