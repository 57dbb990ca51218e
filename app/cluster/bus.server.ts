/**
 * The bus between instances (decision 112): PostgreSQL LISTEN/NOTIFY on one
 * channel. A message names a topic and carries a small JSON payload; handlers
 * run in the instances that did not send it. When the listening connection
 * drops, it is opened again and every `onReconnect` handler runs, since
 * messages sent meanwhile are lost (each handler catches up from the shared
 * state, never from the message alone).
 */
import pg from "pg";
import { noteChange, noteChangeDone } from "~/utils/changes.server";
import { clustered, connectionConfig, coordinationPool, INSTANCE_ID } from "./pg.server";

const CHANNEL = "regula_bus";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7_900;

type Handler = (data: unknown) => void | Promise<void>;

const handlers = new Map<string, Handler[]>();
const reconnectHandlers: (() => void | Promise<void>)[] = [];
let listener: pg.Client | null = null;
let starting: Promise<void> | null = null;
let stopped = false;
let retry: NodeJS.Timeout | null = null;
let connectedOnce = false;

/** Runs `handler` for each message on `topic` sent by another instance. */
export function subscribe(topic: string, handler: Handler) {
  const list = handlers.get(topic) ?? [];
  list.push(handler);
  handlers.set(topic, list);
}

/** Runs `handler` after the bus connection was lost and opened again (messages may have been missed). */
export function onReconnect(handler: () => void | Promise<void>) {
  reconnectHandlers.push(handler);
}

/** Sends a message to the other instances. Without DATABASE_URL there are none: nothing is sent. */
export async function publish(topic: string, data: unknown): Promise<void> {
  if (!clustered()) return;
  const payload = JSON.stringify({ topic, from: INSTANCE_ID, data });
  if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`bus message on ${topic} is too large`);
  try {
    await coordinationPool().query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
  } catch (error) {
    // The others catch up from the shared state on their timers and after reconnecting.
    console.warn(`[cluster] could not send ${topic} to the other instances: ${(error as Error).message}`);
  }
}

async function deliver(raw: string | undefined) {
  if (!raw) return;
  let message: { topic?: string; from?: string; data?: unknown };
  try {
    message = JSON.parse(raw);
  } catch {
    return;
  }
  if (!message.topic || message.from === INSTANCE_ID) return;
  // Another instance changed something: pages this one kept for their readers are checked again (decision 127).
  noteChange();
  for (const handler of handlers.get(message.topic) ?? []) {
    try {
      await handler(message.data);
    } catch (error) {
      console.warn(`[cluster] handler for ${message.topic} failed: ${(error as Error).message}`);
    }
  }
  noteChangeDone();
}

function scheduleReconnect() {
  if (stopped || retry) return;
  retry = setTimeout(() => {
    retry = null;
    void connect();
  }, 1_000);
  retry.unref();
}

async function connect(): Promise<void> {
  if (stopped) return;
  const client = new pg.Client({ ...connectionConfig(), application_name: "regula-bus" });
  client.on("notification", (n) => void deliver(n.payload));
  const lost = () => {
    if (listener === client) listener = null;
    client.removeAllListeners("notification");
    void client.end().catch(() => undefined);
    scheduleReconnect();
  };
  client.on("error", lost);
  client.on("end", lost);
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  } catch (error) {
    console.warn(`[cluster] bus not connected (${(error as Error).message}); retrying`);
    lost();
    return;
  }
  listener = client;
  if (connectedOnce) {
    noteChange();
    for (const handler of reconnectHandlers) {
      try {
        await handler();
      } catch (error) {
        console.warn(`[cluster] catch-up after reconnecting failed: ${(error as Error).message}`);
      }
    }
    noteChangeDone();
  }
  connectedOnce = true;
}

/** Opens the listening connection (once per process; no-op without DATABASE_URL). */
export function startBus(): Promise<void> {
  if (!clustered()) return Promise.resolve();
  stopped = false;
  starting ??= connect();
  return starting;
}

/** True while the bus is listening. */
export function busConnected(): boolean {
  return listener !== null;
}

/** Stops listening (shutdown). */
export async function stopBus(): Promise<void> {
  stopped = true;
  if (retry) clearTimeout(retry);
  retry = null;
  const client = listener;
  listener = null;
  await client?.end().catch(() => undefined);
}
