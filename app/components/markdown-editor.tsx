/**
 * Markdown editor with preview. Without JavaScript it is a plain textarea and
 * a "Preview" submit button (the page renders the preview on the server).
 * With JavaScript the preview follows the text as you type: the server
 * renders and sanitises it (/api/preview), exactly as a published document.
 */
import { useEffect, useRef, useState, type ClipboardEvent, type DragEvent } from "react";
import { useCsrf } from "~/components/csrf-field";
import { MarkdownHtml } from "~/components/markdown-html";
import { RichEditor } from "~/components/rich-editor";
import { uploadAttachment } from "~/components/editor-upload";
import { useT } from "~/i18n/use-t";

type Mode = "markdown" | "rich";
const MODE_KEY = "regula.editorMode";

export function MarkdownEditor({
  name,
  defaultValue,
  previewHtml,
  label,
  error,
  rows = 24,
  readOnly,
  uploadUrl,
  attachmentBase,
}: {
  name: string;
  defaultValue: string;
  /** Server-rendered preview (after a "Preview" submit without JavaScript). */
  previewHtml?: string | null;
  label: string;
  error?: string;
  rows?: number;
  readOnly?: boolean;
  /** Where pasted or dropped files are uploaded (a saved proposal's attachments); absent before a draft exists. */
  uploadUrl?: string;
  /** Where `attachments/<name>` in the text points (a draft's or a version's files), so the preview's images load wherever the page is. */
  attachmentBase?: string;
}) {
  const t = useT();
  const csrf = useCsrf();
  const [html, setHtml] = useState<string | null>(previewHtml ?? null);
  const [live, setLive] = useState(false);
  const [state, setState] = useState<"idle" | "loading" | "failed">("idle");
  const ref = useRef<HTMLTextAreaElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const controller = useRef<AbortController | null>(null);
  const [mode, setMode] = useState<Mode>("markdown");
  const [richKey, setRichKey] = useState(0);
  const [note, setNote] = useState<{ text: string; kind: "error" | "info" } | null>(null);

  const refresh = (markdown: string) => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    setState("loading");
    fetch("/api/preview", {
      method: "POST",
      signal: c.signal,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(attachmentBase ? { markdown, attachmentBase } : { markdown }),
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
    if (!readOnly && window.localStorage?.getItem(MODE_KEY) === "rich") setMode("rich");
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

  const upload = uploadUrl ? async (file: File) => (await uploadAttachment(uploadUrl, csrf, file, t)).markdown : null;

  const chooseMode = (next: Mode) => {
    if (next === mode) return;
    if (next === "rich") setRichKey((k) => k + 1);
    setMode(next);
    try {
      window.localStorage?.setItem(MODE_KEY, next);
    } catch {
      // Private browsing: the choice lasts for this page only.
    }
  };

  /** The rich editor writes every change back to the textarea, the form's field. */
  const fromRich = (markdown: string) => {
    if (ref.current) ref.current.value = markdown;
    onInput();
  };

  /** In markdown mode, a pasted or dropped file is uploaded and its snippet put at the cursor. */
  const uploadInto = (files: File[]) => {
    const area = ref.current;
    if (!area || files.length === 0) return false;
    if (!upload) {
      setNote({ text: t("editor.upload.needsDraft"), kind: "info" });
      return true;
    }
    void (async () => {
      for (const file of files) {
        setNote({ text: t("editor.upload.busy", { name: file.name }), kind: "info" });
        try {
          const snippet = await upload(file);
          const at = area.selectionStart ?? area.value.length;
          const before = area.value.slice(0, at);
          const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
          area.setRangeText(`${lead}${snippet}\n`, at, area.selectionEnd ?? at, "end");
          onInput();
          setNote({ text: t("editor.upload.done", { name: file.name }), kind: "info" });
        } catch (e) {
          setNote({ text: e instanceof Error ? e.message : String(e), kind: "error" });
        }
      }
    })();
    return true;
  };
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(e.clipboardData?.files ?? []);
    if (files.length && uploadInto(files)) e.preventDefault();
  };
  const onDrop = (e: DragEvent<HTMLTextAreaElement>) => {
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (files.length && uploadInto(files)) e.preventDefault();
  };

  const id = `${name}-editor`;
  return (
    <div className={`md-editor${error ? " field-invalid" : ""}`}>
      <div className="md-input field">
        <label htmlFor={id}>{label}</label>
        {live && !readOnly ? (
          <div className="md-mode" role="group" aria-label={t("editor.mode")}>
            <button type="button" className="secondary" aria-pressed={mode === "markdown"} onClick={() => chooseMode("markdown")}>
              {t("editor.modeMarkdown")}
            </button>
            <button type="button" className="secondary" aria-pressed={mode === "rich"} onClick={() => chooseMode("rich")}>
              {t("editor.modeRich")}
            </button>
          </div>
        ) : null}
        {mode === "rich" ? (
          <RichEditor
            key={richKey}
            id={id}
            markdown={ref.current?.value ?? defaultValue}
            onChange={fromRich}
            upload={upload}
            attachmentBase={attachmentBase}
            onFailed={() => {
              setMode("markdown");
              setNote({ text: t("editor.loadFailed"), kind: "error" });
            }}
          />
        ) : null}
        <textarea
          hidden={mode === "rich"}
          onPaste={onPaste}
          onDrop={onDrop}
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
        {note ? (
          <p className={note.kind === "error" ? "field-error md-note" : "muted small md-note"} role={note.kind === "error" ? "alert" : "status"}>
            {note.text}
          </p>
        ) : null}
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
        {html !== null ? <MarkdownHtml html={html} showErrors /> : <p className="muted">{t("revisions.editor.previewHint")}</p>}
      </section>
    </div>
  );
}
