/**
 * Markdown editor with preview. Without JavaScript it is a plain textarea and
 * a "Preview" submit button (the page renders the preview on the server).
 * With JavaScript the preview follows the text as you type: the server
 * renders and sanitises it (/api/preview), exactly as a published document.
 */
import { useEffect, useRef, useState } from "react";
import { useCsrf } from "~/components/csrf-field";
import { useT } from "~/i18n/use-t";

export function MarkdownEditor({
  name,
  defaultValue,
  previewHtml,
  label,
  error,
  rows = 24,
  readOnly,
}: {
  name: string;
  defaultValue: string;
  /** Server-rendered preview (after a "Preview" submit without JavaScript). */
  previewHtml?: string | null;
  label: string;
  error?: string;
  rows?: number;
  readOnly?: boolean;
}) {
  const t = useT();
  const csrf = useCsrf();
  const [html, setHtml] = useState<string | null>(previewHtml ?? null);
  const [live, setLive] = useState(false);
  const [state, setState] = useState<"idle" | "loading" | "failed">("idle");
  const ref = useRef<HTMLTextAreaElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const controller = useRef<AbortController | null>(null);

  const refresh = (markdown: string) => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    setState("loading");
    fetch("/api/preview", {
      method: "POST",
      signal: c.signal,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ markdown }),
    })
      .then((res) => (res.ok ? res.json() : Promise.reject(new Error(String(res.status)))))
      .then((body: { html: string }) => {
        setHtml(body.html);
        setState("idle");
      })
      .catch((e: Error) => {
        if (e.name !== "AbortError") setState("failed");
      });
  };

  useEffect(() => {
    setLive(true);
    if (ref.current) refresh(ref.current.value);
    return () => {
      clearTimeout(timer.current);
      controller.current?.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const onInput = () => {
    clearTimeout(timer.current);
    const value = ref.current?.value ?? "";
    timer.current = setTimeout(() => refresh(value), 300);
  };

  const id = `${name}-editor`;
  return (
    <div className={`md-editor${error ? " field-invalid" : ""}`}>
      <div className="md-input field">
        <label htmlFor={id}>{label}</label>
        <textarea
          id={id}
          name={name}
          ref={ref}
          rows={rows}
          defaultValue={defaultValue}
          onInput={onInput}
          readOnly={readOnly}
          spellCheck={false}
          aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
        />
        <p className="field-hint" id={`${id}-hint`}>
          {t("revisions.editor.hint")}
        </p>
        {error ? (
          <p className="field-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        ) : null}
        {!live ? (
          <button type="submit" name="intent" value="preview" className="secondary" formNoValidate>
            {t("revisions.editor.preview")}
          </button>
        ) : null}
      </div>
      <section className="md-preview" aria-labelledby={`${id}-preview`} aria-live="polite" aria-busy={state === "loading"}>
        <h3 id={`${id}-preview`}>
          {t("revisions.editor.previewTitle")}
          {state === "loading" ? <span className="muted small"> · {t("common.loading")}</span> : null}
          {state === "failed" ? <span className="field-error"> · {t("revisions.editor.previewFailed")}</span> : null}
        </h3>
        {html !== null ? <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} /> : <p className="muted">{t("revisions.editor.previewHint")}</p>}
      </section>
    </div>
  );
}
