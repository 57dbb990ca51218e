/**
 * Every mistake a client can make is answered with the right status and either
 * the documented JSON shape ({error:{code,message}}) or a page in the reader's
 * language with a way back — never the framework's "Unexpected Server Error",
 * "No route matches URL" or a bare text answer. Probes: every kind of route
 * with bad parameters, unknown addresses, methods a route does not take, the
 * old `?_data=` protocol, single-fetch `.data` requests and the JSON API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
let zh: Client;
let en: Client;
let staff: Client;

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
  zh = await signIn(server.url, "admin", { lang: "zh-CN" });
  en = await signIn(server.url, "admin", { lang: "en" });
  staff = await signIn(server.url, "staff", { lang: "zh-CN" });
});

afterAll(async () => {
  await world?.cleanup();
});

const FRAMEWORK_TEXT = /Unexpected Server Error|No route matches|did not provide an `?action|Method Not Allowed|SanitizedError|Invalid Request/;
const HAN = /[\u4e00-\u9fff]/;

async function send(c: Client, method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    redirect: "manual",
    headers: { Cookie: c.cookieHeader(), Origin: server.url, ...(method === "POST" ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...headers },
    body: method === "POST" || method === "PUT" || method === "PATCH" ? `_csrf=${encodeURIComponent(c.csrf)}` : undefined,
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** The visible text of a page (scripts and the streamed data left out). */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&[a-z#0-9]+;/gi, " ")
    .replace(/\s+/g, " ");
}

function expectJsonError(r: { status: number; type: string; text: string }, status: number, where: string) {
  expect(r.status, where).toBe(status);
  expect(r.type, where).toContain("application/json");
  const body = JSON.parse(r.text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, `${where}: ${r.text}`).toBe("string");
  expect(typeof body.error?.message, `${where}: ${r.text}`).toBe("string");
  expect((body.error!.message as string).length, where).toBeGreaterThan(3);
  expect(r.text, where).not.toMatch(FRAMEWORK_TEXT);
}

function expectZhPage(r: { status: number; type: string; text: string }, status: number, where: string) {
  expect(r.status, where).toBe(status);
  expect(r.type, where).toContain("text/html");
  const text = visibleText(r.text);
  expect(text, where).not.toMatch(FRAMEWORK_TEXT);
  // A way back: a link home, and the status's title in Chinese.
  expect(r.text, where).toMatch(/<a [^>]*href="\/"/);
  expect(text, where).toMatch(HAN);
  // No English sentence on the page outside the brand and the language switch.
  const english = text.match(/[A-Za-z]{2,}(?:[ '’-]+[A-Za-z]{2,}){2,}/g) ?? [];
  expect(english, `${where}: ${english.join(" | ")}`).toEqual([]);
}

describe("error answers", () => {
  it("pages with bad parameters answer a translated page with navigation and the right status", async () => {
    const cases: [string, number][] = [
      ["/docs/EXE-999", 404],
      ["/docs/zzz", 404],
      ["/docs/EXE-001/v/999", 404],
      ["/docs/EXE-001/v/abc", 404],
      ["/docs/EXE-001/diff?from=abc", 400],
      ["/docs/EXE-001/diff?from=1&to=999", 404],
      ["/docs/EXE-999/history", 404],
      ["/docs/EXE-999/print", 404],
      ["/docs/EXE-001/v/999/print", 404],
      ["/docs/EXE-001/upcoming", 404],
      ["/docs/EXE-999/raw", 404],
      ["/docs/EXE-001/raw?version=abc", 404],
      ["/notifications/zzz", 404],
      ["/notifications?page=abc", 400],
      ["/proposals/P-9999", 404],
      ["/proposals/zzz/edit", 404],
      ["/categories/ZZZ", 404],
      ["/access/requests/zzz", 404],
      ["/onboarding/guides/zzz", 404],
      ["/dashboard/zzz", 404],
      ["/admin/import/zzz", 404],
      ["/admin/backups/zzz.tar.gz", 404],
      ["/nope/nowhere", 404],
      ["/docs/EXE-001/nope", 404],
      [`/search?q=${"规".repeat(300)}`, 400],
      [`/search?q=${"a".repeat(256)}`, 400],
      ["/search?q=x&category=%3Cscript%3E", 400],
    ];
    for (const [path, status] of cases) expectZhPage(await send(zh, "GET", path), status, `GET ${path}`);
  });

  it("a reader without access gets a translated 403 on the raw source, the history and the diff", async () => {
    // EXE-005 is restricted: staff may not read it.
    for (const path of ["/docs/EXE-005/raw", "/docs/EXE-005/history", "/docs/EXE-005/diff?from=1&to=2"]) {
      expectZhPage(await send(staff, "GET", path), 403, `GET ${path} as staff`);
    }
  });

  it("methods a page does not take answer 405 as a translated page", async () => {
    for (const path of ["/categories", "/docs/EXE-001/history", "/search", "/nope/nowhere"]) {
      const r = await send(zh, "POST", path);
      expect([404, 405], `POST ${path}`).toContain(r.status);
      expectZhPage(r, r.status, `POST ${path}`);
    }
  });

  it("the old ?_data= protocol is refused in the documented JSON shape, never with a 500", async () => {
    for (const [path, route] of [
      ["/proposals", "routes/proposals._index"],
      ["/proposals?status=zzz", "routes/proposals._index"],
      ["/docs/EXE-001", "routes/docs.$number"],
      ["/", "root"],
      ["/", "routes/nope"],
    ]) {
      const url = `${path}${path.includes("?") ? "&" : "?"}_data=${encodeURIComponent(route)}`;
      const r = await send(zh, "GET", url);
      expectJsonError(r, 400, `GET ${url}`);
      expect(JSON.parse(r.text).error.message, url).toMatch(HAN);
    }
  });

  it("single-fetch data requests with bad parameters carry the translated message", async () => {
    const r = await send(zh, "GET", "/docs/EXE-999.data");
    expect(r.status).toBe(404);
    expect(r.text).not.toMatch(/Unexpected Server Error/);
    expect(r.text).toContain("没有编号为 EXE-999 的文档");
    const e = await send(en, "GET", "/docs/EXE-999.data");
    expect(e.text).toContain("There is no document EXE-999");
  });

  it("the JSON API answers unknown addresses, unknown methods and bad parameters in the documented shape", async () => {
    const cases: [method: string, path: string, status: number][] = [
      ["GET", "/api/v1/nope", 404],
      ["POST", "/api/v1/nope", 404],
      ["GET", "/api/nope/deeper/still", 404],
      ["GET", "/api/v1/documents/EXE-999", 404],
      ["GET", "/api/v1/documents/zzz", 404],
      ["GET", "/api/v1/documents/EXE-001/versions/abc", 404],
      ["GET", "/api/v1/documents/EXE-001/diff?from=a&to=b", 400],
      ["GET", "/api/v1/documents?category=ZZZ", 400],
      ["GET", "/api/v1/search", 400],
      ["GET", "/api/v1/proposals?status=zzz", 400],
      ["GET", "/api/v1/proposals/P-9999", 404],
      ["GET", "/api/search/suggest?q=" + "a".repeat(300), 400],
      ["GET", "/api/v1/access/grants/zzz", 404],
      ["GET", "/api/v1/access/requests/zzz", 404],
      // methods the address does not take
      ["POST", "/api/v1/documents", 405],
      ["DELETE", "/api/v1/documents/EXE-001", 405],
      ["PUT", "/api/v1/search?q=x", 405],
      ["POST", "/api/v1/access/queue", 405],
      ["POST", "/api/v1/access/grants", 405],
      ["GET", "/api/v1/proposals/P-0001/approve", 405],
      ["GET", "/api/v1/proposals/P-0001/submit", 405],
      ["GET", "/api/preview", 405],
      ["GET", "/api/v1/access/emergency", 405],
    ];
    for (const [method, path, status] of cases) {
      const r = await send(en, method, path, { Accept: "application/json" });
      expectJsonError(r, status, `${method} ${path}`);
      if (status === 405) expect(r.text, `${method} ${path}`).toContain("method_not_allowed");
    }
    // Without a session: 401 in the same shape.
    const anon = await fetch(`${server.url}/api/v1/documents`);
    expectJsonError({ status: anon.status, type: anon.headers.get("content-type") ?? "", text: await anon.text() }, 401, "anonymous GET /api/v1/documents");
  });

  it("form refusals are written in the reader's language: a wrong signing password in Chinese", async () => {
    const r = await send(zh, "POST", "/profile", {});
    // A form without its fields is refused with the form-level message in Chinese.
    expect(r.status).toBe(400);
    expect(visibleText(r.text)).toContain("请更正标出的项目");
    expect(r.text).not.toContain("Please correct the highlighted fields");
  });
});
