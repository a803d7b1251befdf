// Shared set-up of the end-to-end tests: the built app (dist/) served on 127.0.0.1, a second
// origin (localhost) for the embedding page, headless Debian Chromium through playwright-core,
// and a log of every request each page makes.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/static-server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
export const SHOTS = path.join(ROOT, 'tests/e2e/screenshots');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Serves dist/ on 127.0.0.1 and a parent page for the embed on localhost (another origin). */
export async function servers() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/ is missing: run scripts/build-web.sh first');
  const app = await serve(DIST, 0, '127.0.0.1');
  const appUrl = `http://127.0.0.1:${app.address().port}/`;
  const parent = await serve(DIST, 0, 'localhost', {
    '/embed-host.html': () => `<!doctype html><html><head><meta charset="utf-8"><title>blog</title></head><body>
<h1>A blog post</h1><p>Before the frame.</p>
<iframe id="f" src="${appUrl}?embed=1&lang=en" title="gpuplan" scrolling="no" style="width:100%;height:300px;border:0" data-gpuplan-embed></iframe>
<p>After the frame.</p>
<script>window.heights=[];addEventListener("message",function(e){var d=e.data;if(!d||d.type!=="gpuplan:height")return;window.heights.push(d.height);document.querySelectorAll("iframe[data-gpuplan-embed]").forEach(function(f){if(f.contentWindow===e.source)f.style.height=d.height+"px"})});</script>
</body></html>`,
  });
  const parentUrl = `http://localhost:${parent.address().port}/embed-host.html`;
  return { appUrl, parentUrl, close: () => { app.close(); parent.close(); } };
}

/** Records every request URL of a browser context. */
export function recordRequests(context) {
  const urls = [];
  context.on('request', (r) => urls.push(r.url()));
  return urls;
}

/** Requests that left the allowed origins (data:/blob: are in-page). */
export function foreign(urls, allowedOrigins) {
  return urls.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    if (u.startsWith('file://')) return !allowedOrigins.includes('file://');
    try { return !allowedOrigins.includes(new URL(u).origin); } catch { return true; }
  });
}

export async function ready(page) {
  await page.waitForSelector('html[data-ready="1"]', { timeout: 20000 });
  await page.waitForSelector('[data-testid="total"]', { timeout: 20000 });
}

// A fresh context on `url` (uncaught page errors collected), ready, with the collapsible
// section `section` (a `data-testid` holding a <summary>) opened.
export async function openSection(browser, url, section, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await ready(page);
  await page.locator(`[data-testid="${section}"] summary`).click();
  return { context, page, errors };
}

export async function text(page, testid) {
  return (await page.locator(`[data-testid="${testid}"]`).first().textContent())?.trim();
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// ---- a small GGUF v3 header writer (llama.cpp layout), for the file-drop test

const GGML = { F32: 0, Q4_K: 12, Q6_K: 14 };
const BLOCK = { 0: [1, 4], 12: [256, 144], 14: [256, 210] };

/** Bytes of one tensor in its ggml type. */
export function tensorBytes(type, dims) {
  const [per, bytes] = BLOCK[type];
  const n = dims.reduce((a, b) => a * b, 1);
  return (n / per) * bytes;
}

export function gguf({ arch, meta, tensors }) {
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s) => { const b = Buffer.from(s, 'utf8'); u64(b.length); parts.push(b); };
  parts.push(Buffer.from('GGUF'));
  u32(3);
  u64(tensors.length);
  const kv = [['general.architecture', 'str', arch], ['general.file_type', 'u32', 15], ...meta];
  u64(kv.length);
  for (const [k, t, v] of kv) {
    str(k);
    if (t === 'str') { u32(8); str(v); } else { u32(4); u32(v); }
  }
  let offset = 0;
  for (const [name, type, dims] of tensors) {
    str(name); u32(dims.length); for (const d of dims) u64(d); u32(type); u64(offset);
    offset += Math.ceil(tensorBytes(type, dims) / 32) * 32;
  }
  let buf = Buffer.concat(parts);
  const pad = (32 - (buf.length % 32)) % 32;
  return Buffer.concat([buf, Buffer.alloc(pad)]);
}

/** A Llama-3.2-1B-shaped Q4_K_M header (16 layers, hidden 2048, GQA 32/8, vocab 128256). */
export function llamaLikeGguf() {
  const h = 2048, inter = 8192, vocab = 128256, L = 16, kv = 512;
  const meta = [
    ['llama.block_count', 'u32', L], ['llama.embedding_length', 'u32', h],
    ['llama.attention.head_count', 'u32', 32], ['llama.attention.head_count_kv', 'u32', 8],
    ['llama.feed_forward_length', 'u32', inter], ['llama.vocab_size', 'u32', vocab],
    ['llama.context_length', 'u32', 131072],
  ];
  const t = [['token_embd.weight', GGML.Q6_K, [h, vocab]], ['output_norm.weight', GGML.F32, [h]]];
  for (let i = 0; i < L; i++) {
    const more = i < L / 8 || i >= (7 * L) / 8 || (i - L / 8) % 3 === 2;
    t.push([`blk.${i}.attn_norm.weight`, GGML.F32, [h]], [`blk.${i}.ffn_norm.weight`, GGML.F32, [h]],
      [`blk.${i}.attn_q.weight`, GGML.Q4_K, [h, h]], [`blk.${i}.attn_k.weight`, GGML.Q4_K, [h, kv]],
      [`blk.${i}.attn_v.weight`, more ? GGML.Q6_K : GGML.Q4_K, [h, kv]], [`blk.${i}.attn_output.weight`, GGML.Q4_K, [h, h]],
      [`blk.${i}.ffn_gate.weight`, GGML.Q4_K, [h, inter]], [`blk.${i}.ffn_up.weight`, GGML.Q4_K, [h, inter]],
      [`blk.${i}.ffn_down.weight`, more ? GGML.Q6_K : GGML.Q4_K, [inter, h]]);
  }
  const bytes = t.reduce((a, [, ty, d]) => a + tensorBytes(ty, d), 0);
  return { buffer: gguf({ arch: 'llama', meta, tensors: t }), weightBytes: bytes };
}
