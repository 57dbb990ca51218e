/**
 * The notification settings page: channel choices, browser push subscriptions
 * and watches, with the document and category names a person may see.
 */
import type { User } from "~/data/schema";
import { getCategory, getConfig } from "~/documents/config.server";
import { latestVersion } from "~/documents/version-index.server";
import { emailConfigured } from "./email.server";
import { preferencesOf } from "./preferences.server";
import { subscriptionsOf, vapidPublicKey } from "./webpush.server";
import { watchesOf } from "./watches.server";

export function notificationSettings(user: User) {
  return {
    prefs: preferencesOf(user.id),
    email: { configured: emailConfigured(), address: user.email },
    push: {
      publicKey: vapidPublicKey(),
      subscriptions: subscriptionsOf(user.id).map((s) => ({ id: s.id, endpoint: s.endpoint, userAgent: s.userAgent, createdAt: s.createdAt, lastSuccessAt: s.lastSuccessAt })),
    },
    watches: watchesOf(user.id).map((w) => ({
      kind: w.kind,
      target: w.target,
      // Number and title are visible to everyone signed in.
      title: w.kind === "document" ? (latestVersion(w.target)?.meta.title ?? "") : undefined,
      categoryName: w.kind === "category" ? getCategory(w.target)?.name : undefined,
    })),
    categories: getConfig().categories.map((c) => ({ code: c.code, name: c.name })),
  };
}
