/**
 * Webhooks to other systems: generic JSON, or the message formats of DingTalk,
 * WeCom and Slack robots. Every request is signed with the webhook's shared
 * secret (`X-Regula-Signature: sha256=<HMAC of "<timestamp>.<body>">`); DingTalk
 * robots with signing enabled also get their own `timestamp`/`sign` query.
 * A webhook has no reader identity, so only documents open to all staff
 * (confidentiality "internal") carry their change summary and diff link;
 * others say only that the document changed.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { visibleName } from "~/utils/visible-text";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { formatDate, translate, type Locale } from "~/i18n/i18n";
import { nowIso } from "~/utils/clock.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { absoluteUrl } from "./messages.server";
import { enqueue, networkReason, type DeliveryResult, type OutboxEntry } from "./outbox.server";

import { WEBHOOK_EVENTS, WEBHOOK_FORMATS, type WebhookFormat, type WebhookSubscribedEvent } from "./webhook-options";

export { WEBHOOK_EVENTS, WEBHOOK_FORMATS, type WebhookFormat };
export type WebhookEventType = WebhookSubscribedEvent | "ping";

export interface Webhook {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  secret: string;
  events: WebhookSubscribedEvent[];
  locale: Locale;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

const COLLECTION = "webhooks";

export function listWebhooks(): Webhook[] {
  return [...collection<Webhook>(COLLECTION)].sort((a, b) => a.name.localeCompare(b.name));
}

export function getWebhook(id: string): Webhook | undefined {
  return collection<Webhook>(COLLECTION).find((w) => w.id === id);
}

const eventList = z.preprocess(
  (v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.enum(WEBHOOK_EVENTS)).min(1, "choose at least one event"),
);

/** The webhook form (create and edit). */
export const WebhookSchema = z.object({
  name: visibleName(60),
  url: z
    .string()
    .trim()
    .url("not a URL")
    .max(1000)
    .refine((u) => /^https?:\/\//.test(u), "http or https URLs only"),
  format: z.enum(WEBHOOK_FORMATS),
  secret: z.string().trim().max(200).default(""),
  events: eventList,
  locale: z.enum(["zh-CN", "en"]).default("zh-CN"),
  active: z.preprocess((v) => v === "on" || v === "1" || v === "true" || v === true, z.boolean()),
});

/** Creates (no id) or updates a webhook; an empty secret on create gets a generated one, on edit keeps the old one. */
export async function saveWebhook(input: z.infer<typeof WebhookSchema>, id?: string): Promise<Webhook> {
  return updateDb((data) => {
    const list = mutableCollection<Webhook>(data, COLLECTION);
    const at = nowIso();
    if (id) {
      const w = list.find((x) => x.id === id);
      if (!w) throw new NotFoundError(msg("notifications.err.noWebhook"));
      Object.assign(w, { ...input, secret: input.secret || w.secret, updatedAt: at });
      return w;
    }
    const w: Webhook = { id: randomUUID(), ...input, secret: input.secret || randomBytes(24).toString("base64url"), createdAt: at, updatedAt: at };
    list.push(w);
    return w;
  });
}

export async function deleteWebhook(id: string): Promise<void> {
  await updateDb((data) => {
    const list = mutableCollection<Webhook>(data, COLLECTION);
    const i = list.findIndex((w) => w.id === id);
    if (i < 0) throw new NotFoundError(msg("notifications.err.noWebhook"));
    list.splice(i, 1);
  });
}

/** Queues an event for every active webhook that asked for it (or one webhook, for a test). */
export async function enqueueWebhookEvent(type: WebhookEventType, event: Record<string, string | number>, only?: string): Promise<OutboxEntry[]> {
  const hooks = listWebhooks().filter((w) => (only ? w.id === only : w.active && (w.events as string[]).includes(type)));
  return enqueue(
    hooks.map((w) => ({
      // One delivery per hook and published version, however often the event is handled (decision 121).
      ...(type === "document.published" && event.number && event.version ? { id: `wh:${w.id}:published:${event.number}@${event.version}` } : {}),
      channel: "webhook" as const,
      recipient: w.url,
      webhookId: w.id,
      event: { ...event, type },
      label: type === "ping" ? "test" : `${event.number ?? ""}${event.version ? ` v${event.version}` : ""} ${type}`.trim(),
    })),
  );
}

/** What a webhook may say about a document: summary and diff link only for documents open to all staff. */
function documentFacts(event: Record<string, string | number>) {
  const number = String(event.number ?? "");
  const current = number ? latestVersion(number) : undefined;
  if (!current) return null;
  const open = current.meta.confidentiality === "internal";
  const version = Number(event.version ?? current.version);
  const record = versionsOf(number).find((v) => v.version === version);
  const from = Number(event.fromVersion ?? 0);
  return {
    number,
    title: current.meta.title,
    version,
    change: String(event.change ?? record?.change ?? ""),
    confidentiality: current.meta.confidentiality,
    ownerDepartment: current.meta.ownerDepartment,
    url: absoluteUrl(`/docs/${number}`),
    ...(event.effectiveDate ? { effectiveDate: String(event.effectiveDate) } : {}),
    ...(open && record && event.type === "document.published" ? { summary: record.summary } : {}),
    ...(open && from && event.type === "document.published" ? { diffUrl: absoluteUrl(`/docs/${number}/diff?from=${from}&to=${version}`) } : {}),
  };
}

type Facts = NonNullable<ReturnType<typeof documentFacts>>;

function headline(type: string, facts: Facts | null, locale: Locale): string {
  if (type === "ping") return translate(locale, "webhook.msg.ping");
  if (!facts) return translate(locale, "webhook.msg.unknown");
  const vars = { number: facts.number, title: facts.title, version: facts.version };
  if (type === "document.scheduled") return translate(locale, "webhook.msg.scheduled", { ...vars, date: formatDate(facts.effectiveDate, locale) });
  if (facts.confidentiality !== "internal") return translate(locale, "notify.changedOnly", vars);
  return translate(locale, `notify.pub.${facts.change || "minor"}`, vars);
}

function mdEscape(s: string): string {
  return s.replace(/([\\`*_[\]<>])/g, "\\$1");
}

function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The request body in the webhook's format. */
export function webhookBody(hook: Pick<Webhook, "format" | "locale">, entry: Pick<OutboxEntry, "id" | "createdAt" | "event">): string {
  const event = entry.event ?? {};
  const type = String(event.type ?? "ping");
  const facts = type === "ping" ? null : documentFacts(event);
  const text = headline(type, facts, hook.locale);
  const link = facts?.diffUrl ?? facts?.url ?? absoluteUrl("/");
  const linkLabel = translate(hook.locale, facts?.diffUrl ? "webhook.msg.viewDiff" : "webhook.msg.open");
  switch (hook.format) {
    case "json":
      return JSON.stringify({ event: type, delivery: entry.id, time: entry.createdAt, text, ...(facts ? { document: facts } : {}) });
    case "dingtalk":
      return JSON.stringify({
        msgtype: "markdown",
        markdown: {
          title: text.slice(0, 64),
          text: `#### ${mdEscape(text)}\n\n${facts?.summary ? `${mdEscape(facts.summary)}\n\n` : ""}[${linkLabel}](${link})`,
        },
      });
    case "wecom":
      return JSON.stringify({
        msgtype: "markdown",
        markdown: { content: `**${mdEscape(text)}**\n${facts?.summary ? `> ${mdEscape(facts.summary)}\n` : ""}[${linkLabel}](${link})` },
      });
    case "slack":
      return JSON.stringify({
        text,
        blocks: [
          {
            type: "section",
            text: { type: "mrkdwn", text: `*<${link}|${slackEscape(text)}>*${facts?.summary ? `\n${slackEscape(facts.summary)}` : ""}` },
          },
        ],
      });
  }
}

/** HMAC-SHA256 of "<timestamp>.<body>" with the shared secret, hex. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** DingTalk's own robot signature: base64 HMAC-SHA256 of "<ms timestamp>\n<secret>". */
function dingTalkUrl(url: string, secret: string, ms: number): string {
  const sign = createHmac("sha256", secret).update(`${ms}\n${secret}`).digest("base64");
  const u = new URL(url);
  u.searchParams.set("timestamp", String(ms));
  u.searchParams.set("sign", sign);
  return u.toString();
}

/** Delivers one queued webhook request. */
export async function sendWebhook(entry: OutboxEntry): Promise<DeliveryResult> {
  const hook = entry.webhookId ? getWebhook(entry.webhookId) : undefined;
  if (!hook) return { ok: false, drop: true, error: "the webhook was deleted" };
  if (!hook.active && entry.event?.type !== "ping") return { ok: false, drop: true, error: "the webhook is switched off" };
  const body = webhookBody(hook, entry);
  const ms = Date.now();
  const timestamp = String(Math.floor(ms / 1000));
  const url = hook.format === "dingtalk" && hook.secret ? dingTalkUrl(hook.url, hook.secret, ms) : hook.url;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Regula-Webhook/1",
        "X-Regula-Event": String(entry.event?.type ?? "ping"),
        "X-Regula-Delivery": entry.id,
        "X-Regula-Timestamp": timestamp,
        "X-Regula-Signature": `sha256=${signBody(hook.secret, timestamp, body)}`,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return { ok: false, retry: true, error: `could not reach ${new URL(hook.url).host}: ${networkReason(error)}` };
  }
  const text = (await res.text().catch(() => "")).slice(0, 500);
  if (res.status >= 200 && res.status < 300) {
    // Chat robots answer 200 with an error code in the body.
    if (hook.format === "dingtalk" || hook.format === "wecom") {
      try {
        const answer = JSON.parse(text) as { errcode?: number; errmsg?: string };
        if (answer.errcode && answer.errcode !== 0) {
          const rateLimited = answer.errcode === 130101 || answer.errcode === 45009;
          return { ok: false, retry: rateLimited, status: res.status, error: `robot refused: ${answer.errcode} ${answer.errmsg ?? ""}`.trim() };
        }
      } catch {
        /* not JSON: a 2xx is success */
      }
    }
    return { ok: true, status: res.status };
  }
  const retry = res.status >= 500 || res.status === 408 || res.status === 429;
  return { ok: false, retry, status: res.status, error: `answered ${res.status} ${text.slice(0, 120)}`.trim() };
}
