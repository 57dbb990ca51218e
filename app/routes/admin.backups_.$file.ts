import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { requireRole } from "~/access/guards.server";
import { openBackupDownload } from "~/backup/admin.server";
import { resource } from "~/web/http.server";

/** GET /admin/backups/<file> — downloads a backup archive (administrators only; logged). */
export const loader = resource(async ({ request, params }: LoaderFunctionArgs) => {
  const admin = await requireRole(request, "admin");
  const { stream, size, name } = await openBackupDownload(params.file ?? "", admin.username);
  return new Response(createReadableStreamFromReadable(stream), {
    headers: {
      "Content-Type": "application/gzip",
      "Content-Length": String(size),
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
