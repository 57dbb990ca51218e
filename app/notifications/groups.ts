/** The groups of messages a person chooses channels for (shared by the settings page and the server). */
export type NotificationGroup = "changes" | "minor" | "tasks" | "reminders";
export const NOTIFICATION_GROUPS: NotificationGroup[] = ["changes", "minor", "tasks", "reminders"];
