/** Downloads at start-up: /healthz tells whether PDFs can be made (Chromium found). */
import { addHealthCheck } from "~/health.server";
import { chromiumPath } from "./pdf.server";

addHealthCheck("pdf", () => {
  const chromium = chromiumPath();
  // Without Chromium the portal works and offers Word only: not a failure of the portal.
  return { ok: true, available: chromium !== null, chromium, note: chromium ? undefined : "no Chromium: PDF downloads are not offered" };
});
