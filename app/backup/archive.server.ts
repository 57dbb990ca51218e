/**
 * A backup is one gzip-compressed tar file (POSIX ustar, with PAX headers for
 * long or non-ASCII names) so it can be inspected with `tar -tzf` on any
 * machine. This module writes and reads such archives as streams, so members
 * of any size (a large git bundle, a long audit log) never sit in memory.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable, Writable } from "node:stream";
import zlib from "node:zlib";

const BLOCK = 512;

export interface ArchiveMember {
  /** Path inside the archive, with forward slashes. */
  name: string;
  /** A file on disk to copy in, or the member's bytes. */
  file?: string;
  data?: Buffer;
  mtime?: Date;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, size: number, mtime: Date, type: "0" | "x"): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, "utf8");
  h.write(octal(0o644, 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii");
  h.write(octal(0, 8), 116, 8, "ascii");
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii");
  h.write(type, 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write("regula", 265, 32, "ascii");
  h.write("regula", 297, 32, "ascii");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

/** A PAX record "<len> key=value\n" where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest, 0);
}

function needsPax(name: string): boolean {
  return Buffer.byteLength(name) > 99 || /[^\x20-\x7e]/.test(name);
}

async function* tarStream(members: ArchiveMember[]): AsyncGenerator<Buffer> {
  for (const m of members) {
    const mtime = m.mtime ?? new Date();
    const size = m.data ? m.data.length : (await fs.promises.stat(m.file!)).size;
    if (needsPax(m.name)) {
      const pax = Buffer.from(paxRecord("path", m.name), "utf8");
      yield header(`PaxHeaders/${m.name.replace(/[^\x20-\x7e]/g, "_").slice(-80)}`, pax.length, mtime, "x");
      yield pax;
      yield padding(pax.length);
    }
    yield header(needsPax(m.name) ? m.name.replace(/[^\x20-\x7e]/g, "_").slice(-99) : m.name, size, mtime, "0");
    if (m.data) {
      yield m.data;
    } else {
      // Copy exactly `size` bytes (the file is a private staging copy, so it does not grow).
      let copied = 0;
      for await (const chunk of fs.createReadStream(m.file!)) {
        const buf = chunk as Buffer;
        copied += buf.length;
        yield buf;
      }
      if (copied !== size) throw new Error(`${m.name} changed size while being archived`);
    }
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2, 0);
}

/** Writes members into a new .tar.gz file (fails if the file exists). */
export async function writeArchive(outFile: string, members: ArchiveMember[]): Promise<void> {
  const out = fs.createWriteStream(outFile, { flags: "wx", mode: 0o600 });
  await pipeline(Readable.from(tarStream(members)), zlib.createGzip({ level: 6 }), out);
  // Make sure the bytes are on disk before the backup is called good.
  const fh = await fs.promises.open(outFile, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface MemberSink {
  /** Called per member; return a writable to receive its bytes, or null to only hash it. */
  open(name: string, size: number): Writable | null | Promise<Writable | null>;
}

export interface ReadMember {
  name: string;
  size: number;
  sha256: string;
}

class ArchiveFormatError extends Error {}

function parseOctal(buf: Buffer, start: number, len: number): number {
  const text = buf.subarray(start, start + len).toString("ascii").replace(/\0.*$/s, "").trim();
  if (!text) return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArchiveFormatError("corrupt tar header");
  return parseInt(text, 8);
}

function verifyChecksum(h: Buffer) {
  const stored = parseOctal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  if (sum !== stored) throw new ArchiveFormatError("tar header checksum mismatch");
}

function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number(buf.subarray(pos, space).toString("ascii"));
    if (!Number.isInteger(len) || len <= 0 || pos + len > buf.length) throw new ArchiveFormatError("corrupt PAX header");
    const record = buf.subarray(space + 1, pos + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/**
 * Reads a .tar.gz file member by member, hashing each one and handing its
 * bytes to the sink. Throws on a truncated or corrupt archive.
 */
export async function readArchive(file: string, sink: MemberSink = { open: () => null }): Promise<ReadMember[]> {
  const members: ReadMember[] = [];
  let buffer: Buffer = Buffer.alloc(0);
  let state: "header" | "body" | "pax" | "padding" | "end" = "header";
  let remaining = 0;
  let pad = 0;
  let current: { name: string; size: number; hash: ReturnType<typeof createHash>; out: Writable | null } | null = null;
  let paxName: string | null = null;
  let paxBuf: Buffer[] = [];
  let sawEnd = false;

  const write = (out: Writable, chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      out.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
  const finish = (out: Writable) =>
    new Promise<void>((resolve, reject) => {
      out.once("error", reject);
      out.end(() => resolve());
    });

  const gunzip = zlib.createGunzip();
  const source = fs.createReadStream(file).pipe(gunzip);
  for await (const chunk of source) {
    buffer = buffer.length ? Buffer.concat([buffer, chunk as Buffer]) : (chunk as Buffer);
    for (;;) {
      if (state === "end") {
        buffer = Buffer.alloc(0);
        break;
      }
      if (state === "header") {
        if (buffer.length < BLOCK) break;
        const h = buffer.subarray(0, BLOCK);
        buffer = buffer.subarray(BLOCK);
        if (h.every((b) => b === 0)) {
          sawEnd = true;
          state = "end";
          continue;
        }
        verifyChecksum(h);
        const type = String.fromCharCode(h[156] || 48);
        const size = parseOctal(h, 124, 12);
        const rawName = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
        const prefix = h.subarray(345, 500).toString("utf8").replace(/\0.*$/s, "");
        const name = paxName ?? (prefix ? `${prefix}/${rawName}` : rawName);
        pad = size % BLOCK === 0 ? 0 : BLOCK - (size % BLOCK);
        remaining = size;
        if (type === "x" || type === "g") {
          paxBuf = [];
          state = "pax";
          current = null;
          if (type === "g") paxName = null;
          continue;
        }
        paxName = null;
        if (type !== "0" && type !== "\0") throw new ArchiveFormatError(`unexpected tar entry type ${JSON.stringify(type)} for ${name}`);
        current = { name, size, hash: createHash("sha256"), out: await sink.open(name, size) };
        state = "body";
        if (remaining === 0) {
          if (current.out) await finish(current.out);
          members.push({ name, size, sha256: current.hash.digest("hex") });
          current = null;
          state = "padding";
        }
        continue;
      }
      if (state === "body" || state === "pax") {
        if (!buffer.length) break;
        const take = Math.min(remaining, buffer.length);
        const part = buffer.subarray(0, take);
        buffer = buffer.subarray(take);
        remaining -= take;
        if (state === "pax") paxBuf.push(Buffer.from(part));
        else {
          current!.hash.update(part);
          if (current!.out) await write(current!.out, Buffer.from(part));
        }
        if (remaining === 0) {
          if (state === "pax") {
            const pax = parsePax(Buffer.concat(paxBuf));
            paxName = pax.path ?? null;
          } else {
            if (current!.out) await finish(current!.out);
            members.push({ name: current!.name, size: current!.size, sha256: current!.hash.digest("hex") });
            current = null;
          }
          state = "padding";
        }
        continue;
      }
      if (state === "padding") {
        const take = Math.min(pad, buffer.length);
        buffer = buffer.subarray(take);
        pad -= take;
        if (pad > 0) break;
        state = "header";
        continue;
      }
    }
  }
  if (!sawEnd || current) throw new ArchiveFormatError("the archive is truncated");
  return members;
}

/**
 * Reads the first member only (the manifest is written first), without
 * decompressing the rest of a possibly large archive.
 */
export async function readFirstMember(file: string, maxBytes = 16 * 1024 * 1024): Promise<{ name: string; text: string } | null> {
  const gunzip = zlib.createGunzip();
  const stream = fs.createReadStream(file);
  let buffer: Buffer = Buffer.alloc(0);
  let paxName: string | null = null;
  try {
    for await (const chunk of stream.pipe(gunzip)) {
      buffer = Buffer.concat([buffer, chunk as Buffer]);
      for (;;) {
        if (buffer.length < BLOCK) break;
        const h = buffer.subarray(0, BLOCK);
        if (h.every((b) => b === 0)) return null;
        verifyChecksum(h);
        const size = parseOctal(h, 124, 12);
        const type = String.fromCharCode(h[156] || 48);
        if (size > maxBytes) return null;
        const total = BLOCK + size + (size % BLOCK === 0 ? 0 : BLOCK - (size % BLOCK));
        if (buffer.length < BLOCK + size) break;
        const body = buffer.subarray(BLOCK, BLOCK + size);
        if (type === "x") {
          paxName = parsePax(body).path ?? null;
          if (buffer.length < total) break;
          buffer = buffer.subarray(total);
          continue;
        }
        const name = paxName ?? h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
        return { name, text: body.toString("utf8") };
      }
    }
  } catch {
    return null;
  } finally {
    stream.destroy();
    gunzip.destroy();
  }
  return null;
}
