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

export class DomainError extends Error {
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
