/**
 * The rich editor's markdown parser and writer without a browser: Milkdown is
 * set up exactly as in the editor (app/editor/markdown-setup.ts) and stopped
 * before it would draw (the one step that needs a DOM). Node's own
 * EventTarget stands in for `window` events, which Milkdown's start-up timers
 * use. Named as what it is: a stand-in for the browser, for parse/serialise only.
 */
import { Editor, ParserReady, parserCtx, SerializerReady, serializerCtx } from "@milkdown/kit/core";
import type { Ctx, MilkdownPlugin } from "@milkdown/kit/ctx";

export interface Codec {
  /** markdown → ProseMirror document → markdown, as the editor writes it (before tidying). */
  roundTrip(markdown: string): string;
}

let codec: Promise<Codec> | null = null;

export function headlessCodec(): Promise<Codec> {
  codec ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    if (!g.document) g.document = { body: null };
    if (typeof g.addEventListener !== "function") {
      const target = new EventTarget();
      g.addEventListener = target.addEventListener.bind(target);
      g.removeEventListener = target.removeEventListener.bind(target);
      g.dispatchEvent = target.dispatchEvent.bind(target);
    }
    const { useRegulaMarkdown } = await import("~/editor/markdown-setup");
    let resolve!: (c: Codec) => void;
    const ready = new Promise<Codec>((r) => (resolve = r));
    const grab: MilkdownPlugin = (ctx: Ctx) => async () => {
      await ctx.wait(ParserReady);
      await ctx.wait(SerializerReady);
      const parse = ctx.get(parserCtx);
      const serialize = ctx.get(serializerCtx);
      resolve({ roundTrip: (markdown) => serialize(parse(markdown)) });
    };
    // Creating the view fails without a DOM; the parser and writer are ready before that step.
    useRegulaMarkdown(Editor.make()).use(grab).create().catch(() => undefined);
    return ready;
  })();
  return codec;
}
