/**
 * Domain errors carry a code; routes map codes to HTTP status in one place.
 * What a person reads is a message key of the catalogue (app/i18n/messages)
 * with its values: the route edge writes it in the reader's language; the
 * error's own `message` is the English text, for logs and API clients.
 */
import { translate, type Said, type Vars } from "~/i18n/i18n";

/** A catalogue message: key and values. */
export interface Msg {
  key: string;
  vars?: Vars;
}

/** A catalogue message for a domain error: `new NotFoundError(msg("documents.err.noDocument", { number }))`. */
export function msg(key: string, vars?: Vars): Msg {
  return vars ? { key, vars } : { key };
}

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "unavailable";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** A message of the catalogue (app/i18n/messages), translated at the route edge into the reader's language. */
export type { Said };

export class DomainError extends Error {
  /** The message as catalogue entries (joined with a space); `message` stays the English text for logs. */
  said?: Said[];
  /** Field messages as catalogue entries, by field name. */
  fieldSaid?: Record<string, Said>;
  /** The catalogue key of the message (absent only for text that is not shown to people). */
  key?: string;
  vars?: Vars;
  constructor(
    public code: ErrorCode,
    message: string | Msg,
    public details?: Record<string, unknown>,
  ) {
    super(typeof message === "string" ? message : translate("en", message.key, message.vars));
    this.name = new.target.name;
    const keyed = typeof message === "string" ? (typeof details?.key === "string" ? { key: details.key, vars: details.vars as Vars | undefined } : null) : message;
    if (keyed) {
      this.key = keyed.key;
      this.vars = keyed.vars;
    }
  }
  get status() {
    return STATUS[this.code];
  }
  /** Attaches the catalogue form of the message (and of field messages) for translation. */
  saying(said: Said | Said[], fieldSaid?: Record<string, Said>): this {
    this.said = Array.isArray(said) ? said : [said];
    if (fieldSaid) this.fieldSaid = fieldSaid;
    return this;
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string | Msg = msg("error.404"), details?: Record<string, unknown>) {
    super("not_found", message, details);
  }
}
export class AccessDeniedError extends DomainError {
  constructor(message: string | Msg = msg("error.403"), details?: Record<string, unknown>) {
    super("forbidden", message, details);
  }
}
export class ValidationError extends DomainError {
  constructor(
    message: string | Msg,
    public fieldErrors: Record<string, string> = {},
  ) {
    super("bad_request", message, { fieldErrors });
  }
}
export class ConflictError extends DomainError {
  constructor(message: string | Msg, details?: Record<string, unknown>) {
    super("conflict", message, details);
  }
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}
