/**
 * Limits on text extraction from attachments: how large a file is read, how
 * far a zip container may expand, how long one file or one page may take, how
 * much text is kept. A file over a limit is recorded as not extractable with
 * the reason; nothing else is affected.
 */
export const EXTRACT_LIMITS = {
  /** Largest file whose text is extracted at all. */
  maxBytes: 64 * 1024 * 1024,
  /** Largest total uncompressed size of a .docx/.xlsx/.pptx (zip) container. */
  maxUnzippedBytes: 256 * 1024 * 1024,
  /** Most entries in such a container. */
  maxZipEntries: 20_000,
  /** Largest expansion ratio of one entry that unpacks to more than 1 MB. */
  maxZipRatio: 200,
  /** Most pages of a PDF read (text layer or OCR); later pages are left out. */
  maxPdfPages: 2_000,
  /** Most pages of one PDF that are OCR'd. */
  maxOcrPages: 500,
  /** Most characters of text kept per attachment. */
  maxChars: 2_000_000,
  /** Time for a whole .docx/.xlsx/.pptx, or for one PDF page's text layer. */
  fileMs: 60_000,
  pageMs: 20_000,
  /** Time for rendering and OCR of one page or image. */
  ocrPageMs: 180_000,
} as const;

export type ExtractionFailure = "too_large" | "zip_bomb" | "not_readable" | "timeout" | "unsupported";

/** A file whose text cannot be extracted (the reason is a code; pages say it in the reader's language). */
export class ExtractionError extends Error {
  constructor(
    public code: ExtractionFailure,
    message: string,
  ) {
    super(message);
    this.name = "ExtractionError";
  }
}

/** Runs `work`, failing with a timeout error after `ms` (the work itself is left to finish on its own). */
export async function withinTime<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ExtractionError("timeout", `${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * CJK radicals some PDF fonts map their glyphs to (Chromium's PDFs do, for
 * 一, 文, 页 …): the character a reader sees and searches for. Kangxi radicals
 * have a compatibility form (NFKC); the simplified radicals of the supplement
 * that stand for whole characters are listed here.
 */
const RADICALS: Record<string, string> = {
  "\u2e8b": "㔾", "\u2e8c": "小", "\u2e8d": "小", "\u2e8e": "兀", "\u2e97": "彐", "\u2ea0": "民", "\u2ea7": "牛",
  "\u2eb2": "罒", "\u2eb3": "罒", "\u2eb7": "羊", "\u2ebc": "肉", "\u2ec4": "西", "\u2ec5": "见", "\u2ec6": "角",
  "\u2ec8": "讠", "\u2ec9": "贝", "\u2ecb": "车", "\u2ed0": "钅", "\u2ed3": "长", "\u2ed4": "门", "\u2ed7": "雨",
  "\u2ed8": "青", "\u2eda": "页", "\u2edb": "风", "\u2edc": "飞", "\u2edd": "食", "\u2ede": "食", "\u2edf": "食",
  "\u2ee0": "饣", "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee7": "卤",
  "\u2ee8": "麦", "\u2ee9": "黄", "\u2eea": "黾", "\u2eeb": "斉", "\u2eec": "齐", "\u2eed": "歯", "\u2eee": "齿",
  "\u2eef": "竜", "\u2ef0": "龙", "\u2ef1": "龜", "\u2ef2": "亀", "\u2ef3": "龟",
};

/** Whitespace tidied; radicals read as the characters they stand for; spaces between Chinese characters (as OCR and some PDFs put them) removed. */
export function tidyText(text: string): string {
  return text
    .replace(/[\u2f00-\u2fdf]/g, (c) => c.normalize("NFKC"))
    .replace(/[\u2e80-\u2eff]/g, (c) => RADICALS[c] ?? c)
    .replace(/\r\n?/g, "\n")
    .replace(/[\t\f\v\u00a0\u3000 ]+/g, " ")
    .replace(/(?<=[\p{Script=Han}\u3000-\u303f\uff00-\uffef]) (?=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])/gu, "")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
