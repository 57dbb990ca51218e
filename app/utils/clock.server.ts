/**
 * The server's clock. Everything that compares against "now" (grant expiry,
 * effective dates, service levels, reminders) asks here, so tests can move
 * time forward through the test hooks instead of waiting days.
 */
import { DISPLAY_TIME_ZONE } from "~/i18n/i18n";
import { noteChange } from "./changes.server";

let offsetMs = 0;

export function now(): Date {
  return new Date(Date.now() + offsetMs);
}

export function nowIso(): string {
  return now().toISOString();
}

const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: DISPLAY_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" });
// sv-SE writes "2026-12-06 00:50"; hourCycle h23 keeps the midnight hour 00 (not 24).
const minuteFormat = new Intl.DateTimeFormat("sv-SE", {
  timeZone: DISPLAY_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const hourFormat = new Intl.DateTimeFormat("en-GB", { timeZone: DISPLAY_TIME_ZONE, hour: "2-digit", hourCycle: "h23" });

/** Today's date (YYYY-MM-DD) in the company's time zone, for effective and review dates. */
export function today(): string {
  return dayOf(now());
}

/** The date (YYYY-MM-DD) of an instant in the company's time zone (not UTC: 00:00–08:00 there is still "yesterday" in UTC). */
export function dayOf(at: Date | string): string {
  return dayFormat.format(typeof at === "string" ? new Date(at) : at);
}

/** "2025-03-01 14:30": an instant in the company's time zone, for plain-text notices and figures in either language. */
export function minuteOf(at: Date | string): string {
  return minuteFormat.format(typeof at === "string" ? new Date(at) : at);
}

/** The hour (0–23) of an instant in the company's time zone. */
export function hourOf(at: Date): number {
  return Number(hourFormat.format(at));
}

/** Moves the clock (test hooks only). */
export function setClockOffset(ms: number) {
  offsetMs = ms;
  noteChange();
}

export function clockOffset() {
  return offsetMs;
}

/** Adds whole working days (Mon–Fri) to a date. */
export function addWorkingDays(from: Date, days: number): Date {
  const d = new Date(from);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const dow = d.getUTCDay();
    if (dow !== 0 && dow !== 6) left--;
  }
  return d;
}
