import { health } from "~/health.server";

/** GET /healthz — 200 with the state of repository, database and search (503 if any is down). */
export async function loader() {
  const result = await health();
  return new Response(JSON.stringify({ status: result.ok ? "ok" : "degraded", ...result }), {
    status: result.ok ? 200 : 503,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
  });
}
