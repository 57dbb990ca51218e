/**
 * The portal's HTTP server (scripts/serve.mjs): it stops promptly on SIGTERM
 * even with a browser's keep-alive connection open, lets a request in
 * progress finish first, serves static files with the right caching, and
 * refuses malformed settings with a clear message.
 */
import { spawnSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";
import type { RunningServer } from "../helpers/server";
import { signIn } from "../helpers/client";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;

beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => world?.cleanup());

function exited(s: RunningServer): Promise<number | null> {
  return new Promise((resolve) => {
    if (s.process.exitCode !== null) return resolve(s.process.exitCode);
    s.process.once("exit", (code) => resolve(code));
  });
}

/** GET over a keep-alive agent; resolves when the answer has been read. */
function get(agent: http.Agent, url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on("error", reject);
  });
}

describe("the HTTP server", () => {
  it("serves the service worker uncached, fingerprinted assets for a year, and 404 for unknown assets", async () => {
    server = await world.server();
    const agent = new http.Agent({ keepAlive: true });
    const sw = await get(agent, `${server.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers["cache-control"]).toBe("no-cache");
    const login = await get(agent, `${server.url}/login`);
    const asset = /\/assets\/[\w.-]+\.js/.exec(login.body)![0];
    const js = await get(agent, `${server.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const missing = await get(agent, `${server.url}/assets/no-such-file.js`);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe("Not found");
    agent.destroy();
  });

  it("stops at SIGTERM without waiting for a browser's idle connection", async () => {
    // What it must not wait for: the idle keep-alive connection (Node closes it after 5 s),
    // Remix's 5-second answer timers, or the grace period (10 s). Its own stop takes well under
    // a second on a quiet machine; a bound below the 5-second waits leaves room for a busy one
    // without letting any of those waits pass.
    const agent = new http.Agent({ keepAlive: true });
    expect((await get(agent, `${server.url}/login`)).status).toBe(200);
    const started = Date.now();
    server.process.kill("SIGTERM");
    expect(await exited(server)).toBe(0);
    expect(Date.now() - started).toBeLessThan(4500);
    expect(server.output()).toContain("SIGTERM: finishing requests in progress, then stopping");
    agent.destroy();
  });

  it("ends open live notification streams at once instead of waiting for them", async () => {
    server = await world.server();
    const c = await signIn(server.url, "staff");
    const stream = await fetch(`${server.url}/api/notifications/stream`, { headers: { Cookie: c.cookieHeader(), Accept: "text/event-stream" } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body!.getReader();
    await reader.read(); // the stream is open and has said hello
    const started = Date.now();
    server.process.kill("SIGTERM");
    expect(await exited(server)).toBe(0);
    // Below the grace period (10 s by default) and the 5-second waits, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(4500);
    await reader.cancel().catch(() => undefined);
  });

  it("lets a request in progress finish before it stops", async () => {
    server = await world.server();
    // A form whose body is still arriving when the signal comes: it is answered, then the server exits.
    const socket = net.connect(server.port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    const body = "username=staff&password=demo1234";
    socket.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((r) => setTimeout(r, 200));
    server.process.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    expect(server.process.exitCode).toBeNull(); // still answering the form
    socket.write(body.slice(10));
    await new Promise((r) => socket.once("close", r));
    // Refused for want of the form token (403), but answered in full, with the connection closed after it.
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(await exited(server)).toBe(0);
  });

  it("refuses malformed settings with a message naming the setting", () => {
    const build = path.join(process.env.REGULA_TEST_BUILD!, "server", "index.js");
    for (const [name, value] of [
      ["SHUTDOWN_GRACE_MS", "soon"],
      ["PORT", "99999"],
      ["REQUEST_LOG", "yes"],
    ]) {
      const run = spawnSync(process.execPath, [path.join(ROOT, "scripts/serve.mjs"), build], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: world.dataDir, [name]: value },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(run.status, name).toBe(2);
      expect(run.stderr).toContain(`${name}=${value} is not`);
    }
  });
});
