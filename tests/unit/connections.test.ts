/**
 * The server's connection bookkeeping (scripts/connections.mjs, used by
 * scripts/serve.mjs): a connection a client abandons in the middle of a
 * request leaves the table, so the table does not grow with every aborted
 * page load.
 */
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { trackConnections } from "../../scripts/connections.mjs";

let server: http.Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A server whose answers wait until the test releases them; resolves when it listens. */
async function holdingServer() {
  const held: http.ServerResponse[] = [];
  const closed: Promise<void>[] = [];
  let arrived: () => void = () => {};
  const srv = http.createServer((_req, res) => {
    held.push(res);
    closed.push(new Promise((resolve) => res.once("close", () => setImmediate(resolve))));
    arrived();
  });
  const table = trackConnections(srv);
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", () => resolve()));
  server = srv;
  const port = (srv.address() as net.AddressInfo).port;
  /** Resolves once `count` requests have reached the handler. */
  const requestsArrived = (count: number) =>
    new Promise<void>((resolve) => {
      arrived = () => held.length >= count && resolve();
      arrived();
    });
  return { table, held, closed, port, requestsArrived };
}

function openAndAsk(port: number, path: string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      resolve(socket);
    });
  });
}

function connectionsOf(srv: http.Server): Promise<number> {
  return new Promise((resolve, reject) => srv.getConnections((error, n) => (error ? reject(error) : resolve(n))));
}

describe("connection bookkeeping", () => {
  it("forgets connections that clients abort in the middle of a request", async () => {
    const { table, closed, port, requestsArrived } = await holdingServer();
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => openAndAsk(port, `/page/${i}`)));
    await requestsArrived(40);
    expect(table.sockets.size).toBe(40);
    expect([...table.sockets.values()].every((busy) => busy === 1)).toBe(true);
    expect(table.inFlight.size).toBe(40);

    // Every client goes away while its answer is still being prepared.
    for (const socket of clients) socket.destroy();
    await Promise.all(closed);
    while ((await connectionsOf(server!)) > 0) await new Promise((r) => setImmediate(r));

    expect(table.inFlight.size).toBe(0);
    expect(table.sockets.size).toBe(0);
  });

  it("counts requests on a kept-alive connection and forgets it when it closes", async () => {
    const { table, held, closed, port, requestsArrived } = await holdingServer();
    const client = await openAndAsk(port, "/first");
    await requestsArrived(1);
    expect([...table.sockets.values()]).toEqual([1]);
    held[0].end("ok");
    await closed[0];
    expect([...table.sockets.values()]).toEqual([0]);

    client.write("GET /second HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await requestsArrived(2);
    expect([...table.sockets.values()]).toEqual([1]);
    client.destroy();
    await closed[1];
    while ((await connectionsOf(server!)) > 0) await new Promise((r) => setImmediate(r));
    expect(table.sockets.size).toBe(0);
    expect(table.inFlight.size).toBe(0);
  });

  it("on stop, ends idle connections at once and busy ones after their answer", async () => {
    const { table, held, closed, port, requestsArrived } = await holdingServer();
    const idle = await new Promise<net.Socket>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(s));
    });
    const busy = await openAndAsk(port, "/slow");
    await requestsArrived(1);
    const idleEnded = new Promise<void>((resolve) => idle.once("end", () => resolve()));
    let answer = "";
    busy.on("data", (d) => (answer += d.toString()));
    const busyEnded = new Promise<void>((resolve) => busy.once("end", () => resolve()));
    table.stop();
    await idleEnded;
    held[0].end("done");
    await closed[0];
    await busyEnded;
    expect(answer).toMatch(/connection: close/i);
    expect(answer.endsWith("done")).toBe(true);
    idle.destroy();
    busy.destroy();
  });
});
