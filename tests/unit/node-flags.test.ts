import { describe, expect, it } from "vitest";
import { DEFAULT_HEAP_MB, serverNodeArgs } from "../../scripts/node-flags.mjs";

describe("the server's heap limit", () => {
  it("is 1024 MB unless REGULA_HEAP_MB says otherwise", () => {
    expect(DEFAULT_HEAP_MB).toBe(1024);
    expect(serverNodeArgs({})).toEqual(["--max-old-space-size=1024"]);
    expect(serverNodeArgs({ REGULA_HEAP_MB: " 2048 " })).toEqual(["--max-old-space-size=2048"]);
  });

  it("leaves a limit given in NODE_OPTIONS alone", () => {
    expect(serverNodeArgs({ NODE_OPTIONS: "--max-old-space-size=4096", REGULA_HEAP_MB: "512" })).toEqual([]);
  });

  it("refuses a value that is not a whole number of megabytes, or too small to start", () => {
    expect(() => serverNodeArgs({ REGULA_HEAP_MB: "1g" })).toThrow(/REGULA_HEAP_MB must be a whole number of megabytes, at least 256 \(got "1g"\)/);
    expect(() => serverNodeArgs({ REGULA_HEAP_MB: "100" })).toThrow(/at least 256/);
    expect(() => serverNodeArgs({ REGULA_HEAP_MB: "512.5" })).toThrow(/whole number/);
  });
});
