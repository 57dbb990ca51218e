/**
 * PDF of the print view, made by the Chromium installed on the server
 * (`chromium --headless --print-to-pdf`, started directly: no browser is
 * downloaded and no browser library is needed at run time). Chromium opens
 * the print page on this server with a one-time token that stands for the
 * reader for that one page, so the PDF is exactly the controlled copy the
 * reader would print, with the same access rules, stamp and diagrams (the
 * virtual-time budget lets the page draw them before printing). One PDF is
 * made at a time. Without Chromium the PDF link is not offered and
 * /healthz says so.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Locale } from "~/i18n/i18n";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg } from "~/utils/errors.server";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const TOKEN_TTL_MS = 60_000;
const RENDER_LIMIT_MS = 90_000;

let found: string | null | undefined;

/** The Chromium executable, or null when none is installed. */
export function chromiumPath(): string | null {
  if (found !== undefined) return found;
  const configured = getEnv().CHROMIUM_PATH;
  const list = configured ? [configured] : CANDIDATES;
  found = list.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }) ?? null;
  return found;
}

/** Whether PDFs can be made here. */
export function pdfAvailable(): boolean {
  return chromiumPath() !== null;
}

interface PrintToken {
  userId: string;
  path: string;
  expires: number;
}
const tokens = new Map<string, PrintToken>();

/** A one-time token that lets the local Chromium open `pathname` as this reader, for a minute. */
export function issuePrintToken(userId: string, pathname: string): string {
  const now = Date.now();
  for (const [k, v] of tokens) if (v.expires < now) tokens.delete(k);
  const token = randomBytes(24).toString("base64url");
  tokens.set(token, { userId, path: pathname, expires: now + TOKEN_TTL_MS });
  return token;
}

/** The reader a print token stands for, if it is valid for this page; the token is used up. */
export function takePrintToken(token: string | null, pathname: string): string | null {
  if (!token) return null;
  const entry = tokens.get(token);
  if (!entry) return null;
  tokens.delete(token);
  if (entry.expires < Date.now() || entry.path !== pathname) return null;
  return entry.userId;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs Chromium on `url` and answers the PDF bytes (one render at a time). */
export function renderPdf(url: string, locale: Locale): Promise<Buffer> {
  const run = queue.then(() => printToPdf(url, locale));
  queue = run.catch(() => undefined);
  return run;
}

async function printToPdf(url: string, locale: Locale): Promise<Buffer> {
  const chromium = chromiumPath();
  if (!chromium) throw new DomainError("unavailable", msg("download.pdfUnavailable"));
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "regula-pdf-"));
  const out = path.join(dir, "copy.pdf");
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        chromium,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-extensions",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--hide-scrollbars",
          `--lang=${locale}`,
          `--accept-lang=${locale}`,
          `--user-data-dir=${path.join(dir, "profile")}`,
          "--no-pdf-header-footer",
          "--virtual-time-budget=20000",
          `--print-to-pdf=${out}`,
          url,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => {
        if (stderr.length < 4000) stderr += c.toString("utf8");
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), RENDER_LIMIT_MS);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0 && fs.existsSync(out)) resolve();
        else reject(new Error(`chromium exited with ${code}: ${stderr.slice(-500)}`));
      });
    });
    const bytes = await fs.promises.readFile(out);
    if (bytes.subarray(0, 5).toString("latin1") !== "%PDF-") throw new Error("chromium wrote no PDF");
    return bytes;
  } catch (error) {
    console.warn(`[regula] PDF failed: ${(error as Error).message}`);
    throw new DomainError("unavailable", msg("download.pdfFailed"));
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Where Chromium reaches this server (the loopback address, or HOST when the portal listens on one address only). */
export function localOrigin(): string {
  const host = process.env.HOST;
  const name = !host || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${name}:${getEnv().PORT}`;
}
