/**
 * The packed version index (decision 106) gives back exactly the records it
 * was given, in and out of its on-disk form, without an object per version.
 */
import { describe, expect, it } from "vitest";
import { VersionStore, type VersionRecord } from "~/documents/version-store.server";

const hex = (n: number, salt: string) => (salt + n.toString(16)).padStart(40, "0").slice(-40);

function record(i: number, number: string, version: number, extra: Partial<VersionRecord> = {}): VersionRecord {
  return {
    number,
    version,
    commit: hex(i, "c"),
    blob: hex(i, "b"),
    date: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
    authorName: i % 2 ? "王编辑" : "Alex Kim",
    authorEmail: i % 2 ? "editor@regula.example" : "alex@regula.example",
    summary: `Summary ${i} 修订`,
    change: version === 1 ? "new" : "minor",
    approvedBy: i % 3 ? ["approver"] : [],
    meta: {
      number,
      title: `Title of ${number}`,
      category: number.slice(0, 3),
      type: "manual",
      ownerDepartment: "ops",
      confidentiality: "internal",
      audienceDepartments: i % 4 ? ["ops", "it"] : [],
      effectiveDate: version > 1 ? `2025-0${(version % 9) + 1}-01` : undefined,
      retired: false,
      lang: "zh",
    },
    ...extra,
  };
}

function corpus(): VersionRecord[] {
  const out: VersionRecord[] = [];
  let i = 1;
  for (let v = 1; v <= 5; v++) for (const n of ["EXE-001", "ACC-002", "MON-003"]) out.push(record(i++, n, v));
  out.push(record(i++, "INI-004", 1, { proposal: "p-17", date: "2025-03-01T08:00:00+08:00", meta: { ...record(0, "INI-004", 1).meta, extra: { owner: "x" } } }));
  return out;
}

/** As the records would be written as JSON (no undefined fields). */
const plain = (r: VersionRecord) => JSON.parse(JSON.stringify(r)) as VersionRecord;

describe("the packed version store", () => {
  it("answers every question with the records it was given", () => {
    const records = corpus();
    const store = new VersionStore();
    for (const r of records) store.add(r);
    expect(store.size).toBe(records.length);
    expect(store.versionsOf("EXE-001").map(plain)).toEqual(records.filter((r) => r.number === "EXE-001").map(plain));
    expect(plain(store.latestVersion("ACC-002")!)).toEqual(plain(records.filter((r) => r.number === "ACC-002").at(-1)!));
    expect(store.latestVersion("NOPE-001")).toBeUndefined();
    expect(store.versionsOf("NOPE-001")).toEqual([]);
    expect(store.numbers().sort()).toEqual(["ACC-002", "EXE-001", "INI-004", "MON-003"]);
    expect(store.allLatest().map((r) => `${r.number}@${r.version}`).sort()).toEqual(["ACC-002@5", "EXE-001@5", "INI-004@1", "MON-003@5"]);
    expect(store.recent(4, (r) => r.number !== "INI-004").map((r) => `${r.number}@${r.version}`)).toEqual(["MON-003@5", "ACC-002@5", "EXE-001@5", "MON-003@4"]);
    // A date that is not in the canonical form is kept as written; a proposal only where there was one.
    const odd = store.latestVersion("INI-004")!;
    expect(odd.date).toBe("2025-03-01T08:00:00+08:00");
    expect(odd.proposal).toBe("p-17");
    expect(odd.meta.extra).toEqual({ owner: "x" });
    expect("proposal" in store.latestVersion("EXE-001")!).toBe(false);
    expect(store.hasCommit(records[3].commit)).toBe(true);
    expect(store.hasCommit(hex(999, "c"))).toBe(false);
    store.addOtherCommit("f".repeat(40));
    expect(store.hasCommit("f".repeat(40))).toBe(true);
    // The same objects while nothing changed; the new latest after a version is added.
    expect(store.latestVersion("EXE-001")).toBe(store.latestVersion("EXE-001"));
    store.add(record(100, "EXE-001", 6));
    expect(store.latestVersion("EXE-001")!.version).toBe(6);
    expect(store.versionsOf("EXE-001").map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("reads back its packed form as the same store", () => {
    const store = new VersionStore();
    for (const r of corpus()) store.add(r);
    // Enough rows to make the columns grow more than once.
    for (let i = 0; i < 3000; i++) store.add(record(1000 + i, `APR-${String(100 + (i % 700)).padStart(3, "0")}`, 10 + Math.floor(i / 700)));
    store.addOtherCommit("e".repeat(40));
    store.head = "e".repeat(40);
    const text = JSON.stringify(store.toPacked());
    const back = VersionStore.fromPacked(JSON.parse(text));
    expect(back.head).toBe(store.head);
    expect(back.size).toBe(store.size);
    expect(back.commitCount).toBe(store.commitCount);
    expect([...back.timeline()].map(plain)).toEqual([...store.timeline()].map(plain));
    for (const n of store.numbers()) expect(back.versionsOf(n).map(plain)).toEqual(store.versionsOf(n).map(plain));
    expect(back.hasCommit("e".repeat(40))).toBe(true);
    // Far smaller than a line of JSON per version.
    const lines = [...store.timeline()].map((r) => JSON.stringify(r)).join("\n");
    expect(text.length).toBeLessThan(lines.length / 2);
    expect(() => VersionStore.fromPacked({ ...JSON.parse(text), commits: "abc" })).toThrow(/Not a packed version index/);
  });
});
