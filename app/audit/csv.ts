/**
 * CSV for spreadsheets: RFC 4180 quoting, CRLF line ends, a BOM so Excel reads
 * UTF-8 (Chinese names), and cells that a spreadsheet would run as a formula
 * (starting with = + - @, or a tab / carriage return) prefixed with a quote.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, escaped and guarded against formula injection. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: a header row and the rows, CRLF separated, with a UTF-8 BOM. */
export function toCsv(header: string[], rows: unknown[][]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(","));
  return "\uFEFF" + lines.join("\r\n") + "\r\n";
}

/** A download response for a CSV document. */
export function csvResponse(csv: string, filename: string): Response {
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
