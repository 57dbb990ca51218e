/**
 * The rich (WYSIWYG) mode of the markdown editor. The textarea stays the form
 * field: this component edits the same markdown and writes every change back
 * to it. The editor code (Milkdown) is loaded only when this mode is chosen.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useT } from "~/i18n/use-t";
import type { RichEditorHandle, ToolbarCommand } from "~/editor/rich-editor.client";

const DOC_NUMBER = /^[A-Z][A-Z0-9]{1,7}-\d{1,6}$/;
const LINK = /^(https?:\/\/|mailto:|\/)\S*$/i;
const IMAGE = /^(attachments\/\S+|https:\/\/\S+)$/i;

type Ask = "link" | "docRef" | "image" | null;

/** Formatting buttons: a glyph (named by its label) or, where a glyph would be a riddle, the label itself. */
const BUTTONS: { command: ToolbarCommand; label: string; text?: string }[] = [
  { command: "bold", label: "editor.tb.bold", text: "B" },
  { command: "italic", label: "editor.tb.italic", text: "I" },
  { command: "h2", label: "editor.tb.h2", text: "H2" },
  { command: "h3", label: "editor.tb.h3", text: "H3" },
  { command: "paragraph", label: "editor.tb.paragraph", text: "¶" },
  { command: "bulletList", label: "editor.tb.bulletList", text: "•" },
  { command: "orderedList", label: "editor.tb.orderedList", text: "1." },
  { command: "table", label: "editor.tb.table" },
  { command: "rowAdd", label: "editor.tb.rowAdd" },
  { command: "rowRemove", label: "editor.tb.rowRemove" },
  { command: "colAdd", label: "editor.tb.colAdd" },
  { command: "colRemove", label: "editor.tb.colRemove" },
  { command: "mermaid", label: "editor.tb.mermaid" },
];

export function RichEditor({
  id,
  markdown,
  onChange,
  upload,
  onFailed,
  attachmentBase,
}: {
  id: string;
  markdown: string;
  onChange: (markdown: string) => void;
  /** Uploads a file and answers the snippet to insert; absent before the draft exists. */
  upload: ((file: File) => Promise<string>) | null;
  onFailed: () => void;
  /** Where `attachments/<name>` images are served from. */
  attachmentBase?: string;
}) {
  const t = useT();
  const root = useRef<HTMLDivElement>(null);
  const handle = useRef<RichEditorHandle | null>(null);
  const [ready, setReady] = useState(false);
  const [ask, setAsk] = useState<Ask>(null);
  const [askError, setAskError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; kind: "error" | "info" } | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const change = useRef(onChange);
  change.current = onChange;
  const uploader = useRef(upload);
  uploader.current = upload;
  const toolbar = useRef<HTMLDivElement>(null);

  // The toolbar sticks just below the site header, which sticks too: at top 0 its first
  // row of buttons would slide under the header, out of reach of a tap.
  useEffect(() => {
    const bar = toolbar.current;
    const header = document.querySelector<HTMLElement>(".site-header");
    if (!bar || !header) return;
    const place = () => {
      const { position } = getComputedStyle(header);
      bar.style.top = position === "sticky" || position === "fixed" ? `${Math.ceil(header.getBoundingClientRect().height)}px` : "0px";
    };
    place();
    const observer = new ResizeObserver(place);
    observer.observe(header);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    let cancelled = false;
    let made: RichEditorHandle | null = null;
    const host = root.current;
    if (!host) return;
    import("~/editor/rich-editor.client")
      .then((m) =>
        m.createRichEditor(host, {
          markdown,
          onChange: (md) => change.current(md),
          upload: async (f) => {
            if (!uploader.current) throw new Error(t("editor.upload.needsDraft"));
            setMessage({ text: t("editor.upload.busy", { name: f.name }), kind: "info" });
            const snippet = await uploader.current(f);
            setMessage({ text: t("editor.upload.done", { name: f.name }), kind: "info" });
            return snippet;
          },
          onMessage: (text, kind) => setMessage({ text, kind }),
          attachmentBase,
          text: {
            diagramPreview: t("editor.diagram.preview"),
            diagramError: t("editor.diagram.error"),
            headerRowLocked: t("editor.table.headerRow"),
            lastColumnLocked: t("editor.table.lastColumn"),
            notInTable: t("editor.table.notIn"),
          },
        }),
      )
      .then((h) => {
        made = h;
        if (cancelled) return h.destroy();
        handle.current = h;
        const body = host.querySelector<HTMLElement>("[contenteditable]");
        body?.setAttribute("aria-label", t("editor.richLabel"));
        body?.setAttribute("aria-multiline", "true");
        body?.setAttribute("id", `${id}-rich`);
        setReady(true);
      })
      .catch(() => {
        if (!cancelled) onFailed();
      });
    return () => {
      cancelled = true;
      made?.destroy();
      handle.current = null;
    };
    // The editor is made once per mount; later markdown comes from the editor itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A save pressed right after an edit sends that edit: the form's field is brought up to date as the form is
  // submitted (this listener on the form runs before the page's own submit handling reads the fields).
  useEffect(() => {
    if (!ready) return;
    const form = root.current?.closest("form");
    if (!form) return;
    const flush = () => {
      const h = handle.current;
      if (h) change.current(h.markdown());
    };
    form.addEventListener("submit", flush);
    return () => form.removeEventListener("submit", flush);
  }, [ready]);

  const submitAsk = (event: FormEvent<HTMLFormElement> | { preventDefault(): void }, form: HTMLElement | null) => {
    event.preventDefault();
    const value = (form?.querySelector<HTMLInputElement>("input[data-ask=value]")?.value ?? "").trim();
    const alt = (form?.querySelector<HTMLInputElement>("input[data-ask=alt]")?.value ?? "").trim();
    const h = handle.current;
    if (!h) return;
    if (ask === "docRef") {
      const number = value.toUpperCase();
      if (!DOC_NUMBER.test(number)) return setAskError(t("editor.ask.badNumber", { value }));
      h.docRef(number);
    } else if (ask === "link") {
      if (!LINK.test(value)) return setAskError(t("editor.ask.badLink"));
      h.link(value);
    } else if (ask === "image") {
      if (!IMAGE.test(value)) return setAskError(t("editor.ask.badImage"));
      h.image(value, alt);
    }
    setAsk(null);
    setAskError(null);
  };

  const onFile = async () => {
    const input = file.current;
    const chosen = Array.from(input?.files ?? []);
    if (input) input.value = "";
    for (const f of chosen) {
      try {
        if (!uploader.current) throw new Error(t("editor.upload.needsDraft"));
        setMessage({ text: t("editor.upload.busy", { name: f.name }), kind: "info" });
        const snippet = await uploader.current(f);
        handle.current?.insertMarkdown(snippet);
        setMessage({ text: t("editor.upload.done", { name: f.name }), kind: "info" });
      } catch (e) {
        setMessage({ text: e instanceof Error ? e.message : String(e), kind: "error" });
      }
    }
  };

  return (
    <div className="rich-editor" data-ready={ready ? "1" : undefined}>
      <div ref={toolbar} className="rich-toolbar" role="toolbar" aria-label={t("editor.toolbar")} aria-controls={`${id}-rich`}>
        {BUTTONS.map((b) => (
          <button
            key={b.command}
            type="button"
            className="secondary"
            data-command={b.command}
            title={t(b.label)}
            aria-label={b.text ? t(b.label) : undefined}
            disabled={!ready}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => handle.current?.run(b.command)}
          >
            {b.text ? <span aria-hidden="true">{b.text}</span> : t(b.label)}
          </button>
        ))}
        {(["link", "docRef", "image"] as const).map((kind) => (
          <button
            key={kind}
            type="button"
            className="secondary"
            data-command={kind}
            title={t(`editor.tb.${kind}`)}
            aria-expanded={ask === kind}
            disabled={!ready}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => {
              setAsk(ask === kind ? null : kind);
              setAskError(null);
            }}
          >
            {t(`editor.tb.${kind}`)}
          </button>
        ))}
        <button type="button" className="secondary" data-command="attach" disabled={!ready} onClick={() => (upload ? file.current?.click() : setMessage({ text: t("editor.upload.needsDraft"), kind: "info" }))}>
          {t("editor.tb.attach")}
        </button>
        <input ref={file} type="file" multiple hidden onChange={() => void onFile()} aria-label={t("editor.tb.attach")} />
      </div>
      {ask ? (
        // Not a <form>: this sits inside the proposal's form.
        <div className="rich-ask" role="group" aria-label={t(`editor.tb.${ask}`)}>
          <label>
            {t(`editor.ask.${ask}`)}
            <input
              data-ask="value"
              autoFocus
              onKeyDown={(e) => {
                if (e.key === "Enter") submitAsk(e, e.currentTarget.closest(".rich-ask"));
                if (e.key === "Escape") setAsk(null);
              }}
            />
          </label>
          {ask === "image" ? (
            <label>
              {t("editor.ask.imageAlt")}
              <input data-ask="alt" />
            </label>
          ) : null}
          <button type="button" onClick={(e) => submitAsk(e, e.currentTarget.closest(".rich-ask"))}>
            {t("editor.ask.insert")}
          </button>
          <button type="button" className="secondary" onClick={() => setAsk(null)}>
            {t("editor.ask.close")}
          </button>
          {askError ? (
            <p className="field-error" role="alert">
              {askError}
            </p>
          ) : null}
        </div>
      ) : null}
      {message ? (
        <p className={message.kind === "error" ? "field-error rich-message" : "muted small rich-message"} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      ) : null}
      {!ready ? <p className="muted small">{t("editor.loading")}</p> : null}
      <div ref={root} className="rich-root" />
    </div>
  );
}
