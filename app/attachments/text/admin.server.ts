/** What the admin page about attachment text shows: OCR availability, the queue, totals, recent files. */
import { queueStatus, type QueueStatus } from "./queue.server";
import { ocrStatus } from "./ocr.server";

export interface AttachmentTextOverview {
  ocr: { available: boolean; version: string | null; reason: string | null };
  queue: QueueStatus;
}

export async function attachmentTextOverview(): Promise<AttachmentTextOverview> {
  const ocr = await ocrStatus();
  return { ocr: { available: ocr.available, version: ocr.version ?? null, reason: ocr.reason ?? null }, queue: queueStatus() };
}
