/**
 * Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core. No
 * browser is ever downloaded. On failure, call `keepScreenshot` to store a
 * screenshot under test-results/screenshots/ (kept as a CI artifact).
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { ROOT } from "./paths";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run installs it with apt-get install chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A new browser context with console errors collected. */
export async function newPage(browser: Browser, options: { javaScriptEnabled?: boolean; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: options.locale ?? "zh-CN",
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // A failed load says only its status; the address tells which resource it was.
    const where = m.location()?.url;
    consoleErrors.push(where && /Failed to load resource/.test(m.text()) ? `${m.text()} (${where})` : m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  return { context, page, consoleErrors };
}

/** A browser session of its own (own context, so own cookies), with the console errors it logs. */
export type BrowserSession = Awaited<ReturnType<typeof newPage>>;

/** A new session signed in as `username` through the login form. */
export async function signedInSession(browser: Browser, base: string, username: string, options: { javaScriptEnabled?: boolean; locale?: string } = {}): Promise<BrowserSession> {
  const s = await newPage(browser, options);
  await loginInBrowser(s.page, base, username);
  return s;
}

/** Signs in through the login form. */
export async function loginInBrowser(page: Page, baseUrl: string, username: string, password = "demo1234") {
  await page.goto(`${baseUrl}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click("form.form button[type=submit]")]);
}

/** Saves a screenshot for a failed step (test-results/screenshots/<name>.png). */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(ROOT, "test-results", "screenshots");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^\w.-]+/g, "_")}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  return file;
}

/** Runs a browser step; on failure keeps a screenshot and rethrows. */
export async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const file = await keepScreenshot(page, name);
    (error as Error).message += `\n(screenshot: ${file})`;
    throw error;
  }
}
