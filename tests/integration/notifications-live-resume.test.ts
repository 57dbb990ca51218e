/**
 * A page's live stream gets each notification once. With several instances,
 * the message another instance sends about a notification can arrive after
 * a page resumed its stream here and was already sent that notification from
 * the shared log; it must not be shown a second time. The bus between
 * instances is replaced by one that hands its messages to the test.
 */
import { describe, expect, it, vi } from "vitest";
import { notificationsInProcess, publishDoc, reviseDoc, until, user } from "./notifications-fixtures";

const busHandlers = new Map<string, ((data: unknown) => void | Promise<void>)[]>();

vi.mock("~/cluster/bus.server", () => ({
  subscribe: (topic: string, handler: (data: unknown) => void | Promise<void>) => busHandlers.set(topic, [...(busHandlers.get(topic) ?? []), handler]),
  publish: async () => undefined,
  onReconnect: () => undefined,
}));

notificationsInProcess();

interface Frame {
  event: string;
  id?: number;
  data: { title?: string; seq?: number };
}

/** Opens a stream the way the route does and collects its frames. */
async function openPage(username: string, lastEventId: string | null) {
  const { openStream } = await import("~/notifications/live.server");
  const controller = new AbortController();
  const res = await openStream(await user(username), "en", controller.signal, lastEventId);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
    }
  })();
  const frames = (): Frame[] =>
    text
      .split("\n\n")
      .filter((block) => block.includes("event: "))
      .map((block) => {
        const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const id = field("id");
        return { event: field("event")!, ...(id ? { id: Number(id) } : {}), data: JSON.parse(field("data") ?? "{}") };
      });
  return {
    frames,
    notifications: () => frames().filter((f) => f.event === "notification").map((f) => f.id!),
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

/** What another instance sends after storing `records` in the shared log. */
async function messageFromAnotherInstance(numbers: string[], username: string) {
  const { listNotifications, unreadCount } = await import("~/notifications/notifications.server");
  const u = await user(username);
  const records = listNotifications(u.id, { limit: 500 }).items.filter((n) => n.number && numbers.includes(n.number));
  expect(records.length).toBeGreaterThan(0);
  for (const handler of busHandlers.get("notifications.created") ?? []) await handler({ records, unread: { [u.id]: unreadCount(u.id) } });
  return records.map((r) => r.seq).sort((x, y) => x - y);
}

describe("a page's live stream", () => {
  it("sends a notification once when another instance's message about it arrives after the page resumed", async () => {
    expect(busHandlers.get("notifications.created")?.length).toBe(1);
    const first = await openPage("staff", null);
    await until(() => first.frames().some((f) => f.event === "hello"), "hello");
    const hello = first.frames().find((f) => f.event === "hello")!;
    await first.close();

    // Published while the page was away; the page comes back with the id of its last event.
    const doc = await publishDoc({ title: "Stream resume check", body: "First text." });
    await reviseDoc(doc.number, "major", { summary: "Second text" });
    const page = await openPage("staff", String(hello.id));
    await until(() => page.frames().some((f) => f.event === "hello"), "hello after resuming");
    const resumed = page.notifications();
    expect(resumed.length).toBe(2);

    // The other instance's message about those two arrives late: nothing is sent again.
    const told = await messageFromAnotherInstance([doc.number], "staff");
    expect(told).toEqual(resumed);
    expect(page.notifications()).toEqual(resumed);

    // A new one arrives live once, from this instance and then from the other instance's message.
    await reviseDoc(doc.number, "major", { summary: "Third text" });
    await until(() => page.notifications().length === 3, "the third notification live");
    await messageFromAnotherInstance([doc.number], "staff");
    const titles = page.frames().filter((f) => f.event === "notification").map((f) => f.data.title);
    expect(titles).toHaveLength(3);
    expect(new Set(page.notifications()).size).toBe(3);
    await page.close();
  });
});
