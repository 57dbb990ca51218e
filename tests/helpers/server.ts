/** Starts the built portal as a real process on a free port, for HTTP and browser tests. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { ROOT, TEST_ENV } from "./paths";
import { scaled } from "./time";

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Servers this test process started and has not seen end: they are killed when the process exits,
 * so that a test file that ends without stopping one (a failure between start and stop) leaves no
 * portal running after it.
 */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer(options: {
  dataDir: string;
  buildDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Return as soon as the server answers, without waiting for the search index (tests of the catch-up itself). */
  waitForSearch?: boolean;
}): Promise<RunningServer> {
  const buildDir = options.buildDir ?? process.env.REGULA_TEST_BUILD;
  if (!buildDir) throw new Error("No test build: run through vitest (global setup builds the app)");
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/serve.mjs"), path.join(buildDir, "server", "index.js")], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: options.dataDir,
      CONTENT_DIR: path.join(ROOT, "content"),
      REGULA_TEST_HOOKS: "1",
      DEMO: "1",
      ...TEST_ENV,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  child.stdout!.on("data", (d) => (out += d.toString()));
  child.stderr!.on("data", (d) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? scaled(60_000));
  let exited = false;
  child.on("exit", () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`Server exited during start:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200 || res.status === 503) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Server did not start in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const running: RunningServer = {
    url,
    port,
    dataDir: options.dataDir,
    process: child,
    output: () => out,
    stop: (signal: NodeJS.Signals = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
  // A started portal is one whose search index has loaded too (it loads after the server answers).
  if (!exited && options.waitForSearch !== false) await searchReady(running).catch(() => undefined);
  return running;
}

/** Waits until /healthz no longer reports the search index as loading or catching up (it loads after the server answers). */
export async function searchReady(server: RunningServer, timeoutMs = scaled(60_000)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${server.url}/healthz`);
    const body = (await res.json()) as { search?: string };
    if (body.search !== "loading" && body.search !== "catching-up") return;
    if (Date.now() > deadline) throw new Error(`the search index was still ${body.search}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** /healthz with its details, as a monitor holding HEALTH_TOKEN reads it. */
export async function healthDetails<T = { status: string; ok: boolean; checks: Record<string, Record<string, unknown>> }>(
  server: { url: string },
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}/healthz`, { headers: { Authorization: `Bearer ${TEST_ENV.HEALTH_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as T };
}
