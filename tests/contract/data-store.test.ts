// One contract for both data stores (decision 108): lowdb in a file and PostgreSQL (a real
// server started by tests/helpers/postgres.ts). What a domain relies on holds for both; what
// only PostgreSQL promises (several instances on one database) is checked against it alone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCounters, PgCounters, type EventCounters } from "~/data/counters.server";
import { LowdbStore } from "~/data/db.server";
import { PgStore } from "~/data/pg-store.server";
import type { Data } from "~/data/schema";
import type { DataStore } from "~/data/store";
import { startPostgres, type TestPostgres } from "../helpers/postgres";

let server: TestPostgres;
let tmp: string;
const opened: DataStore[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-store-"));
  server = await startPostgres();
});

afterAll(async () => {
  for (const s of opened) await s.close();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Backend {
  name: string;
  /** A new, empty place to keep data; `open()` returns a store on it (several for PostgreSQL share it). */
  fresh: () => Promise<{ open: () => Promise<DataStore> }>;
}

let n = 0;
const backends: Backend[] = [
  {
    name: "lowdb",
    fresh: async () => {
      const file = path.join(tmp, `db-${++n}`, "db.json");
      return {
        open: async () => {
          const s = new LowdbStore(file);
          await s.load();
          return s;
        },
      };
    },
  },
  {
    name: "postgres",
    fresh: async () => {
      const url = await server.createDatabase();
      return {
        open: async () => {
          const s = new PgStore(url, { pollMs: 60_000 });
          opened.push(s);
          await s.load();
          return s;
        },
      };
    },
  },
];

type Note = { id: string; text: string; n?: number };
const notes = (d: Data) => {
  const r = d as unknown as Record<string, unknown>;
  r.notes ??= [];
  return r.notes as Note[];
};
const plain = (d: Data) => JSON.parse(JSON.stringify(d)) as Data;

describe.each(backends)("data store contract: $name", (backend) => {
  it("keeps what was stored, in order, for the next process to read", async () => {
    const place = await backend.fresh();
    const a = await place.open();
    expect(a.read().users).toEqual([]);
    await a.update((d) => {
      notes(d).push({ id: "n1", text: "first" }, { id: "n2", text: "second 第二" });
      d.settings.title = "Regula";
      d.numbering.QP = 3;
    });
    await a.update((d) => {
      notes(d).unshift({ id: "n0", text: "zeroth" });
      notes(d)[2].text = "second, edited";
    });
    await a.update((d) => {
      notes(d).splice(1, 1);
      notes(d).push({ id: "n3", text: "third" });
    });
    const b = await place.open();
    expect((b.read() as unknown as { notes: Note[] }).notes).toEqual([
      { id: "n0", text: "zeroth" },
      { id: "n2", text: "second, edited" },
      { id: "n3", text: "third" },
    ]);
    expect(b.read().settings).toEqual({ title: "Regula" });
    expect(b.read().numbering).toEqual({ QP: 3 });
    expect(plain(b.read())).toEqual(plain(a.read()));
  });

  it("returns the mutation's result and bumps the generation", async () => {
    const a = await (await backend.fresh()).open();
    const before = a.generation();
    const result = await a.update((d) => {
      notes(d).push({ id: "x", text: "x" });
      return notes(d).length;
    });
    expect(result).toBe(1);
    expect(a.generation()).toBeGreaterThan(before);
  });

  it("a mutation that throws half-way changes nothing, in memory or stored", async () => {
    const place = await backend.fresh();
    const a = await place.open();
    await a.update((d) => {
      notes(d).push({ id: "keep", text: "kept" });
    });
    const before = plain(a.read());
    await expect(
      a.update((d) => {
        notes(d)[0].text = "changed";
        notes(d).push({ id: "lost", text: "never stored" });
        d.settings.half = true;
        throw new Error("refused after changing");
      }),
    ).rejects.toThrow("refused after changing");
    expect(plain(a.read())).toEqual(before);
    // The next change stores only itself.
    await a.update((d) => {
      d.numbering.QP = 1;
    });
    const b = await place.open();
    expect((b.read() as unknown as { notes: Note[] }).notes).toEqual([{ id: "keep", text: "kept" }]);
    expect(b.read().settings).toEqual({});
  });

  it("concurrent updates in one process are all kept", async () => {
    const place = await backend.fresh();
    const a = await place.open();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        a.update((d) => {
          notes(d).push({ id: `c${i}`, text: String(i) });
          d.numbering.N = (d.numbering.N ?? 0) + 1;
        }),
      ),
    );
    const b = await place.open();
    expect(b.read().numbering.N).toBe(30);
    expect((b.read() as unknown as { notes: Note[] }).notes).toHaveLength(30);
  });
});

describe("data store contract, several instances on one database: postgres", () => {
  const pgBackend = backends[1];

  it("an instance sees another's changes when notified, and removals too", async () => {
    const place = await pgBackend.fresh();
    const a = await place.open();
    const b = await place.open();
    const seen = new Promise<void>((resolve) => {
      const off = b.onChange(() => {
        if ((b.read() as unknown as { notes?: Note[] }).notes?.length === 2) {
          off();
          resolve();
        }
      });
    });
    await a.update((d) => {
      notes(d).push({ id: "a1", text: "from A" }, { id: "a2", text: "from A" });
    });
    await seen; // via LISTEN/NOTIFY (the poll is set to a minute here)
    await a.update((d) => {
      notes(d).splice(0, 1);
    });
    await b.sync();
    expect((b.read() as unknown as { notes: Note[] }).notes).toEqual([{ id: "a2", text: "from A" }]);
  });

  it("concurrent updates through two instances lose nothing", async () => {
    const place = await pgBackend.fresh();
    const a = await place.open();
    const b = await place.open();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).update((d) => {
          d.numbering.N = (d.numbering.N ?? 0) + 1;
          notes(d).push({ id: `r${i}`, text: i % 2 ? "A" : "B" });
        }),
      ),
    );
    await a.sync();
    await b.sync();
    for (const s of [a, b]) {
      expect(s.read().numbering.N).toBe(40);
      expect((s.read() as unknown as { notes: Note[] }).notes).toHaveLength(40);
    }
    expect(plain(a.read())).toEqual(plain(b.read()));
    const c = await place.open();
    expect(plain(c.read())).toEqual(plain(a.read()));
  });

  it("a change the database refuses is reported and leaves memory as it was", async () => {
    const place = await pgBackend.fresh();
    const a = await place.open();
    await a.update((d) => {
      notes(d).push({ id: "ok", text: "fine" });
    });
    const before = plain(a.read());
    // PostgreSQL's jsonb cannot hold U+0000: the write fails after the mutation ran.
    await expect(
      a.update((d) => {
        notes(d).push({ id: "bad", text: "nul \u0000 here" });
      }),
    ).rejects.toMatchObject({ code: "unavailable" });
    expect(plain(a.read())).toEqual(before);
    const b = await place.open();
    expect(plain(b.read())).toEqual(before);
  });

  it("an instance that fell behind the change log reloads everything", async () => {
    const place = await pgBackend.fresh();
    const a = await place.open();
    const b = await place.open();
    await a.update((d) => {
      notes(d).push({ id: "one", text: "1" });
    });
    await b.sync();
    // Simulate pruning: the log no longer reaches back to what B last saw.
    await a.update((d) => {
      notes(d).push({ id: "two", text: "2" });
    });
    await a.update((d) => {
      notes(d).push({ id: "three", text: "3" });
    });
    await (a as PgStore).pool.query("DELETE FROM regula_changes WHERE seq <= 2");
    await b.sync();
    expect((b.read() as unknown as { notes: Note[] }).notes.map((x) => x.id)).toEqual(["one", "two", "three"]);
  });
});

describe.each([
  { name: "memory", open: async () => new MemoryCounters() as EventCounters },
  {
    name: "postgres",
    open: async () => {
      const url = await server.createDatabase();
      const store = new PgStore(url, { pollMs: 60_000 });
      opened.push(store);
      await store.load(); // runs the migrations
      return new PgCounters(store.pool) as EventCounters;
    },
  },
])("event counters contract: $name", ({ open }) => {
  it("counts events in the window, forgets old ones and clears a key", async () => {
    const c = await open();
    const t0 = 10_000_000;
    await c.add(["a", "b"], t0, t0 - 1000);
    await c.add(["a"], t0 + 10, t0 - 1000);
    expect(await c.recent("a", t0 - 1)).toEqual([t0, t0 + 10]);
    expect(await c.recent("a", t0)).toEqual([t0 + 10]);
    expect(await c.recent("b", t0 - 1)).toEqual([t0]);
    await c.add(["b"], t0 + 5000, t0 + 1);
    expect(await c.recent("b", 0)).toEqual([t0 + 5000]);
    await c.clear("a");
    expect(await c.recent("a", 0)).toEqual([]);
  });
});

describe("sign-in limits shared by two instances: postgres", () => {
  it("failures counted through either instance add up on both", async () => {
    const url = await server.createDatabase();
    const a = new PgStore(url, { pollMs: 60_000 });
    const b = new PgStore(url, { pollMs: 60_000 });
    opened.push(a, b);
    await a.load();
    await b.load();
    const onA = new PgCounters(a.pool);
    const onB = new PgCounters(b.pool);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await (i % 2 ? onA : onB).add(["name|192.0.2.1|approver"], t0 + i, t0 - 900_000);
    expect(await onA.recent("name|192.0.2.1|approver", t0 - 900_000)).toHaveLength(5);
    expect(await onB.recent("name|192.0.2.1|approver", t0 - 900_000)).toHaveLength(5);
  });
});

describe("schema migrations: postgres", () => {
  it("applies pending migrations once, and a failing one stops with a clear message and changes nothing", async () => {
    const { migrate, MIGRATIONS, MigrationError } = await import("~/data/pg-schema.server");
    const url = await server.createDatabase();
    const pg = (await import("pg")).default;
    const client = new pg.Client(url);
    await client.connect();
    try {
      expect(await migrate(client)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(client)).toEqual([]);
      const next = Math.max(...MIGRATIONS.map((m) => m.version)) + 1;
      const failing = [
        ...MIGRATIONS,
        { version: next, name: "a good step", sql: "CREATE TABLE regula_step_one (id int)" },
        { version: next + 1, name: "a broken step", sql: "ALTER TABLE regula_no_such_table ADD COLUMN x int" },
      ];
      const error = await migrate(client, failing).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(new RegExp(`migration ${next + 1} \\(a broken step\\) failed.*Nothing was changed`));
      // The good step before it was rolled back with it.
      const tables = await client.query("SELECT to_regclass('regula_step_one') AS t");
      expect(tables.rows[0].t).toBeNull();
      const applied = await client.query("SELECT max(version) AS v FROM regula_migrations");
      expect(applied.rows[0].v).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
      // A database newer than the code is refused, not guessed at.
      await client.query("INSERT INTO regula_migrations (version, name) VALUES (999, 'from a newer version')");
      await expect(migrate(client)).rejects.toThrow(/schema version 999, newer than this Regula knows/);
    } finally {
      await client.end();
    }
  });

  it("a store does not start on a database it cannot migrate", async () => {
    const url = await server.createDatabase();
    const pg = (await import("pg")).default;
    const client = new pg.Client(url);
    await client.connect();
    await client.query("CREATE TABLE regula_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    await client.query("INSERT INTO regula_migrations (version, name) VALUES (999, 'from a newer version')");
    await client.end();
    const store = new PgStore(url, { pollMs: 60_000 });
    opened.push(store);
    await expect(store.load()).rejects.toMatchObject({ code: "config" });
  });
});
