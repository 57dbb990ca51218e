/**
 * Comparing rendered pages (the page cache's tests): readers with names that need escaping, the
 * nonce a page was sent with, and a page split into its markup and its decoded hydration data.
 */
import { expect } from "vitest";
import { decode } from "turbo-stream";
import { signIn } from "./client";
import type { RunningServer } from "./server";

export interface Reader {
  username: string;
  name: string;
  email: string;
}

/** Creates staff accounts in the ops department through the admin page, all with `password`. */
export async function createReaders(server: RunningServer, readers: Reader[], password: string): Promise<void> {
  const admin = await signIn(server.url, "admin");
  await admin.get("/admin/users");
  for (const r of readers) {
    const res = await admin.post("/admin/users", {
      intent: "create",
      username: r.username,
      name: r.name,
      email: r.email,
      departmentId: "ops",
      roles: ["staff"],
      password,
      locale: "en",
    });
    expect(res.status, `create ${r.username}`).toBe(302);
  }
}

/** The nonce of a page's Content-Security-Policy. */
export const nonceOf = (page: { headers: Headers }) => /'nonce-([^']+)'/.exec(page.headers.get("content-security-policy") ?? "")?.[1];

/** The page without its hydration scripts and nonces, and the data those scripts carry, decoded. */
export async function parts(html: string): Promise<{ markup: string; data: unknown }> {
  const chunks = [...html.matchAll(/streamController\.enqueue\(("(?:[^"\\]|\\.)*")\)/g)].map((m) => JSON.parse(m[1]) as string);
  expect(chunks.length).toBeGreaterThan(0);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  const decoded = await decode(stream);
  await decoded.done;
  const markup = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, "<script/>").replace(/ nonce="[^"]*"/g, "");
  return { markup, data: decoded.value };
}
