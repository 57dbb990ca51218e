/**
 * Import report messages: a key and values, translated where the report is
 * shown (the admin page in the reader's language, the command line in
 * --lang). Shared by the server and the report page.
 */

/** A message of the report (keys in app/i18n/messages/import.ts). */
export interface ImportMessage {
  key: string;
  vars?: Record<string, string | number>;
}

/** Reports written before messages were translated hold plain text. */
export type ReportText = ImportMessage | string;

/** A report message in the given language (plain text from older reports stays as it was). */
export function reportText(t: (key: string, vars?: ImportMessage["vars"]) => string, text: ReportText | undefined): string {
  if (text === undefined) return "";
  return typeof text === "string" ? text : t(text.key, text.vars);
}
