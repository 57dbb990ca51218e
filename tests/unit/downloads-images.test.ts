/** Image sizes read from file headers and fitted to the Word page. */
import { describe, expect, it } from "vitest";
import { fitImage } from "~/downloads/docx.server";
import { attachmentTarget, imageSize } from "~/downloads/images.server";
import { png } from "../fixtures/attachment-files";

describe("Word images", () => {
  it("reads the pixel size of PNG, GIF and JPEG headers", () => {
    expect(imageSize(png(12, 5))).toEqual({ type: "png", width: 12, height: 5 });
    const gif = Buffer.from("474946383961" + "2000" + "1000" + "000000", "hex");
    expect(imageSize(gif)).toEqual({ type: "gif", width: 32, height: 16 });
    // SOI, an APP0 segment, then SOF0 with height 300 and width 400.
    const jpeg = Buffer.from("ffd8" + "ffe00004" + "0000" + "ffc0000b08012c019003" + "0000000000", "hex");
    expect(imageSize(jpeg)).toEqual({ type: "jpg", width: 400, height: 300 });
    expect(imageSize(Buffer.from("not an image"))).toBeNull();
  });

  it("keeps small images at their size and shrinks large ones to the page with their proportions", () => {
    expect(fitImage(120, 80)).toEqual({ width: 120, height: 80 });
    expect(fitImage(3000, 1500)).toEqual({ width: 600, height: 300 });
    expect(fitImage(400, 4000)).toEqual({ width: 80, height: 800 });
  });

  it("finds the attachment an image points at", () => {
    expect(attachmentTarget("attachments/%E5%9B%BE.png")).toBe("图.png");
    expect(attachmentTarget("<attachments/现场 照片.png>")).toBe("现场 照片.png");
    expect(attachmentTarget("https://example.com/a.png")).toBeNull();
  });
});
