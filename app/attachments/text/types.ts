/** Shapes shared by extraction, the OCR queue and the search index. */

/** Where in an attachment a part of its text stands: a PDF page, a slide, a sheet (null: the whole file). */
export type TextLocator = { kind: "page" | "slide" | "sheet"; value: string } | null;

export interface TextPart {
  locator: TextLocator;
  text: string;
  /** From the file's own text, or read from the image by OCR. */
  via: "text" | "ocr";
}

/** What the search index holds for one attachment part. */
export interface AttachmentTextPart {
  /** The attachment's file name within the version. */
  name: string;
  locator: TextLocator;
  text: string;
}

/** The kinds of file whose text is extracted. */
export type TextKind = "pdf" | "docx" | "xlsx" | "pptx" | "image";
