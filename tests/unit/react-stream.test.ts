/**
 * Pages stream from React's server renderer in 2048-byte pieces. A Chinese character
 * that does not fit at the end of a piece must move whole to the next one, with no
 * bytes of padding between (scripts/patch-react-dom.mjs); unpatched, the page shows
 * NUL characters such as "第 1 页\u0000，共 2 页".
 */
import { PassThrough } from "node:stream";
import { createElement } from "react";
import { renderToPipeableStream } from "react-dom/server";
import { describe, expect, it } from "vitest";

function render(element: ReturnType<typeof createElement>): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = new PassThrough();
    const chunks: Buffer[] = [];
    body.on("data", (c: Buffer) => chunks.push(c));
    body.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    const { pipe } = renderToPipeableStream(element, {
      onAllReady: () => pipe(body),
      onError: reject,
    });
  });
}

describe("the streaming page renderer", () => {
  it("moves a character that straddles a 2048-byte piece whole, adding no NUL bytes", async () => {
    // Short texts are written into the current piece (long ones are encoded apart); shifting the start
    // by 0–2 bytes puts a 3-byte character across a boundary with one or two bytes left.
    for (let pad = 0; pad < 3; pad++) {
      const items = Array.from({ length: 300 }, (_, i) => createElement("li", { key: i }, `第 ${i} 页，共 300 页`));
      const html = await render(createElement("div", null, createElement("b", null, "x".repeat(pad + 1)), createElement("ol", null, items)));
      expect(html).not.toContain("\u0000");
      expect(html).toContain("<li>第 299 页，共 300 页</li>");
    }
  });
});
