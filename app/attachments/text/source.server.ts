/**
 * Where attachment files come from: the attachment store (a version's files,
 * listed and read through git), behind one small interface so that the queue
 * can be tested on files made in a test.
 */
import { listAttachments, readAttachment, type AttachmentInfo } from "../store.server";

export type { AttachmentInfo };

export interface AttachmentSource {
  list(number: string, version: number): Promise<AttachmentInfo[]>;
  read(number: string, version: number, name: string): Promise<Buffer>;
}

const store: AttachmentSource = { list: listAttachments, read: readAttachment };

let source: AttachmentSource = store;

/** Replaces the store (tests); `null` puts the store back. */
export function setAttachmentSource(next: AttachmentSource | null) {
  source = next ?? store;
}

export function attachmentSource(): AttachmentSource {
  return source;
}
