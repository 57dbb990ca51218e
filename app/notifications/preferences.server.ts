/**
 * Per-person channel choices: for email and browser push, which groups of
 * messages to send (document changes, minor changes, tasks, reminders), and
 * whether minor changes wait for the daily digest or go out at once. The
 * in-app centre always receives everything: it is the record.
 */
import { z } from "zod";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { nowIso } from "~/utils/clock.server";
import { NOTIFICATION_GROUPS, type NotificationGroup } from "./notifications.server";

export type OutsideChannel = "email" | "push";

export interface NotificationPrefs {
  userId: string;
  email: NotificationGroup[];
  push: NotificationGroup[];
  minorTiming: "digest" | "immediate";
  updatedAt?: string;
}

const COLLECTION = "notificationPrefs";

export const DEFAULT_PREFS: Omit<NotificationPrefs, "userId"> = {
  email: ["changes", "minor", "tasks", "reminders"],
  push: ["changes", "tasks"],
  minorTiming: "digest",
};

/** A person's choices (defaults until they save their own). */
export function preferencesOf(userId: string): NotificationPrefs {
  const saved = collection<NotificationPrefs>(COLLECTION).find((p) => p.userId === userId);
  return saved ?? { userId, ...DEFAULT_PREFS, email: [...DEFAULT_PREFS.email], push: [...DEFAULT_PREFS.push] };
}

/** Whether a group of messages goes out on a channel for this person right away (not via the digest). */
export function wantsNow(prefs: NotificationPrefs, channel: OutsideChannel, group: NotificationGroup): boolean {
  if (!prefs[channel].includes(group)) return false;
  return group !== "minor" || prefs.minorTiming === "immediate";
}

/** Whether minor changes are held for a digest for this person. */
export function digestsMinor(prefs: NotificationPrefs): boolean {
  return prefs.minorTiming === "digest";
}

const groupList = z.preprocess(
  (v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.enum(NOTIFICATION_GROUPS as [NotificationGroup, ...NotificationGroup[]])),
);

/** The settings form (one schema for the page and the action). */
export const PrefsSchema = z.object({
  email: groupList,
  push: groupList,
  minorTiming: z.enum(["digest", "immediate"]),
});

/** Saves a person's choices. */
export async function savePreferences(userId: string, input: z.infer<typeof PrefsSchema>): Promise<NotificationPrefs> {
  const value: NotificationPrefs = {
    userId,
    email: NOTIFICATION_GROUPS.filter((g) => input.email.includes(g)),
    push: NOTIFICATION_GROUPS.filter((g) => input.push.includes(g)),
    minorTiming: input.minorTiming,
    updatedAt: nowIso(),
  };
  await updateDb((data) => {
    const list = mutableCollection<NotificationPrefs>(data, COLLECTION);
    const i = list.findIndex((p) => p.userId === userId);
    if (i >= 0) list[i] = value;
    else list.push(value);
  });
  return value;
}
