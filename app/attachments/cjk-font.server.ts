/**
 * A CJK font for stamped PDF copies, so a reader's Chinese name and the
 * Chinese stamp lines can be drawn (decision 114). The font comes from the
 * system's Noto CJK collection (Debian package fonts-noto-cjk: .ttc files
 * holding several faces); the Simplified Chinese face is taken from it, and
 * pdf-lib embeds only the glyphs a copy uses (a subset of a few dozen
 * kilobytes, not the 16 MB face).
 *
 * @pdf-lib/fontkit's subsetter has two faults with CID-keyed CFF fonts such
 * as Noto CJK: it writes the font's byte length as the header's offset size
 * (viewers then refuse the whole font), and it gives every glyph the font
 * dictionary added last (glyphs of mixed scripts, such as a Chinese name
 * beside Latin digits, are drawn with the wrong hints and subroutines). Both
 * are corrected here on the subset object, before pdf-lib encodes it.
 * Without a CJK font the stamp falls back to Latin text (the account name),
 * and /healthz says so.
 */
import fs from "node:fs";
import { getEnv } from "~/utils/env.server";

const SYSTEM_FONTS = [
  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
  "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
  "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
];
/** Faces tried in a collection, Simplified Chinese first. */
const FACES = ["NotoSansCJKsc-Regular", "NotoSerifCJKsc-Regular", "NotoSansCJKtc-Regular"];

/** The font file used, or null when none is installed (CJK_FONT_PATH names another one; "none" turns CJK stamping off). */
export function cjkFontFile(): string | null {
  const set = getEnv().CJK_FONT_PATH;
  if (set === "none") return null;
  if (set) return fs.existsSync(set) ? set : null;
  return SYSTEM_FONTS.find((f) => fs.existsSync(f)) ?? null;
}

/** The parts of fontkit's font object used here (its typings do not describe subsets' internals). */
interface FontkitFont {
  createSubset(): unknown;
  postscriptName: string;
  getGlyph(id: number): unknown;
}

interface CffTable {
  isCIDFont: boolean;
  topDict: { FDArray: { Private?: { Subrs?: unknown[] } & Record<string, unknown> }[] } & Record<string, unknown>;
  fdForGlyph(gid: number): number | null;
  length: number;
}

interface Subset {
  glyphs: number[];
  cff?: CffTable;
  font: FontkitFont;
  subsetSubrs(subrs: unknown[], used: Record<string, boolean>): unknown[];
  subsetFontdict(topDict: Record<string, unknown>): void;
}

/** The font dictionary of a glyph (the library's lookup misses the first glyph of each range). */
function fdOf(cff: CffTable, gid: number): number | null {
  const select = cff.topDict.FDSelect as { version: number; fds?: number[]; ranges?: { first: number; fd: number }[] } | undefined;
  if (!select) return null;
  if (select.version === 0) return select.fds?.[gid] ?? null;
  const ranges = select.ranges ?? [];
  let fd: number | null = null;
  for (const r of ranges) {
    if (r.first > gid) break;
    fd = r.fd;
  }
  return fd;
}

/** Corrects the subset's CFF faults (see the header). */
function fixCffSubset(subset: Subset): Subset {
  const cff = subset.cff;
  if (!cff) return subset;
  // The header's offSize: any value 1–4 is valid; 4 covers every offset.
  subset.cff = Object.create(cff, { length: { value: 4 } }) as CffTable;
  subset.subsetFontdict = function subsetFontdict(topDict: Record<string, unknown>) {
    const fdArray: Record<string, unknown>[] = [];
    const fds: number[] = [];
    const index = new Map<number, number>();
    const usedSubrs: Record<string, boolean>[] = [];
    for (const gid of this.glyphs) {
      const fd = fdOf(cff, gid);
      if (fd == null) {
        fds.push(0);
        continue;
      }
      let at = index.get(fd);
      if (at === undefined) {
        at = fdArray.length;
        index.set(fd, at);
        fdArray.push({ ...cff.topDict.FDArray[fd] });
        usedSubrs.push({});
      }
      fds.push(at);
      const glyph = this.font.getGlyph(gid) as { path: unknown; _usedSubrs?: Record<string, boolean> };
      void glyph.path; // parsing the glyph records the subroutines it uses
      for (const subr in glyph._usedSubrs ?? {}) usedSubrs[at][subr] = true;
    }
    if (!fdArray.length) {
      fdArray.push({ ...cff.topDict.FDArray[0] });
      usedSubrs.push({});
    }
    fdArray.forEach((dict, i) => {
      delete dict.FontName;
      const priv = dict.Private as { Subrs?: unknown[] } | undefined;
      if (priv?.Subrs) dict.Private = { ...priv, Subrs: this.subsetSubrs(priv.Subrs, usedSubrs[i]) };
    });
    topDict.FDArray = fdArray;
    topDict.FDSelect = { version: 0, fds };
  };
  return subset;
}

let loaded: { file: string; font: FontkitFont } | null | undefined;

async function loadFont(): Promise<{ file: string; font: FontkitFont } | null> {
  const file = cjkFontFile();
  if (loaded !== undefined && (loaded?.file ?? null) === file) return loaded;
  loaded = null;
  if (!file) return null;
  try {
    // Loaded with the first stamped copy: most starts stamp none.
    const fontkit = (await import("@pdf-lib/fontkit")).default;
    const bytes = fs.readFileSync(file);
    const opened = fontkit.create(bytes) as unknown as { fonts?: FontkitFont[] } & FontkitFont;
    const face = opened.fonts ? (FACES.map((n) => opened.fonts!.find((f) => f.postscriptName === n)).find(Boolean) ?? opened.fonts[0]) : opened;
    // One wrapper per process: fontkit caches what it parses (cmap, glyphs) on the object it is given.
    loaded = face ? { file, font: Object.create(face, { createSubset: { value: () => fixCffSubset(face.createSubset() as Subset) } }) as FontkitFont } : null;
  } catch (error) {
    console.warn(`[attachments] the CJK font ${file} cannot be read: ${(error as Error).message}`);
    loaded = null;
  }
  return loaded;
}

/**
 * A font engine for pdf-lib's registerFontkit that hands out the CJK face
 * (parsed once per process) with the subset corrections; null without a CJK font.
 * Embed with `pdf.embedFont(new Uint8Array(0), { subset: true })`: the bytes are not read again.
 */
export async function cjkFontkit(): Promise<{ create: () => FontkitFont; name: string } | null> {
  const hit = await loadFont();
  if (!hit) return null;
  return { create: () => hit.font, name: hit.font.postscriptName };
}

/** For /healthz and the admin page: is a CJK font there for stamped PDF copies? (Cheap: the font is not parsed.) */
export function cjkFontStatus(): { available: boolean; file: string | null } {
  const file = cjkFontFile();
  return { available: file !== null, file };
}
