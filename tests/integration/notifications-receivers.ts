/**
 * Real receivers for the notification channels, started by the tests:
 *  - an SMTP server (the `smtp-server` package) that keeps every message and
 *    decodes its headers and text part;
 *  - a plain HTTP receiver for webhooks, answering as the test says;
 *  - an HTTPS server standing in for a browser vendor's push service (the
 *    real ones are not reachable from here), with a self-signed certificate
 *    the portal trusts through NODE_EXTRA_CA_CERTS, plus the browser side of
 *    Web Push encryption (RFC 8291) to decrypt what arrives;
 *  - helpers that drive the running portal's test hooks.
 */
import { createDecipheriv, createECDH, createHmac, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { freePort } from "../helpers/server";
import { scaled } from "../helpers/time";

// ---- SMTP ---------------------------------------------------------------------

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
  );
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  return out;
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? "7bit").toLowerCase();
  if (enc === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") {
    const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** Splits a message into headers and its text/plain and text/html parts (enough for what nodemailer writes). */
export function parseMail(raw: string): Pick<ReceivedMail, "headers" | "subject" | "text" | "html"> {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, "");
  let text = "";
  let html = "";
  const boundary = /boundary="?([^";]+)"?/i.exec(headers["content-type"] ?? "")?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw.slice(0, split) + "\n\n" + body];
  for (const part of parts) {
    const cut = part.search(/\r?\n\r?\n/);
    const h = parseHeaders(part.slice(0, cut).replace(/^\r?\n/, ""));
    const content = decodeBody(part.slice(cut).replace(/^\r?\n\r?\n/, ""), h["content-transfer-encoding"]);
    if ((h["content-type"] ?? "").startsWith("text/plain")) text = content;
    if ((h["content-type"] ?? "").startsWith("text/html")) html = content;
  }
  return { headers, subject: headers.subject ?? "", text, html };
}

export async function startSmtp(): Promise<{ url: string; port: number; mails: ReceivedMail[]; close: () => Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...parseMail(raw),
        });
        callback();
      });
    },
  });
  // A sender killed in the middle of a message (the fault tests) resets its connection: not a failure of the receiver.
  server.on("error", () => undefined);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `smtp://127.0.0.1:${port}`, port, mails, close: () => new Promise((r) => server.close(() => r())) };
}

// ---- HTTP receiver ----------------------------------------------------------------

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

/** An HTTP(S) server that records requests; `answer` picks each status (default 200). */
export async function startReceiver(
  options: { port?: number; answer?: (req: ReceivedRequest, index: number) => number; tls?: { key: Buffer; cert: Buffer }; body?: string } = {},
): Promise<{ url: string; port: number; requests: ReceivedRequest[]; close: () => Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: ReceivedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks), status: 200 };
      r.status = options.answer ? options.answer(r, requests.length) : 200;
      requests.push(r);
      res.statusCode = r.status;
      res.end(options.body ?? (r.status < 300 ? "ok" : "try later"));
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/** A self-signed certificate for 127.0.0.1 (made with openssl), and the file the portal is told to trust. */
export function selfSignedCert(): { key: Buffer; cert: Buffer; certFile: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-push-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "pipe" });
  return { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")), certFile: path.join(dir, "cert.pem"), dir };
}

// ---- The browser side of Web Push (RFC 8291 / RFC 8188) -------------------------------

/** What a browser creates when it subscribes: a P-256 key pair and a 16-byte auth secret. */
export function browserPushKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
  };
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Decrypts an aes128gcm Web Push body with the browser's keys. */
export function decryptPush(body: Buffer, browser: ReturnType<typeof browserPushKeys>): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const serverKey = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const shared = browser.ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), browser.ecdh.getPublicKey(), serverKey]);
  const ikm = hmac(hmac(browser.auth, shared), Buffer.concat([keyInfo, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01", "latin1")).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01", "latin1")).subarray(0, 12);
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("missing padding delimiter");
  return plain.subarray(0, end).toString("utf8");
}

// ---- Driving the running portal -------------------------------------------------------

export async function hook(baseUrl: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}/api/test-hooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`test hook: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Publishes through the portal's publisher (test hook standing in for the approval workflow). */
export async function publish(
  baseUrl: string,
  input: { change?: string; summary?: string; actor?: string; document?: Record<string, unknown> },
): Promise<{ number: string; version: number; ms: number }> {
  const res = await fetch(`${baseUrl}/api/test-hooks/publish`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(input) });
  const body = (await res.json()) as { number: string; version: number; ms: number; error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`publish hook: ${res.status} ${body.error?.code ?? ""} ${body.error?.message ?? ""}`);
  return body;
}

/** Emits a domain event inside the portal, as another domain would. */
export async function emitOnServer(baseUrl: string, event: string, payload: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}/api/test-hooks/publish`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ emit: { event, payload } }) });
  if (!res.ok) throw new Error(`emit hook: ${res.status}`);
}

export async function waitFor<T>(fn: () => T | Promise<T>, message: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 60));
  }
}
