/**
 * Short names people see (document titles and numbers, department and
 * person names, guide titles, labels) must show what they say. Unicode
 * format characters (category Cf: zero-width spaces and joiners, the
 * byte-order mark, soft hyphens, and the bidirectional controls such as
 * U+202E RIGHT-TO-LEFT OVERRIDE that can make a title read backwards or
 * hide what follows) are removed, and what remains must hold at least one
 * visible character. Shared by the forms (client and server) and the domain.
 */
import { z } from "zod";

/** Message key of the refusal (app/i18n/messages/core.ts). */
export const INVISIBLE_TEXT = "validation.invisibleText";

// Letters that render as blank space (Hangul fillers, the Braille blank) count as invisible too.
const BLANK_LETTERS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const FORMAT = /\p{Cf}/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** The text without format characters (Cf, bidi controls), trimmed. */
export function stripInvisible(value: string): string {
  return value.replace(FORMAT, "").trim();
}

/** Whether the text shows at least one letter, digit, punctuation mark or symbol. */
export function hasVisibleCharacter(value: string): boolean {
  return VISIBLE.test(value.replace(FORMAT, "").replace(BLANK_LETTERS, ""));
}

/** Whether the text holds characters that stripInvisible would remove. */
export function holdsInvisible(value: string): boolean {
  return /\p{Cf}/u.test(value);
}

/**
 * A zod string for a short visible name: format characters removed, then
 * required (unless `allowEmpty`: an empty value stays ""), at most `max`
 * characters, and refused with INVISIBLE_TEXT when something was typed but
 * nothing visible is left.
 */
export function visibleName(max: number, messages: { required?: string; max?: string; allowEmpty?: boolean } = {}) {
  return z.string().transform((raw, ctx) => {
    if (!raw.trim()) {
      if (messages.allowEmpty) return "";
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: messages.required ?? "required" });
      return z.NEVER;
    }
    const clean = stripInvisible(raw);
    if (!hasVisibleCharacter(clean)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: INVISIBLE_TEXT });
      return z.NEVER;
    }
    if (clean.length > max) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: messages.max ?? `at most ${max} characters` });
      return z.NEVER;
    }
    return clean;
  });
}

/** Any string schema, applied after format characters are removed (for codes such as document numbers). */
export function withoutInvisible<S extends z.ZodTypeAny>(schema: S) {
  return z.preprocess((v) => (typeof v === "string" ? stripInvisible(v) : v), schema);
}
