#!/usr/bin/env node
/**
 * postinstall: fixes React 18.3's streaming server renderer, which writes its whole
 * 2048-byte buffer when a multi-byte character does not fit at the end of it. The
 * one or two unused bytes reach the page as NUL characters ("第 1 页\u0000，共 2 页"),
 * wherever a Chinese character happens to straddle a buffer boundary. The fix writes
 * only the bytes filled, as React 19 does. Idempotent; a React without the faulty
 * code is left alone.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(ROOT, "node_modules", "react-dom", "cjs");

const edits = [
  {
    file: "react-dom-server.node.production.min.js",
    from: "d<b.length&&(t(a,k),k=new Uint8Array(2048)",
    to: "d<b.length&&(t(a,k.subarray(0,l)),k=new Uint8Array(2048)",
  },
  {
    file: "react-dom-server.node.development.js",
    from: "if (read < stringChunk.length) {\n    writeToDestination(destination, currentView);",
    to: "if (read < stringChunk.length) {\n    writeToDestination(destination, currentView.subarray(0, writtenBytes));",
  },
];

/** Applies the fix; returns the files it changed. */
export function patchReactDom({ quiet = false } = {}) {
  const changed = [];
  for (const edit of edits) {
    const file = path.join(dir, edit.file);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    if (text.includes(edit.to)) continue;
    if (!text.includes(edit.from)) {
      if (!quiet) console.warn(`[patch-react-dom] ${edit.file}: the expected code is not there; left unchanged`);
      continue;
    }
    fs.writeFileSync(file, text.replace(edit.from, edit.to));
    changed.push(edit.file);
  }
  if (!quiet) console.log(`[patch-react-dom] streaming renderer: ${changed.length ? `fixed (${changed.join(", ")})` : "already fixed"}`);
  return changed;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) patchReactDom();
