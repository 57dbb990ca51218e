/**
 * The embedded engine's saved file, written and read a slice at a time
 * (decision 131). The file stays one JSON value, as before; what changes is
 * its layout: the header and the opening of the document list on the first
 * line, each document on a line of its own, and the postings on the last line.
 * JSON.stringify never writes a raw line break (it escapes those in strings),
 * so the line breaks are only where the writer put them, and the reader can
 * parse line by line, handing the event loop back between slices. The
 * postings, one long base64 string, are written in slices and handed to the
 * engine as the bytes they are in the file (base64 needs no escaping in JSON),
 * which decodes them a slice at a time. A file
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
  /** Set by the reader when the file was in the older one-line layout (read whole: it is worth writing again). */
  readWhole?: boolean;
}

/** Hand the event loop back after about this much text (a multiple of 4: whole base64 groups). */
const SLICE_CHARS = 512 * 1024;
/** The index's one long string, written and read without JSON's string handling. */
const LONG_FIELD = "postings";
const NEWLINE = 10;

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
    // The postings (one long base64 string) go out a slice at a time too: base64 needs no escaping,
    // so the slices are the string's text as JSON.stringify would write it.
    const long = (index as Record<string, unknown>)[LONG_FIELD];
    if (typeof long !== "string") {
      await handle.write(`],"index":${JSON.stringify(index)}}`);
      return;
    }
    const rest = JSON.stringify({ ...(index as Record<string, unknown>), [LONG_FIELD]: undefined });
    await handle.write(`],"index":${rest.slice(0, -1)}${rest === "{}" ? "" : ","}"${LONG_FIELD}":"`);
    for (let at = 0; at < long.length; at += SLICE_CHARS) {
      await handle.write(long.slice(at, at + SLICE_CHARS));
      await pause();
    }
    await handle.write(`"}}`);
  } finally {
    await handle.close();
  }
}

/**
 * Parses a saved file: line by line when it has the layout `writeIndexFile` writes (each line
 * decoded on its own, handing the event loop back between slices), whole otherwise.
 */
export async function parseIndexFile<D, I>(content: string | Buffer, pause: () => Promise<void>): Promise<SavedIndexFile<D, I>> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const firstBreak = bytes.indexOf(NEWLINE);
  const firstLine = firstBreak < 0 ? "" : bytes.toString("utf8", 0, firstBreak);
  if (!firstLine.endsWith(`"docs":[`)) return { ...(JSON.parse(typeof content === "string" ? content : bytes.toString("utf8")) as SavedIndexFile<D, I>), readWhole: true };
  const header = JSON.parse(`${firstLine}]}`) as SavedIndexFile<D, I>;
  const lastBreak = bytes.lastIndexOf(NEWLINE);
  if (bytes.toString("utf8", lastBreak + 1, lastBreak + 11) !== `],"index":`) throw new Error("the file ends before its index");
  const docs: D[] = [];
  let size = 0;
  for (let at = firstBreak + 1, n = 2; at < lastBreak; n++) {
    const end = bytes.indexOf(NEWLINE, at);
    const line = bytes.toString("utf8", at, end);
    if (n > 2 && !line.startsWith(",")) throw new Error(`line ${n} is not a document`);
    docs.push(JSON.parse(n > 2 ? line.slice(1) : line) as D);
    size += end - at;
    at = end + 1;
    if (size >= SLICE_CHARS) {
      size = 0;
      await pause();
    }
  }
  return { ...header, docs, index: parseIndexLine<I>(bytes, lastBreak + 1) };
}

const LONG_KEY = Buffer.from(`,"${LONG_FIELD}":"`);
const LONG_END = Buffer.from(`"}}`);

/**
 * The last line, from `from` to the end of `bytes`: the postings are handed on as the bytes of
 * their base64 text (base64 has no escapes; the engine decodes them a slice at a time), the rest
 * parsed. A line in another shape is parsed whole.
 */
function parseIndexLine<I>(bytes: Buffer, from: number): I {
  const at = bytes.lastIndexOf(LONG_KEY);
  const start = at + LONG_KEY.length;
  const end = bytes.length - LONG_END.length;
  // Whether the text is base64 is checked as it is decoded, slice by slice (postings.ts).
  if (!(at > from && end >= start && bytes.subarray(end).equals(LONG_END))) {
    return (JSON.parse(`{${bytes.toString("utf8", from + 2)}`) as { index: I }).index;
  }
  const { index } = JSON.parse(`{${bytes.toString("utf8", from + 2, at)}}}`) as { index: Record<string, unknown> };
  index[LONG_FIELD] = bytes.subarray(start, end);
  return index as I;
}
