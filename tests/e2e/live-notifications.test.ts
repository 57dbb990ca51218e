/**
 * Live notifications in a real browser (Debian's Chromium via playwright-core):
 *  - an open page gets the toast and the new unread count without reloading;
 *  - after a network drop (a local TCP proxy between browser and portal cuts
 *    every connection) and after a proxy error page (502), the page reconnects
 *    by itself and shows what it missed;
 *  - marking read in one tab updates the count in another;
 *  - the service worker registers from the settings page, and a push message
 *    delivered to it (through Chromium's DevTools protocol, standing in for a
 *    push service, which is not reachable from here) shows a notification;
 *  - the settings page says plainly when a browser has no push support.
 * Publications go through the portal's publisher via a test hook standing in
 * for the approval workflow.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { freePort, type RunningServer } from "../helpers/server";
import { scaled } from "../helpers/time";
import { createWorld, type World } from "../helpers/world";
import { publish } from "../integration/notifications-receivers";

type ProxyMode = "pass" | "reset" | "502";

/** A TCP proxy in front of the portal that can cut connections or answer 502, like a flaky network or gateway. */
async function startProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let mode: ProxyMode = "pass";
  const server = net.createServer((client) => {
    if (mode === "reset") {
      client.destroy();
      return;
    }
    if (mode === "502") {
      client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Gateway");
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    setMode(next: ProxyMode) {
      mode = next;
      if (next !== "pass") for (const s of [...sockets]) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of [...sockets]) s.destroy();
        server.close(() => r());
      }),
  };
}

let world: World;
let server: RunningServer;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  server = await world.server({ REGULA_NO_SCHEDULER: "1" });
  proxy = await startProxy(server.port);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await world?.cleanup();
});

async function unread(page: Page): Promise<number> {
  return Number(await page.textContent("[data-testid=unread-count]"));
}

/**
 * Delivers a push message to the service worker and waits for the notification it shows.
 * Under load a worker that has just activated can miss the first message, so it is sent again
 * (same tag: the browser replaces, never duplicates, the notification).
 */
async function pushAndWait(page: Page, deliver: () => Promise<unknown>, tag: string) {
  const deadline = Date.now() + scaled(30_000);
  let nextSend = 0;
  for (;;) {
    if (Date.now() >= nextSend) {
      await deliver();
      nextSend = Date.now() + 3000;
    }
    const list = await page.evaluate(async (t) => {
      const reg = await navigator.serviceWorker.ready;
      return (await reg.getNotifications({ tag: t })).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as { url: string } }));
    }, tag);
    if (list.length) return list;
    if (Date.now() > deadline) throw new Error("no notification was shown");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitLive(page: Page) {
  await page.waitForSelector(".notification-bell[data-live=live]", { timeout: 15_000 });
}

describe("live notifications on an open page", () => {
  it("shows a toast and the new count without reloading, and recovers from a dropped network and a gateway error", async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    try {
      await loginInBrowser(page, proxy.url, "staff");
      await page.goto(`${proxy.url}/`);
      await waitLive(page);
      const before = await unread(page);
      // A marker that a reload would wipe.
      await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

      const doc = await publish(server.url, { actor: "editor", document: { title: "装卸区安全规程", body: "装卸时设置警示锥。", ownerDepartment: "ops" } });
      await step(page, "live-toast", () => page.waitForSelector(`.toast .toast-title:has-text("新文档 ${doc.number} 装卸区安全规程（v1）")`, { timeout: 10_000 }));
      expect(await unread(page)).toBe(before + 1);
      await publish(server.url, { actor: "editor", change: "major", summary: "夜间装卸须两人作业", document: { number: doc.number } });
      await step(page, "live-toast-major", () => page.waitForSelector(`.toast:has-text("夜间装卸须两人作业")`, { timeout: 10_000 }));
      expect(await unread(page)).toBe(before + 2);
      const toastLink = await page.getAttribute(`.toast:has-text("夜间装卸须两人作业") .toast-title`, "href");
      expect(toastLink).toMatch(/^\/notifications\/n\d+$/);

      // The network drops: every connection is cut and new ones fail for a while.
      proxy.setMode("reset");
      await page.waitForSelector(".notification-bell[data-live=reconnecting]", { timeout: 10_000 });
      await publish(server.url, { actor: "editor", change: "major", summary: "装卸区禁止吸烟", document: { number: doc.number } });
      await new Promise((r) => setTimeout(r, 1500));
      proxy.setMode("pass");
      await step(page, "reconnect-after-drop", () => page.waitForSelector(`.toast:has-text("装卸区禁止吸烟")`, { timeout: 20_000 }));
      await waitLive(page);
      expect(await unread(page)).toBe(before + 3);

      // A gateway answers 502: the browser gives up on its own, the page keeps trying.
      proxy.setMode("502");
      await page.waitForSelector(".notification-bell[data-live=reconnecting]", { timeout: 10_000 });
      await publish(server.url, { actor: "editor", change: "major", summary: "新增叉车限速", document: { number: doc.number } });
      await new Promise((r) => setTimeout(r, 2500));
      proxy.setMode("pass");
      await step(page, "reconnect-after-502", () => page.waitForSelector(`.toast:has-text("新增叉车限速")`, { timeout: 30_000 }));
      expect(await unread(page)).toBe(before + 4);

      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
      // Chromium logs the failed reconnections (network errors, 502) itself; the page logs nothing else.
      expect(consoleErrors.filter((e) => !/ERR_CONNECTION|ERR_EMPTY_RESPONSE|502|net::|Failed to load resource|EventSource/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("updates the count in another open tab when notifications are marked read", async () => {
    const { page, context } = await newPage(browser);
    try {
      await loginInBrowser(page, proxy.url, "qahead");
      const doc = await publish(server.url, { actor: "editor", document: { title: "来料检验记录表", body: "逐批记录。", ownerDepartment: "qa" } });
      const other = await context.newPage();
      await other.goto(`${proxy.url}/`);
      await waitLive(other);
      expect(await unread(other)).toBeGreaterThan(0);
      await page.goto(`${proxy.url}/notifications`);
      await page.waitForSelector(`text=新文档 ${doc.number} 来料检验记录表（v1）`);
      await page.click("button:has-text('全部标为已读')");
      await other.waitForFunction(() => document.querySelector("[data-testid=unread-count]")?.textContent === "0", undefined, { timeout: 10_000 });
      await page.waitForFunction(() => document.querySelector("[data-testid=unread-count]")?.textContent === "0", undefined, { timeout: 10_000 });
      // The page itself reloads its data after the post: the button goes, the items are no longer marked unread.
      await page.waitForSelector("button:has-text('全部标为已读')", { state: "detached", timeout: 10_000 });
      expect(await page.locator(".notification-item.unread").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe("browser push", () => {
  it("registers the service worker, and shows a pushed notification that opens the right page", async () => {
    const { page, context } = await newPage(browser);
    try {
      await context.grantPermissions(["notifications"], { origin: proxy.url });
      await loginInBrowser(page, proxy.url, "staff");
      const cdp = await context.newCDPSession(page);
      const registrations: { registrationId: string; scopeURL: string }[] = [];
      cdp.on("ServiceWorker.workerRegistrationUpdated", (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
        for (const r of e.registrations) if (!r.isDeleted) registrations.push(r);
      });
      await cdp.send("ServiceWorker.enable");
      await page.goto(`${proxy.url}/settings/notifications`);
      await step(page, "push-state", () => page.waitForSelector("[data-push-state=off], [data-push-state=on]", { timeout: 15_000 }));
      const sw = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return { script: reg.active?.scriptURL, scope: reg.scope };
      });
      expect(sw.script).toBe(`${proxy.url}/sw.js`);
      expect(sw.scope).toBe(`${proxy.url}/`);
      const reg = registrations.find((r) => r.scopeURL === `${proxy.url}/`);
      expect(reg).toBeTruthy();

      // A push message as the server would send it (after decryption by the browser).
      const payload = JSON.stringify({ title: "EXE-001 文檔編寫與修訂操作規程：v9 重大变更", body: "新增审批时限", url: "/docs/EXE-001/diff?from=8&to=9", tag: "regula-EXE-001" });
      const deliver = (data: string) => () => cdp.send("ServiceWorker.deliverPushMessage", { origin: proxy.url, registrationId: reg!.registrationId, data });
      const notes = await pushAndWait(page, deliver(payload), "regula-EXE-001");
      expect(notes[0]).toEqual({ title: "EXE-001 文檔編寫與修訂操作規程：v9 重大变更", body: "新增审批时限", tag: "regula-EXE-001", data: { url: `${proxy.url}/docs/EXE-001/diff?from=8&to=9` } });
      // A link to another site in a push is turned into the notification centre.
      const second = await pushAndWait(page, deliver(JSON.stringify({ title: "x", url: "https://evil.example/", tag: "t2" })), "t2");
      expect(second[0].data.url).toBe(`${proxy.url}/notifications`);
    } finally {
      await context.close();
    }
  });

  it("says plainly when the browser cannot do push", async () => {
    const { page, context } = await newPage(browser);
    try {
      await context.addInitScript(() => {
        delete (window as unknown as { PushManager?: unknown }).PushManager;
      });
      await loginInBrowser(page, proxy.url, "staff");
      await page.goto(`${proxy.url}/settings/notifications`);
      await page.waitForSelector("[data-push-state=unsupported]");
      expect(await page.textContent("[data-push-state=unsupported]")).toContain("此浏览器不支持推送通知");
    } finally {
      await context.close();
    }
  });
});
