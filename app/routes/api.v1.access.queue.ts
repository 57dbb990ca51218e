import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { approverQueue } from "~/access/requests.server";
import { api, onlyMethods } from "~/web/http.server";

/** GET /api/v1/access/queue — requests and emergency accesses waiting for my decision, oldest first. */
export const loader = api(async ({ user }: LoaderFunctionArgs & { user: AuthUser }) => ({ queue: await approverQueue(user) }));

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
