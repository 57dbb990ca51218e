import { describe, expect, it } from "vitest";
import { diffData } from "~/data/store";

const people = (...ids: string[]) => ids.map((id) => ({ id, name: `name of ${id}` }));

describe("what a change wrote (PostgreSQL store)", () => {
  it("finds nothing in an untouched collection and keeps its snapshot entry", () => {
    const data = { users: people("a", "b", "c"), sessions: people("s1") };
    const first = diffData(new Map(), data);
    data.sessions.push({ id: "s2", name: "new" });
    const second = diffData(first.after, data);
    expect(second.ops.map((op) => ("drop" in op ? `drop ${op.c}` : `${op.c}/${op.k}`))).toEqual(["sessions/s2"]);
    expect(second.after.get("users")).toBe(first.after.get("users"));
  });

  it("sees a record replaced by another in a collection of the same size, and a record changed in place", () => {
    const data = { users: people("a", "b", "c") };
    const first = diffData(new Map(), data);
    data.users[1] = { id: "d", name: "name of d" };
    data.users[0].name = "renamed";
    const second = diffData(first.after, data);
    const written = second.ops.filter((op) => !("drop" in op) && op.r !== undefined).map((op) => ("drop" in op ? "" : op.k));
    const removed = second.ops.filter((op) => !("drop" in op) && op.r === undefined).map((op) => ("drop" in op ? "" : op.k));
    expect(written.sort()).toEqual(["a", "d"]);
    expect(removed).toEqual(["b"]);
  });
});
