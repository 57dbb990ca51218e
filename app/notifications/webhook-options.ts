/** Webhook formats and events (shared by the admin page and the server). */
export const WEBHOOK_FORMATS = ["json", "dingtalk", "wecom", "slack"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const WEBHOOK_EVENTS = ["document.published", "document.scheduled"] as const;
export type WebhookSubscribedEvent = (typeof WEBHOOK_EVENTS)[number];
