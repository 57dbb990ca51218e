/**
 * What the notification centre pages need: a person's notifications rendered
 * in their language (with the read check applied per item), and the mark-read
 * actions.
 */
import type { User } from "~/data/schema";
import type { Locale } from "~/i18n/i18n";
import { msg, NotFoundError } from "~/utils/errors.server";
import { renderNotification } from "./messages.server";
import { getNotification, listNotifications, markRead, syncNotifications } from "./notifications.server";

export const PAGE_SIZE = 30;

export interface CentreItem {
  id: string;
  kind: string;
  title: string;
  body: string;
  href: string;
  restricted: boolean;
  important: boolean;
  digest: boolean;
  createdAt: string;
  read: boolean;
}

/** One page of a person's notifications, newest first. */
export async function notificationCentre(user: User, locale: Locale, options: { unreadOnly: boolean; page: number }) {
  // Another instance may have stored some a moment ago (decision 119).
  await syncNotifications().catch(() => undefined);
  const { items, total, unread } = listNotifications(user.id, {
    unreadOnly: options.unreadOnly,
    limit: PAGE_SIZE,
    offset: (options.page - 1) * PAGE_SIZE,
  });
  return {
    items: items.map((r): CentreItem => {
      const m = renderNotification(r, user, locale);
      return {
        id: r.id,
        kind: r.kind,
        title: m.title,
        body: m.body,
        href: m.href,
        restricted: m.restricted,
        important: m.important,
        digest: r.digest,
        createdAt: r.createdAt,
        read: !!r.readAt,
      };
    }),
    total,
    unread,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
  };
}

/** Marks one notification read and returns where it leads (checked for this reader now). */
export async function openNotification(user: User, locale: Locale, id: string): Promise<string> {
  const r = getNotification(user.id, id);
  if (!r) throw new NotFoundError(msg("notifications.err.noNotification"));
  await markRead(user.id, [id]);
  return renderNotification(r, user, locale).href;
}

export { markRead };
