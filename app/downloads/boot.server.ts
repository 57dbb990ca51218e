/** Downloads at start-up: /healthz tells whether PDFs can be made (Chromium found) and whether stamped PDF copies can write Chinese (a CJK font found). */
import { addHealthCheck } from "~/health.server";
import { cjkFontStatus } from "~/attachments/cjk-font.server";
import { chromiumPath } from "./pdf.server";

addHealthCheck("pdf", () => {
  const chromium = chromiumPath();
  // Without Chromium the portal works and offers Word only: not a failure of the portal.
  return { ok: true, available: chromium !== null, chromium, note: chromium ? undefined : "no Chromium: PDF downloads are not offered" };
});

addHealthCheck("stamps", () => {
  const font = cjkFontStatus();
  // Without a CJK font, stamped PDF copies are written in English with the account name: not a failure.
  return {
    ok: true,
    cjkFont: font.available,
    ...(font.file ? { file: font.file } : {}),
    note: font.available ? undefined : "no CJK font (fonts-noto-cjk): stamped PDF copies carry Latin text and the account name",
  };
});
