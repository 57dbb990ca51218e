import type { LoaderFunctionArgs } from "@remix-run/node";
import { mayReadHealthDetails } from "~/access/health-details.server";
import { health, publicHealth } from "~/health.server";

/**
 * GET /healthz — 200 when repository, database, search, backups and audit are well, else 503.
 * Anyone gets {status, search}; admins and the HEALTH_TOKEN bearer also get every check's details.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const result = await health();
  const body = (await mayReadHealthDetails(request)) ? { ...publicHealth(result), ...result } : publicHealth(result);
  return new Response(JSON.stringify(body), {
    status: result.ok ? 200 : 503,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" },
  });
}
