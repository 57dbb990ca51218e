import { describe, expect, it } from "vitest";
import { catalogs } from "~/i18n/messages";
import { formatDate, localeFromAcceptLanguage, translate } from "~/i18n/i18n";

describe("interface strings", () => {
  it("every key exists in both languages", () => {
    for (const catalog of catalogs) {
      const en = Object.keys(catalog.en).sort();
      const zh = Object.keys(catalog["zh-CN"]).sort();
      expect(zh.filter((k) => !en.includes(k))).toEqual([]);
      expect(en.filter((k) => !zh.includes(k))).toEqual([]);
    }
  });

  it("formats variables and picks the browser language", () => {
    expect(translate("en", "doc.superseded", { current: 4 })).toBe("Superseded — current is v4");
    expect(translate("zh-CN", "doc.superseded", { current: 4 })).toBe("已替代 — 现行版本为 v4");
    expect(localeFromAcceptLanguage("en-GB,en;q=0.9")).toBe("en");
    expect(localeFromAcceptLanguage("zh-TW,zh;q=0.9,en;q=0.5")).toBe("zh-CN");
    expect(localeFromAcceptLanguage(null)).toBe("zh-CN");
  });

  it("shows times in the company's zone with the midnight hour as 00, the way browsers write it", () => {
    // 16:50 UTC is 00:50 the next day in Shanghai; the server's text must equal the browser's or the page does not hydrate.
    expect(formatDate("2026-12-05T16:50:00Z", "en", true)).toBe("12/06/2026, 00:50");
    expect(formatDate("2026-12-05T16:50:00Z", "zh-CN", true)).toBe("2026/12/06 00:50");
    expect(formatDate("2026-12-05T15:59:00Z", "en", true)).toBe("12/05/2026, 23:59");
    expect(formatDate("2026-12-05", "en")).toBe("12/05/2026");
  });
});
