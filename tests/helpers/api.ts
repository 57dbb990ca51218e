/**
 * The JSON API as a script uses it: a personal token made on the profile page,
 * then bearer-authenticated requests.
 */
import type { Client } from "./client";

/** Creates a personal API token through the profile page and returns it. */
export async function apiToken(c: Client, label = "test"): Promise<string> {
  const res = await c.post("/profile", { intent: "create-token", label });
  const m = /rg_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/.exec(res.text_);
  if (!m) throw new Error(`no token in profile page: ${res.status}`);
  return m[0];
}

/** One API request with a bearer token; answers the status and the parsed JSON body. */
export async function apiRequest(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
