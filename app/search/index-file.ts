/**
 * The embedded engine's saved file, written and read a slice at a time
 * (decision 131). The file stays one JSON value, as before; what changes is
 * its layout: the header and the opening of the document list on the first
 * line, each document on a line of its own, and the postings on the last line.
 * JSON.stringify never writes a raw line break (it escapes those in strings),
 * so the line breaks are only where the writer put them, and the reader can
 * parse line by line, handing the event loop back between slices. A file
 * written in another layout (one line: older versions) is parsed whole.
 */
import fsp from "node:fs/promises";

export interface SavedIndexFile<D, I> {
  format: number;
  tokenizer: number;
  head: string | null;
  savedAt: string;
  docs: D[];
  index: I;
}

/** Hand the event loop back after about this much text. */
const SLICE_CHARS = 512 * 1024;

/**
 * Writes `data` to `file` as one JSON value (JSON.parse of the file gives `data` back), a slice
 * at a time: `pause` runs between slices.
 */
export async function writeIndexFile<D, I>(file: string, data: SavedIndexFile<D, I>, pause: () => Promise<void>): Promise<void> {
  const handle = await fsp.open(file, "w");
  try {
    const { docs, index, ...header } = data;
    const head = { format: header.format, tokenizer: header.tokenizer, head: header.head, savedAt: header.savedAt };
    let pending: string[] = [`${JSON.stringify(head).slice(0, -1)},"docs":[`];
    let size = pending[0].length;
    const flush = async () => {
      await handle.write(pending.join("\n") + "\n");
      pending = [];
      size = 0;
      await pause();
    };
    for (let i = 0; i < docs.length; i++) {
      const line = (i ? "," : "") + JSON.stringify(docs[i]);
      pending.push(line);
      size += line.length;
      if (size >= SLICE_CHARS) await flush();
    }
    if (pending.length) await flush();
    await handle.write(`],"index":${JSON.stringify(index)}}`);
  } finally {
    await handle.close();
  }
}

/**
 * Parses the text of a saved file: line by line when it has the layout
 * `writeIndexFile` writes (handing the event loop back between slices), whole otherwise.
 */
export async function parseIndexFile<D, I>(text: string, pause: () => Promise<void>): Promise<SavedIndexFile<D, I>> {
  const firstBreak = text.indexOf("\n");
  if (firstBreak < 0 || !text.slice(0, firstBreak).endsWith(`"docs":[`)) return JSON.parse(text) as SavedIndexFile<D, I>;
  const lines = text.split("\n");
  const header = JSON.parse(`${lines[0]}]}`) as SavedIndexFile<D, I>;
  const last = lines[lines.length - 1];
  if (!last.startsWith(`],"index":`)) throw new Error("the file ends before its index");
  const docs: D[] = [];
  let size = 0;
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i];
    if (i > 1 && !line.startsWith(",")) throw new Error(`line ${i + 1} is not a document`);
    docs.push(JSON.parse(i > 1 ? line.slice(1) : line) as D);
    size += line.length;
    if (size >= SLICE_CHARS) {
      size = 0;
      await pause();
    }
  }
  const { index } = JSON.parse(`{${last.slice(2)}`) as { index: I };
  return { ...header, docs, index };
}
