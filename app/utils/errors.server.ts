import type { Said } from "~/i18n/i18n";
/** Domain errors carry a code; routes map codes to HTTP status in one place. */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "unavailable";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
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
  constructor(
    public code: ErrorCode,
    message: string,
    public details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
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
  constructor(message = "Not found", details?: Record<string, unknown>) {
    super("not_found", message, details);
  }
}
export class AccessDeniedError extends DomainError {
  constructor(message = "You do not have access to this", details?: Record<string, unknown>) {
    super("forbidden", message, details);
  }
}
export class ValidationError extends DomainError {
  constructor(
    message: string,
    public fieldErrors: Record<string, string> = {},
  ) {
    super("bad_request", message, { fieldErrors });
  }
}
export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("conflict", message, details);
  }
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}
