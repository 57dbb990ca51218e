// Connection bookkeeping for scripts/serve.mjs: which sockets are open and how
// many requests each is answering, so that a stop can close idle keep-alive
// connections at once and busy ones after their answer.
//
// A socket leaves the table when it closes, and never comes back: when a
// client aborts mid-request, the socket's `close` can run before the
// response's, and the response's handler must not re-add it (that kept every
// such socket, ~15 KB each, for the life of the process).

/**
 * @param {import("node:http").Server} server
 */
export function trackConnections(server) {
  /** @type {Map<import("node:net").Socket, number>} */
  const sockets = new Map();
  /** @type {Set<import("node:http").ServerResponse>} */
  const inFlight = new Set();
  let stopping = false;

  server.on("connection", (socket) => {
    sockets.set(socket, 0);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (req, res) => {
    const socket = req.socket;
    const busy = sockets.get(socket);
    if (busy !== undefined) sockets.set(socket, busy + 1);
    inFlight.add(res);
    if (stopping) res.setHeader("Connection", "close");
    res.once("close", () => {
      inFlight.delete(res);
      const count = sockets.get(socket);
      // Closed already (the client went away): nothing to put back.
      if (count === undefined) return;
      const left = Math.max(0, count - 1);
      sockets.set(socket, left);
      if (stopping && left === 0) socket.end();
    });
  });

  return {
    sockets,
    inFlight,
    /** Marks the server as stopping: idle connections end now, busy ones after their answer. */
    stop() {
      stopping = true;
      for (const [socket, busy] of sockets) if (busy === 0) socket.end();
      // Answers still being prepared tell the client that this connection ends with them.
      for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    },
    /** Ends every connection still open (after the grace period). */
    destroyAll() {
      for (const socket of sockets.keys()) socket.destroy();
    },
  };
}
