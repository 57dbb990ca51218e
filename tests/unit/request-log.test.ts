/** The server's request log (scripts/request-log.mjs): one line per answer, written in batches. */
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { requestLog } from "../../scripts/request-log.mjs";

let server: http.Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function serve(log: ReturnType<typeof requestLog>) {
  server = http.createServer((req, res) =>
    log.middleware(req as never, res as never, () => {
      const body = req.url === "/missing" ? "Not found" : "ok";
      res.statusCode = req.url === "/missing" ? 404 : 200;
      res.setHeader("Content-Length", String(body.length));
      res.end(body);
    }),
  );
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe("the request log", () => {
  it("writes method, URL, status, length and time per answer, many lines in one write", async () => {
    const writes: string[] = [];
    const log = requestLog({ write: (t) => writes.push(t) }, { maxLines: 3, maxDelayMs: 60_000 });
    const base = await serve(log);
    for (const p of ["/a?x=1", "/missing", "/b"]) await (await fetch(`${base}${p}`)).text();
    // The third answer's close may follow its body by a moment.
    while (!writes.length) await new Promise((r) => setTimeout(r, 5));
    expect(writes).toHaveLength(1);
    const lines = writes[0].trimEnd().split("\n");
    expect(lines[0]).toMatch(/^GET \/a\?x=1 200 2 - \d+\.\d{3} ms$/);
    expect(lines[1]).toMatch(/^GET \/missing 404 9 - \d+\.\d{3} ms$/);
    expect(lines[2]).toMatch(/^GET \/b 200 2 - /);
  });

  it("writes what has gathered when flushed (at exit)", async () => {
    const writes: string[] = [];
    const log = requestLog({ write: (t) => writes.push(t) }, { maxLines: 100, maxDelayMs: 60_000 });
    const base = await serve(log);
    await (await fetch(`${base}/only`)).text();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toHaveLength(0);
    log.flush();
    expect(writes.join("")).toMatch(/^GET \/only 200 2 - .* ms\n$/);
  });
});
