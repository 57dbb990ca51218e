/**
 * Draws ```mermaid blocks in the browser. Loaded only by a dynamic import from
 * components/diagrams.ts, and only on a page that has a diagram, so mermaid
 * never weighs on other pages. mermaid runs with securityLevel "strict" (its
 * labels are text, its SVG cleaned before it is returned).
 */
import mermaid from "mermaid";

let ready = false;
let counter = 0;

function init() {
  if (ready) return;
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral", flowchart: { htmlLabels: false }, fontFamily: "inherit" });
  ready = true;
}

/** Text of a code element, leaving out the parts inside elements matching `skip` (a diff's <ins> or <del>). */
function textWithout(code: Element, skip: string): string {
  const copy = code.cloneNode(true) as Element;
  copy.querySelectorAll(skip).forEach((e) => e.remove());
  return copy.textContent ?? "";
}

export interface DrawText {
  /** Caption under a drawn diagram (accessible name). */
  label: string;
  /** What readers see when a diagram cannot be drawn (its source stays shown). */
  failedReader: string;
  /** What an editor sees in the preview: the parser's message follows. */
  failedEditor: string;
  before: string;
  after: string;
}

/** Outcome of drawing one diagram: an SVG string, or the parser's message. */
export async function drawMermaid(source: string): Promise<{ svg: string } | { error: string }> {
  init();
  const id = `regula-diagram-${Date.now().toString(36)}-${counter++}`;
  try {
    await mermaid.parse(source);
    const { svg } = await mermaid.render(id, source);
    return { svg };
  } catch (e) {
    document.getElementById(id)?.remove();
    document.getElementById(`d${id}`)?.remove();
    const message = e instanceof Error ? e.message : String(e);
    return { error: message.split("\n").slice(0, 6).join("\n") };
  }
}

function svgBox(svg: string, label: string, caption?: string): HTMLElement {
  const box = document.createElement("div");
  box.className = "diagram-svg";
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", caption ? `${label} (${caption})` : label);
  box.innerHTML = svg;
  if (caption) {
    const c = document.createElement("p");
    c.className = "diagram-caption muted small";
    c.textContent = caption;
    box.prepend(c);
  }
  return box;
}

/**
 * Draws every not-yet-drawn diagram under `root`: the figures the renderer
 * wrote (document, print view, preview) and mermaid code blocks in a
 * formatted diff (drawn before and after when the block changed).
 */
export async function drawDiagrams(root: HTMLElement, text: DrawText, options: { showErrors: boolean }): Promise<void> {
  const blocks = Array.from(root.querySelectorAll<HTMLElement>("code.language-mermaid"));
  for (const code of blocks) {
    const pre = code.closest("pre");
    if (!pre || pre.dataset.drawn) continue;
    pre.dataset.drawn = "1";
    const figure = pre.closest<HTMLElement>("figure.diagram");
    const host = figure ?? pre;
    const changed = code.querySelector("ins, del") !== null;
    const versions = changed
      ? [
          { caption: text.before, source: textWithout(code, "ins") },
          { caption: text.after, source: textWithout(code, "del") },
        ].filter((v) => v.source.trim() !== "")
      : [{ caption: undefined as string | undefined, source: code.textContent ?? "" }];
    const drawn: HTMLElement[] = [];
    let failure: string | null = null;
    for (const v of versions) {
      const result = await drawMermaid(v.source);
      if ("svg" in result) drawn.push(svgBox(result.svg, text.label, v.caption));
      else failure = result.error;
    }
    host.parentElement?.querySelectorAll(":scope > .diagram-error[data-for]").forEach((e) => e.remove());
    if (failure !== null) {
      // Readers keep the source and a note; an editor also reads why.
      host.classList.add("diagram-failed");
      const note = document.createElement("p");
      note.className = options.showErrors ? "diagram-error field-error" : "diagram-error diagram-note";
      note.setAttribute("role", options.showErrors ? "alert" : "note");
      note.textContent = options.showErrors ? `${text.failedEditor} ${failure}` : text.failedReader;
      host.after(note);
      continue;
    }
    const row = document.createElement("div");
    row.className = drawn.length > 1 ? "diagram-drawn diagram-pair" : "diagram-drawn";
    drawn.forEach((d) => row.append(d));
    host.before(row);
    host.classList.add("diagram-hidden-source");
  }
}
