import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jsQR from "jsqr";
import QRCode from "qrcode";
import { copyCode, normaliseCode, parseCopyCode, InvalidCopyCodeError } from "~/print/verify.server";
import { resetEnvForTests } from "~/utils/env.server";

const saved = process.env.SESSION_SECRET;
beforeAll(() => {
  process.env.SESSION_SECRET = "unit-test-secret-for-copy-codes";
  resetEnvForTests();
});
afterAll(() => {
  if (saved === undefined) delete process.env.SESSION_SECRET;
  else process.env.SESSION_SECRET = saved;
  resetEnvForTests();
});

describe("copy codes", () => {
  it("name the number and version and carry an 8-character base32 signature", () => {
    const code = copyCode("EXE-014", 3);
    expect(code).toMatch(/^EXE-014\.3\.[A-Z2-7]{8}$/);
    expect(parseCopyCode(code)).toEqual({ number: "EXE-014", version: 3, code });
    expect(copyCode("EXE-014", 4)).not.toBe(code);
  });

  it("are read however a person types or pastes them", () => {
    const code = copyCode("APR-002", 1);
    for (const typed of [code.toLowerCase(), ` ${code.replace(/\./g, " . ")} `, `https://portal.example/verify/${code}?x=1`, code.replace(/\./g, "。")]) {
      expect(normaliseCode(typed), typed).toBe(code);
      expect(parseCopyCode(typed).number).toBe("APR-002");
    }
  });

  it("refuse a changed signature, version or number, and another installation's codes", () => {
    const code = copyCode("EXE-014", 3);
    const [, , mac] = code.split(".");
    const other = mac[0] === "A" ? "B" : "A";
    for (const forged of [`EXE-014.3.${other}${mac.slice(1)}`, `EXE-014.2.${mac}`, `EXE-015.3.${mac}`, "EXE-014.3", "", "EXE-014.0.AAAAAAAA"]) {
      expect(() => parseCopyCode(forged), forged).toThrow(InvalidCopyCodeError);
    }
    process.env.SESSION_SECRET = "another-installation-secret";
    resetEnvForTests();
    expect(() => parseCopyCode(code)).toThrow(InvalidCopyCodeError);
    process.env.SESSION_SECRET = "unit-test-secret-for-copy-codes";
    resetEnvForTests();
    expect(parseCopyCode(code).version).toBe(3);
  });

  it("fit in a small QR code that a decoder reads back", async () => {
    const url = `https://regula.example.com/verify/${copyCode("EXE-014", 3)}`;
    const qr = QRCode.create(url, { errorCorrectionLevel: "M" });
    expect(qr.version).toBeLessThanOrEqual(4); // 33 modules: about 0.55 mm each at 18 mm
    const size = qr.modules.size;
    const scale = 4;
    const margin = 2;
    const side = (size + 2 * margin) * scale;
    const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        if (qr.modules.get(y, x))
          for (let dy = 0; dy < scale; dy++)
            for (let dx = 0; dx < scale; dx++) {
              const i = (((y + margin) * scale + dy) * side + (x + margin) * scale + dx) * 4;
              pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
            }
    expect(jsQR(pixels, side, side)?.data).toBe(url);
  });
});
