/**
 * Email over SMTP (nodemailer, SMTP_URL). Each delivery is rendered when it is
 * sent, in the recipient's language, after their read access is checked again.
 * Without SMTP_URL the channel is off and the settings page says so.
 */
import nodemailer from "nodemailer";
import { getUserById } from "~/org/users.server";
import type { User } from "~/data/schema";
import { translate, type Locale } from "~/i18n/i18n";
import { getEnv } from "~/utils/env.server";
import { absoluteUrl, renderDigest, renderNotification, type RenderedMessage } from "./messages.server";
import { notificationsById } from "./notifications.server";
import type { DeliveryResult, OutboxEntry } from "./outbox.server";

let transport: { url: string; mailer: ReturnType<typeof nodemailer.createTransport> } | null = null;

/** Whether an SMTP server is configured. */
export function emailConfigured(): boolean {
  return !!getEnv().SMTP_URL;
}

function mailer() {
  const url = getEnv().SMTP_URL;
  if (!url) return null;
  if (transport?.url !== url) {
    transport = {
      url,
      mailer: nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }),
    };
  }
  return transport.mailer;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function localeOfUser(user: User): Locale {
  return user.locale === "en" ? "en" : "zh-CN";
}

/** The email for one message (or a digest of several), in the recipient's language. */
export function composeEmail(message: RenderedMessage & { items?: RenderedMessage[] }, locale: Locale) {
  const t = (key: string, vars?: Record<string, string>) => translate(locale, key, vars);
  const link = absoluteUrl(message.href);
  const settings = absoluteUrl("/settings/notifications");
  const items = message.items ?? [];
  const textParts = [message.title, ""];
  if (items.length) for (const i of items) textParts.push(`• ${i.title}`, `  ${absoluteUrl(i.href)}`);
  else if (message.body) textParts.push(message.body, "");
  textParts.push(`${t("notify.email.open")}: ${link}`, "", "—", t("notify.email.footer"), settings);
  const htmlItems = items.length
    ? `<ul>${items.map((i) => `<li><a href="${escapeHtml(absoluteUrl(i.href))}">${escapeHtml(i.title)}</a></li>`).join("")}</ul>`
    : message.body
      ? `<p>${escapeHtml(message.body).replace(/\n/g, "<br>")}</p>`
      : "";
  const html =
    `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif;line-height:1.6;color:#1d2733">` +
    `<p><strong>${escapeHtml(message.title)}</strong></p>${htmlItems}` +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(t("notify.email.open"))}</a></p>` +
    `<hr><p style="color:#66727f;font-size:13px">${escapeHtml(t("notify.email.footer"))} <a href="${escapeHtml(settings)}">${escapeHtml(settings)}</a></p>` +
    `</body></html>`;
  return { subject: `[Regula] ${message.title}`, text: textParts.join("\n"), html };
}

/** Delivers one queued email. */
export async function sendEmail(entry: OutboxEntry): Promise<DeliveryResult> {
  const m = mailer();
  if (!m) return { ok: false, drop: true, error: "email is not configured (SMTP_URL)" };
  const user = entry.userId ? getUserById(entry.userId) : undefined;
  if (!user || !user.active || !user.email) return { ok: false, drop: true, error: "recipient no longer active" };
  const records = notificationsById(entry.notificationIds ?? []);
  if (!records.length) return { ok: false, drop: true, error: "notification no longer stored" };
  const locale = localeOfUser(user);
  const message = entry.digest ? renderDigest(records, user, locale) : renderNotification(records[0], user, locale);
  const mail = composeEmail(message, locale);
  try {
    const info = await m.sendMail({
      from: getEnv().MAIL_FROM,
      to: user.email,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { "Auto-Submitted": "auto-generated", "X-Regula-Notification": entry.notificationIds!.join(",") },
      list: { unsubscribe: absoluteUrl("/settings/notifications") },
    });
    return { ok: true, detail: String((info as { messageId?: string }).messageId ?? "") };
  } catch (error) {
    const e = error as Error & { responseCode?: number };
    // 5xx answers (unknown mailbox, refused) will not change on retry; everything else may.
    if (e.responseCode && e.responseCode >= 500) return { ok: false, retry: false, error: e.message, status: e.responseCode };
    return { ok: false, retry: true, error: e.message, status: e.responseCode };
  }
}

/** Closes pooled connections (tests). */
export function closeEmail() {
  transport?.mailer.close();
  transport = null;
}
