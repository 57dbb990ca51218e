import { apiNotFound } from "~/web/http.server";
import type { ActionFunctionArgs } from "@remix-run/node";
import { clockOffset, setClockOffset } from "~/utils/clock.server";
import { runAllJobs, runJobNow } from "~/utils/scheduler.server";

/**
 * Test hooks: move the server clock and run scheduled jobs now. Exists only
 * when the process was started with REGULA_TEST_HOOKS=1 (the test suite);
 * otherwise it answers 404 like any unknown path.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (process.env.REGULA_TEST_HOOKS !== "1") return apiNotFound();
  const body = (await request.json().catch(() => ({}))) as { advanceMs?: number; offsetMs?: number; runJobs?: boolean | string };
  if (typeof body.offsetMs === "number") setClockOffset(body.offsetMs);
  if (typeof body.advanceMs === "number") setClockOffset(clockOffset() + body.advanceMs);
  if (body.runJobs === true) await runAllJobs();
  else if (typeof body.runJobs === "string") await runJobNow(body.runJobs);
  return Response.json({ offsetMs: clockOffset(), now: new Date(Date.now() + clockOffset()).toISOString() });
}

export async function loader() {
  return apiNotFound();
}
