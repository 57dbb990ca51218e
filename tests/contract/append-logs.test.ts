// The append logs' contract on both back ends (decision 119): a JSON-lines file in DATA_DIR and
// rows in PostgreSQL. Every append is built from a state that holds every line stored before it,
// concurrent appends lose nothing, a failed build stores nothing, and a rewrite replaces the
// content. With PostgreSQL several instances share one log: the notifications, the delivery queue
// and the acknowledgements agree on every instance, and each delivery is sent by one instance.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FileLog, PgLog, type AppendLog, type LogFollower } from "~/data/append-log.server";
import { migrate } from "~/data/pg-schema.server";
import { startPostgres, type TestPostgres } from "../helpers/postgres";

let server: TestPostgres;
let tmp: string;
const pools: pg.Pool[] = [];
const logs: AppendLog<unknown>[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-logs-contract-"));
  server = await startPostgres();
});

/** Each test's instances, logs and pools are closed after it: connections left open would add up past the server's limit. */
async function closeAll() {
  for (const l of logs.splice(0)) l.close();
  for (const c of cleanups.splice(0)) await c();
  for (const p of pools.splice(0)) await p.end().catch(() => undefined);
}

afterEach(closeAll);

afterAll(async () => {
  await closeAll();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  delete process.env.DATABASE_URL;
});

/** A pool the test ends itself; a connection still closing when the server stops is no failure. */
function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => undefined);
  pools.push(pool);
  return pool;
}

/** A line numbered after every line before it: a lost or doubled append shows as a gap or a repeat. */
type Counted = { t: "n"; n: number; by: string };

/** A follower that keeps the lines it was given, as a domain keeps its state. */
function counter() {
  const seen: Counted[] = [];
  const follower: LogFollower<Counted> = { reset: () => void seen.splice(0), apply: (line) => void seen.push(line) };
  return { seen, follower, next: () => (seen.length ? seen[seen.length - 1].n + 1 : 1) };
}

interface Place {
  /** Opens the log on this place for one more "instance". */
  open: (follower: LogFollower<Counted>) => AppendLog<Counted>;
  /** True for the back end several instances may share. */
  shared: boolean;
}

let k = 0;
const backends: { name: string; fresh: () => Promise<Place> }[] = [
  {
    name: "file",
    fresh: async () => {
      const file = path.join(tmp, `file-${++k}`, "notifications", "test.jsonl");
      return {
        shared: false,
        open: (follower) => {
          const l = new FileLog<Counted>(file, follower);
          logs.push(l as AppendLog<unknown>);
          return l;
        },
      };
    },
  },
  {
    name: "postgres",
    fresh: async () => {
      const url = await server.createDatabase();
      const setup = new pg.Client({ connectionString: url });
      await setup.connect();
      await migrate(setup);
      await setup.end();
      return {
        shared: true,
        open: (follower) => {
          const pool = testPool(url, 4);
          const l = new PgLog<Counted>(pool, "test", follower, { follow: false });
          logs.push(l as AppendLog<unknown>);
          return l;
        },
      };
    },
  },
];

describe.each(backends)("append log contract: $name", ({ fresh }) => {
  it("concurrent appends are each built from every line before them, and a new reader gets them all in order", async () => {
    const place = await fresh();
    const a = counter();
    const log = place.open(a.follower);
    await log.load();
    await Promise.all(Array.from({ length: 40 }, () => log.append(() => [{ t: "n", n: a.next(), by: "a" }])));
    expect(a.seen.map((l) => l.n)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const b = counter();
    const again = place.open(b.follower);
    expect(await again.load()).toEqual({ lines: 40, torn: 0 });
    expect(b.seen).toEqual(a.seen);
  });

  it("a build that throws, or returns nothing, stores nothing and changes no state", async () => {
    const place = await fresh();
    const a = counter();
    const log = place.open(a.follower);
    await log.load();
    await log.append(() => [{ t: "n", n: 1, by: "a" }]);
    await expect(
      log.append(() => {
        throw new Error("refused by the domain");
      }),
    ).rejects.toThrow("refused by the domain");
    expect(await log.append(() => [])).toEqual([]);
    expect(a.seen).toHaveLength(1);
    const b = counter();
    await place.open(b.follower).load();
    expect(b.seen.map((l) => l.n)).toEqual([1]);
  });

  it("a rewrite replaces the content with what the up-to-date state builds", async () => {
    const place = await fresh();
    const a = counter();
    const log = place.open(a.follower);
    await log.load();
    for (let i = 0; i < 5; i++) await log.append(() => [{ t: "n", n: a.next(), by: "a" }]);
    await log.rewrite(() => a.seen.filter((l) => l.n % 2 === 1));
    await log.append(() => [{ t: "n", n: 6, by: "a" }]);
    const b = counter();
    expect((await place.open(b.follower).load()).lines).toBe(4);
    expect(b.seen.map((l) => l.n)).toEqual([1, 3, 5, 6]);
  });
});

describe("append log shared by two instances: postgres", () => {
  it("appends from two instances at once make one gap-free sequence that both follow", async () => {
    const place = await backends[1].fresh();
    const a = counter();
    const b = counter();
    const la = place.open(a.follower);
    const lb = place.open(b.follower);
    await la.load();
    await lb.load();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 ? la.append(() => [{ t: "n", n: a.next(), by: "a" }]) : lb.append(() => [{ t: "n", n: b.next(), by: "b" }]),
      ),
    );
    await la.sync();
    await lb.sync();
    expect(a.seen.map((l) => l.n)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(b.seen).toEqual(a.seen);
    expect(new Set(a.seen.map((l) => l.by))).toEqual(new Set(["a", "b"]));
  });

  it("a rewrite on one instance makes the other start again from the new content", async () => {
    const place = await backends[1].fresh();
    const a = counter();
    const b = counter();
    const la = place.open(a.follower);
    const lb = place.open(b.follower);
    await la.load();
    await lb.load();
    for (let i = 0; i < 4; i++) await la.append(() => [{ t: "n", n: a.next(), by: "a" }]);
    await lb.sync();
    expect(b.seen).toHaveLength(4);
    await la.rewrite(() => a.seen.slice(2));
    await la.append(() => [{ t: "n", n: 5, by: "a" }]);
    await lb.sync();
    expect(b.seen.map((l) => l.n)).toEqual([3, 4, 5]);
  });
});

// ---- the domains on the logs ---------------------------------------------------

type Notifications = typeof import("~/notifications/notifications.server");
type Outbox = typeof import("~/notifications/outbox.server");
type Acks = typeof import("~/notifications/acknowledgements.server");

interface Instance {
  notifications: Notifications;
  outbox: Outbox;
  acks: Acks;
  dataDir: string;
}

/** A fresh copy of the app's modules on its own DATA_DIR (and database, when given): one "instance". */
async function instance(name: string, databaseUrl?: string): Promise<Instance> {
  const dataDir = path.join(tmp, name);
  fs.mkdirSync(dataDir, { recursive: true });
  process.env.DATA_DIR = dataDir;
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  else delete process.env.DATABASE_URL;
  vi.resetModules();
  const db = await import("~/data/db.server");
  const cluster = await import("~/cluster/pg.server");
  const notifications = await import("~/notifications/notifications.server");
  const outbox = await import("~/notifications/outbox.server");
  const acks = await import("~/notifications/acknowledgements.server");
  await db.loadDb();
  await notifications.loadNotifications();
  await outbox.loadOutbox();
  await acks.loadAcknowledgements();
  cleanups.push(async () => {
    notifications.resetNotificationsForTests();
    outbox.resetOutboxForTests();
    acks.resetAcknowledgementsForTests();
    await cluster.closeCoordinationPool();
    await db.closeDb();
  });
  return { notifications, outbox, acks, dataDir };
}

const draft = (userId: string, key: string) => ({ userId, kind: "document.published" as const, group: "changes" as const, digest: false, key, number: "EXE-001", version: 2 });

const domainBackends = [
  { name: "file", url: async () => undefined },
  { name: "postgres", url: async () => server.createDatabase() },
];

describe.each(domainBackends)("notification logs contract: $name", ({ name, url }) => {
  it("concurrent notifications and read marks: every record once, numbered in order, counts right after a reload", async () => {
    const databaseUrl = await url();
    const a = await instance(`${name}-n1`, databaseUrl);
    await Promise.all(Array.from({ length: 20 }, (_, i) => a.notifications.createNotifications([draft("u1", `k${i}`), draft("u2", `k${i}`)])));
    // The same event delivered twice notifies nobody twice.
    expect(await a.notifications.createNotifications([draft("u1", "k3")])).toEqual([]);
    await Promise.all([a.notifications.markRead("u1", ["n1", "n3"]), a.notifications.markRead("u2", "all"), a.notifications.markRead("u1", ["n1"])]);
    expect(a.notifications.unreadCount("u1")).toBe(18);
    expect(a.notifications.unreadCount("u2")).toBe(0);
    const again = await instance(`${name}-n2`, databaseUrl);
    if (!databaseUrl) {
      // The file back end is DATA_DIR's: the next process on it reads the same file.
      fs.cpSync(path.join(a.dataDir, "notifications"), path.join(again.dataDir, "notifications"), { recursive: true });
      again.notifications.resetNotificationsForTests();
      await again.notifications.loadNotifications();
    }
    const list = again.notifications.listNotifications("u1", { limit: 100 });
    expect(list.total).toBe(20);
    expect(list.unread).toBe(18);
    expect(again.notifications.listNotifications("u2", { limit: 100 }).items.map((r) => r.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2 * i + 2),
    );
  });

  it("an opening recorded twice at once is one line; reminders and openings survive a reload", async () => {
    const databaseUrl = await url();
    const a = await instance(`${name}-a1`, databaseUrl);
    await Promise.all(Array.from({ length: 10 }, () => a.acks.recordOpened("u1", "EXE-001", 2)));
    expect(a.acks.hasOpened("u1", "EXE-001", 2)).toBe(true);
    const file = path.join(a.dataDir, "notifications", "acknowledgements.jsonl");
    if (!databaseUrl) expect(fs.readFileSync(file, "utf8").trim().split("\n")).toHaveLength(1);
    else expect(fs.existsSync(file)).toBe(false);
    const again = await instance(`${name}-a2`, databaseUrl);
    if (!databaseUrl) {
      fs.cpSync(path.join(a.dataDir, "notifications"), path.join(again.dataDir, "notifications"), { recursive: true });
      again.acks.resetAcknowledgementsForTests();
      await again.acks.loadAcknowledgements();
    }
    expect(again.acks.hasOpened("u1", "EXE-001", 2)).toBe(true);
    expect(again.acks.hasOpened("u1", "EXE-001", 1)).toBe(false);
  });

  it("each queued delivery is attempted once, and its result is kept", async () => {
    const databaseUrl = await url();
    const a = await instance(`${name}-o1`, databaseUrl);
    const sent: string[] = [];
    a.outbox.registerSender("webhook", async (e) => {
      sent.push(e.id);
      return { ok: true, status: 204 };
    });
    await a.outbox.enqueue(Array.from({ length: 12 }, (_, i) => ({ id: `w${i}`, channel: "webhook" as const, recipient: "https://example.test/hook", label: `hook ${i}` })));
    await Promise.all([a.outbox.drainOutbox(), a.outbox.drainOutbox()]);
    expect(sent.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `w${i}`).sort());
    expect(a.outbox.outboxCounts()).toMatchObject({ pending: 0, sent: 12 });
  });
});

describe("notification logs shared by two instances: postgres", () => {
  it("notifications raised on both are numbered once and read alike on both; a read mark on one is seen on the other", async () => {
    const databaseUrl = await server.createDatabase();
    const a = await instance("two-n-a", databaseUrl);
    const b = await instance("two-n-b", databaseUrl);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).notifications.createNotifications([draft("u1", `k${i}`), draft("u2", `k${i}`)])),
    );
    // The same event handled by both instances notifies once.
    await Promise.all([a.notifications.createNotifications([draft("u1", "once")]), b.notifications.createNotifications([draft("u1", "once")])]);
    await a.notifications.syncNotifications();
    await b.notifications.syncNotifications();
    const seqs = (x: Instance) => x.notifications.listNotifications("u1", { limit: 100 }).items.map((r) => r.seq);
    expect(seqs(a)).toHaveLength(31);
    expect(seqs(a)).toEqual(seqs(b));
    expect(new Set([...seqs(a), ...b.notifications.listNotifications("u2", { limit: 100 }).items.map((r) => r.seq)]).size).toBe(61);
    expect(await b.notifications.markRead("u1", "all")).toBe(31);
    await a.notifications.syncNotifications();
    expect(a.notifications.unreadCount("u1")).toBe(0);
    expect(a.notifications.unreadCount("u2")).toBe(30);
  });

  it("an opening recorded on one instance lets the other accept the same person's acknowledgement state", async () => {
    const databaseUrl = await server.createDatabase();
    const a = await instance("two-a-a", databaseUrl);
    const b = await instance("two-a-b", databaseUrl);
    await a.acks.recordOpened("u1", "EXE-001", 3);
    await b.acks.syncAcknowledgements();
    expect(b.acks.hasOpened("u1", "EXE-001", 3)).toBe(true);
    // Both record the same opening at once: one line.
    await Promise.all([a.acks.recordOpened("u2", "EXE-001", 3), b.acks.recordOpened("u2", "EXE-001", 3)]);
    const pool = testPool(databaseUrl, 1);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM regula_log_lines WHERE log = 'acknowledgements' AND line->>'userId' = 'u2'");
    expect(rows[0].n).toBe(1);
  });

  it("two instances draining one queue at once send every delivery exactly once", async () => {
    const databaseUrl = await server.createDatabase();
    const a = await instance("two-o-a", databaseUrl);
    const b = await instance("two-o-b", databaseUrl);
    const sentBy = new Map<string, string[]>();
    for (const [who, x] of [["a", a], ["b", b]] as const) {
      x.outbox.registerSender("webhook", async (e) => {
        sentBy.set(e.id, [...(sentBy.get(e.id) ?? []), who]);
        // Give the other instance time to try the same delivery.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { ok: true, status: 204 };
      });
    }
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`);
    await a.outbox.enqueue(ids.map((id) => ({ id, channel: "webhook" as const, recipient: "https://example.test/hook", label: id })));
    // b learns of them from the shared log (a claim brings it up to date first).
    await Promise.all([a.outbox.drainOutbox(), b.outbox.drainOutbox(), a.outbox.drainOutbox(), b.outbox.drainOutbox()]);
    await a.outbox.drainOutbox();
    await b.outbox.drainOutbox();
    expect([...sentBy.keys()].sort()).toEqual([...ids].sort());
    for (const [id, by] of sentBy) expect(by, id).toHaveLength(1);
    await a.outbox.loadOutbox();
    expect(a.outbox.outboxCounts()).toMatchObject({ pending: 0, sent: 40, failed: 0 });
    expect(a.outbox.getDelivery("d7")?.attempts).toBe(1);
  });
});
