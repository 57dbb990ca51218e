import type { ReactNode } from "react";
import { useActionData, useNavigation } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

/** A labelled form field with its error message (aria-linked). */
export function Field({
  label,
  name,
  error,
  hint,
  children,
}: {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children: ReactNode;
}) {
  // A message that is a catalogue key (e.g. validation.invisibleText) is shown in the reader's language.
  const t = useT();
  if (error) error = t(error);
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={name}>{label}</label>
      {children}
      {hint ? (
        <p className="field-hint" id={`${name}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${name}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Form-level error banner. */
export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      {message}
    </div>
  );
}

/** What a form's action answers when it shows the form again: a preview, the values sent, and what was wrong. */
export interface FormEcho {
  preview?: string;
  values?: Record<string, string | string[]>;
  fieldErrors?: Record<string, string>;
  formError?: string;
}

/**
 * A form page's view of its action's answer: whether it is being sent, the field errors, and the
 * values to show again (`val(name, fallback)` for a text field).
 */
export function useFormEcho() {
  const result = useActionData() as FormEcho | undefined;
  const busy = useNavigation().state === "submitting";
  const fe = result?.fieldErrors ?? {};
  const values: Record<string, string | string[] | undefined> = result?.values ?? {};
  const val = (k: string, fallback: string) => (typeof values[k] === "string" ? (values[k] as string) : fallback);
  return { result, busy, fe, values, val };
}
