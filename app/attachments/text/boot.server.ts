/**
 * Attachment text at start-up: the saved queue is read and resumed; every
 * current version's attachments whose text is missing are queued (a
 * publication cut off before its files were queued is caught up here);
 * each publication queues its new files. /healthz details say whether OCR is
 * available and how far the queue is.
 */
import { onBoot, onShutdown } from "~/utils/lifecycle.server";
import { startupWork } from "~/utils/memory.server";
import { addAdminFigure } from "~/admin.server";
import { addHealthCheck } from "~/health.server";
import { allLatest } from "~/documents/version-index.server";
import { on } from "~/documents/events.server";
import { enqueueVersion, kick, loadQueue, queueStatus, stopQueue } from "./queue.server";
import { abortOcr, ocrStatus } from "./ocr.server";

const queueAttachments = async ({ record }: { record: { number: string; version: number } }) => {
  try {
    await enqueueVersion(record.number, record.version);
  } catch (error) {
    // The start-up catch-up queues it later; publication itself is not held up.
    console.warn(`[attachment-text] could not queue the attachments of ${record.number}: ${(error as Error).message}`);
  }
};
on("document.published", "attachment-text", queueAttachments);
// A version another instance published: this instance's own text cache follows (decision 111).
on("document.arrived", "attachment-text", queueAttachments);

onBoot("attachment-text", async () => {
  await loadQueue();
  const ocr = await ocrStatus();
  if (!ocr.available) console.log(`[attachment-text] OCR is not available (${ocr.reason}); scanned pages and images are not read until it is`);
  kick();
  // Catch-up runs in the background: the portal answers meanwhile. Going through every version leaves garbage (decision 130).
  const caughtUp = startupWork();
  void (async () => {
    for (const record of allLatest()) {
      try {
        await enqueueVersion(record.number, record.version);
      } catch (error) {
        console.warn(`[attachment-text] could not queue the attachments of ${record.number}: ${(error as Error).message}`);
      }
      await new Promise((r) => setImmediate(r));
    }
  })().finally(caughtUp);
});

onShutdown("attachment-text", async () => {
  abortOcr();
  await stopQueue();
});

addHealthCheck("ocr", async () => {
  const ocr = await ocrStatus();
  const queue = queueStatus();
  // Missing Tesseract is reported, not a failure: text layers are still indexed.
  return {
    ok: true,
    available: ocr.available,
    ...(ocr.version ? { tesseract: ocr.version } : {}),
    ...(ocr.reason ? { reason: ocr.reason } : {}),
    queued: queue.queued,
    current: queue.current,
    files: queue.totals.files,
    pages: queue.totals.pages,
    ocrPages: queue.totals.ocrPages,
    msPerOcrPage: queue.msPerOcrPage,
    failed: queue.totals.failed,
  };
});

addAdminFigure("/admin/attachment-text", () => {
  const q = queueStatus();
  return q.queued ? `${q.queued} …` : q.totals.files;
});
