/**
 * Where attachment files come from: the attachment store, read through one
 * small interface so that extraction can be tested on files made in a test.
 */
export interface AttachmentInfo {
  name: string;
  size: number;
  sha256: string;
  type: string;
}

export interface AttachmentSource {
  list(number: string, version: number): Promise<AttachmentInfo[]>;
  read(number: string, version: number, name: string): Promise<Buffer>;
}

const none: AttachmentSource = {
  list: async () => [],
  read: async (number, version, name) => {
    throw new Error(`no attachment store: ${number} v${version} ${name}`);
  },
};

let source: AttachmentSource = none;

export function setAttachmentSource(next: AttachmentSource) {
  source = next;
}

export function attachmentSource(): AttachmentSource {
  return source;
}
