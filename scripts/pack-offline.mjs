// Post-build step (after `trunk build --release`): in dist/
//  * minify the wasm-bindgen glue with terser (npm, tests/e2e/node_modules; Trunk's own JS
//    minifier fails on the glue's `export default`) and update its SRI hash in index.html;
//  * minify the stylesheet (comments and insignificant whitespace) and update its SRI hash;
// and write
//  * gpuplan-offline.html — one self-contained file: CSS and the wasm-bindgen glue inline, the
//    wasm gzip'd + base64 and inflated in the page with DecompressionStream. It works when opened
//    from file:// (a normal Trunk build is a blank page there: Chromium blocks module and wasm
//    fetches from file://);
//  * sw.js — the hosted page's service worker: precaches the page's files of this build under a
//    cache named after their content hash (the worker's, loaded on first use, are kept when first
//    fetched), network-first for pages, cache-first for assets;
//  * the worker (gpuplan-worker*.js/wasm: file reading and the planner): glue minified, and a
//    loader that passes the wasm path as an object; in the single file, a blob: worker;
//  * a Content-Security-Policy <meta> in index.html and in the single file (see `withCsp`).
// Usage: node scripts/pack-offline.mjs dist
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';

const dist = path.resolve(process.argv[2] || 'dist');
const files = fs.readdirSync(dist);
const pick = (re) => {
  const f = files.filter((n) => re.test(n));
  if (f.length !== 1) throw new Error(`expected one ${re} in ${dist}, found ${f.join(', ') || 'none'}`);
  return f[0];
};
const jsName = pick(/^gpuplan-web-.*\.js$/);
const wasmName = pick(/^gpuplan-web-.*_bg\.wasm$/);
const cssNames = files.filter((n) => n.endsWith('.css'));
let html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');

// terser (npm, tests/e2e/node_modules) minifies both glues.
const { minify } = await import(new URL('../tests/e2e/node_modules/terser/main.js', import.meta.url));

// The single file below inlines the glue as wasm-bindgen wrote it (it calls `__wbg_init` by name).
let glue = fs.readFileSync(path.join(dist, jsName), 'utf8');

// 00. Leptos depends on server_fn with its `browser` feature, which brings wasm-streams and its
// #[wasm_bindgen] classes (IntoUnderlyingSource/Sink/ByteSource): their exports keep their code
// and the futures machinery under them in both wasm files, though neither the page nor its
// worker streams anything. Their exports are taken out and wasm-opt (Trunk's `-Oz --converge`)
// drops what only they reached (≈ 1.2 KB of the page's gzip'd transfer); the page's glue loses
// the classes and the imports the wasm no longer has (step 0, `leanGlue`). The page's wasm gets
// a new integrity hash.
{
  const { execFileSync } = await import('node:child_process');
  const sri = (b) => `sha384-${crypto.createHash('sha384').update(b).digest('base64')}`;
  for (const name of [wasmName, 'gpuplan-worker_bg.wasm']) {
    const file = path.join(dist, name);
    if (!fs.existsSync(file)) continue;
    const before = fs.readFileSync(file);
    const { bytes, removed } = withoutExports(before, /^(__wbg_)?intounderlying/);
    if (removed.length === 0) continue;
    fs.writeFileSync(file, bytes);
    execFileSync('wasm-opt', [file, '-Oz', '--converge', '-o', file], { stdio: 'inherit' });
    const after = fs.readFileSync(file);
    if (name === wasmName) {
      if (!html.includes(sri(before))) throw new Error(`index.html has no integrity for ${name}`);
      html = html.replace(sri(before), sri(after));
      fs.writeFileSync(path.join(dist, 'index.html'), html);
    }
    console.log(`pack-offline: ${name} without ${removed.length} wasm-streams exports: ${before.length} → ${after.length} B`);
  }
}

/** The names of the functions the wasm `buf` imports. */
function importsOf(buf) {
  const leb = (b, i) => { let r = 0, sh = 0, x; do { x = b[i++]; r |= (x & 0x7f) << sh; sh += 7; } while (x & 0x80); return [r >>> 0, i]; };
  const names = new Set();
  let i = 8;
  while (i < buf.length) {
    const id = buf[i];
    const [size, start] = leb(buf, i + 1);
    if (id === 2) {
      let [n, k] = leb(buf, start);
      for (let e = 0; e < n; e++) {
        let len;
        [len, k] = leb(buf, k); k += len; // module
        [len, k] = leb(buf, k);
        const name = buf.subarray(k, k + len).toString('utf8');
        k += len;
        const kind = buf[k++];
        if (kind === 0) { [, k] = leb(buf, k); names.add(name); }
        else if (kind === 1) { k++; const [flags, k2] = leb(buf, k); [, k] = leb(buf, k2); if (flags & 1) [, k] = leb(buf, k); }
        else if (kind === 2) { const [flags, k2] = leb(buf, k); [, k] = leb(buf, k2); if (flags & 1) [, k] = leb(buf, k); }
        else if (kind === 3) { k += 2; }
        else return null;
      }
      return names;
    }
    i = start + size;
  }
  return names;
}

/** The page's glue without what step 00 left unused: wasm-streams' classes and their
 * finalizers, and the import functions the wasm no longer imports. Any doubt (an unexpected
 * layout, a name still referenced): the glue as it is. */
function leanGlue(src, imported) {
  if (!imported) return src;
  let out = src
    .replace(/^export class IntoUnderlying\w+ \{\n[\s\S]*?^\}\n(?:if \(Symbol\.dispose\) IntoUnderlying\w+\.prototype\[Symbol\.dispose\] = IntoUnderlying\w+\.prototype\.free;\n)?/gm, '')
    .replace(/^const IntoUnderlying\w+Finalization = [^;]*;\n/gm, '');
  out = out.replace(/^ {8}(__wbg\w+|__wbindgen\w+): function[\s\S]*?\n {8}\}(?:, arguments\); \})?,\n/gm, (m, name) => (imported.has(name) ? m : ''));
  if (/IntoUnderlying/.test(out)) return src;
  for (const name of imported) if (!out.includes(`${name}:`)) return src;
  return out;
}

/** The wasm `buf` without the exports whose names match `re` (the export section rewritten). */
function withoutExports(buf, re) {
  const leb = (b, i) => { let r = 0, sh = 0, x; do { x = b[i++]; r |= (x & 0x7f) << sh; sh += 7; } while (x & 0x80); return [r >>> 0, i]; };
  const enc = (n) => { const o = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; o.push(x); } while (n); return Buffer.from(o); };
  const parts = [buf.subarray(0, 8)];
  const removed = [];
  let i = 8;
  while (i < buf.length) {
    const id = buf[i];
    const [size, start] = leb(buf, i + 1);
    const end = start + size;
    if (id === 7) {
      let [n, k] = leb(buf, start);
      const keep = [];
      for (let e = 0; e < n; e++) {
        const from = k;
        const [len, at] = leb(buf, k);
        const name = buf.subarray(at, at + len).toString('utf8');
        [, k] = leb(buf, at + len + 1);
        if (re.test(name)) removed.push(name); else keep.push(buf.subarray(from, k));
      }
      const body = Buffer.concat([enc(keep.length), ...keep]);
      parts.push(Buffer.from([7]), enc(body.length), body);
    } else {
      parts.push(buf.subarray(i, end));
    }
    i = end;
  }
  return { bytes: Buffer.concat(parts), removed };
}

// 0. Minify the glue (module mode: top-level names are kept exported), new integrity hash.
{
  const file = path.join(dist, jsName);
  const src = fs.readFileSync(file, 'utf8');
  const out = await minify(leanGlue(src, importsOf(fs.readFileSync(path.join(dist, wasmName)))), { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  if (!out.code || !/export ?\{[^}]*as default/.test(out.code)) throw new Error('terser gave no module with a default export');
  fs.writeFileSync(file, out.code);
  const sri = (b) => `sha384-${crypto.createHash('sha384').update(b).digest('base64')}`;
  const before = sri(Buffer.from(src));
  if (!html.includes(before)) throw new Error(`index.html has no integrity ${before} for ${jsName}`);
  html = html.replace(before, sri(Buffer.from(out.code)));
  fs.writeFileSync(path.join(dist, 'index.html'), html);
  console.log(`pack-offline: ${jsName} ${src.length} → ${out.code.length} B minified`);
}

// 0a. Minify the stylesheet (comments and the whitespace CSS does not read), new integrity
// hash. Only whitespace that cannot be a descendant combinator goes: around `{ } ; , >` and
// after a `:` (a selector's `:` is never followed by a space).
for (const css of cssNames) {
  const file = path.join(dist, css);
  const src = fs.readFileSync(file, 'utf8');
  const out = src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim();
  if ((out.match(/{/g) || []).length !== (src.replace(/\/\*[\s\S]*?\*\//g, '').match(/{/g) || []).length) throw new Error(`minifying ${css} lost a rule`);
  fs.writeFileSync(file, out);
  const sri = (b) => `sha384-${crypto.createHash('sha384').update(b).digest('base64')}`;
  const before = sri(Buffer.from(src));
  if (!html.includes(before)) throw new Error(`index.html has no integrity ${before} for ${css}`);
  html = html.replace(before, sri(Buffer.from(out)));
  fs.writeFileSync(path.join(dist, 'index.html'), html);
  console.log(`pack-offline: ${css} ${src.length} → ${out.length} B minified`);
}

// 0b. The worker (file reading and the planner, loaded on first use): its glue minified in
// script mode, and a loader that passes the wasm's path the way wasm-bindgen asks for (Trunk's
// shim passes it positionally, which wasm-bindgen warns about in the console).
const workerGlueName = 'gpuplan-worker.js';
const workerWasmName = 'gpuplan-worker_bg.wasm';
const workerLoaderName = 'gpuplan-worker_loader.js';
for (const n of [workerGlueName, workerWasmName, workerLoaderName]) {
  if (!files.includes(n)) throw new Error(`the worker's ${n} is missing from ${dist}`);
}
let workerGlue;
{
  const src = fs.readFileSync(path.join(dist, workerGlueName), 'utf8');
  const out = await minify(src, { compress: { passes: 2 }, mangle: { reserved: ['wasm_bindgen'] }, format: { comments: false } });
  if (!out.code || !out.code.includes('wasm_bindgen')) throw new Error('terser lost the worker glue');
  workerGlue = out.code;
  fs.writeFileSync(path.join(dist, workerGlueName), workerGlue);
  // A wasm that fails to load or instantiate says so (an error inside a promise would not reach
  // the page's onerror): the page then shows why the planner and file reading are unavailable.
  fs.writeFileSync(path.join(dist, workerLoaderName), `importScripts("./${workerGlueName}");wasm_bindgen({module_or_path:"./${workerWasmName}"}).catch(()=>postMessage({op:"error"}));\n`);
  console.log(`pack-offline: ${workerGlueName} ${src.length} → ${workerGlue.length} B minified`);
}

// The page's Content-Security-Policy: its own files ('self'), the inline scripts and styles it
// ships by their SHA-256, WebAssembly compilation ('wasm-unsafe-eval': WebAssembly.instantiate
// needs it, 'self' does not cover it), the single file's blob: worker, data:/blob: images (the
// favicon, the PNG export), and connections to its own origin (and the Hub: `hub`). Style attributes stay
// allowed (style-src-attr): the memory bar's segment widths are `style="width:…%"`. The policy
// goes right after <meta charset>, before any script.
// The Hub, reached only when the person presses Fetch, by the worker: huggingface.co, the CDNs
// its resolve/ URLs redirect to (cas-bridge.xethub.hf.co, cdn-lfs*.hf.co), and ModelScope (its
// API on www.modelscope.cn, its CDN cdn-lfs-cn-1.modelscope.cn). Only the single file's policy
// needs them: its blob: worker runs under the page's policy, while the hosted page's worker,
// loaded from its own URL, runs under its own response's (none from a static host).
const HUB_HOSTS = ' https://huggingface.co https://*.hf.co https://*.modelscope.cn';

function withCsp(doc, hub = false) {
  const sha = (text) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const scripts = [...doc.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    .filter((m) => !/\bsrc=/.test(m[1]) && !/type="text\/plain"/.test(m[1]) && m[2].length > 0)
    .map((m) => sha(m[2]));
  const styles = [...doc.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/g)].map((m) => sha(m[1]));
  const policy = [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval' ${scripts.join(' ')}`.trim(),
    `style-src 'self' ${styles.join(' ')}`.trim(),
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${hub ? HUB_HOSTS : ''}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
  if (doc.includes('http-equiv="Content-Security-Policy"')) throw new Error('the page already has a CSP');
  const at = doc.search(/<meta charset="utf-8"\s*\/?>/i);
  if (at < 0) throw new Error('no <meta charset> to put the CSP after');
  const end = doc.indexOf('>', at) + 1;
  return `${doc.slice(0, end)}\n<meta http-equiv="Content-Security-Policy" content="${policy}"/>${doc.slice(end)}`;
}

// 1. The single file.
let single = html
  .replace(/<link[^>]*rel="(?:modulepreload|preload)"[^>]*>\s*/g, '')
  .replace(/<script type="module"[^>]*>[\s\S]*?<\/script>\s*/g, '');
for (const css of cssNames) {
  const re = new RegExp(`<link[^>]*href="[^"]*${css.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>`);
  const text = fs.readFileSync(path.join(dist, css), 'utf8');
  single = single.replace(re, () => `<style>\n${text}\n</style>`);
}
if (/<link[^>]*stylesheet/.test(single) || /src="\.\//.test(single)) {
  throw new Error('a stylesheet or script link is left in the single file');
}
const exportLine = /^export \{[^}]*\};?\s*$/m;
if (!exportLine.test(glue)) throw new Error('wasm-bindgen glue has no final export line');
glue = glue.replace(exportLine, '');
if (/\bimport\b[^;]*\bfrom\b/.test(glue)) throw new Error('the glue imports another module');
const wasm = fs.readFileSync(path.join(dist, wasmName));
const b64 = zlib.gzipSync(wasm, { level: 9 }).toString('base64');
// The worker of the single file: its glue and its wasm (gzip + base64) in one blob: script, its
// URL left for the page in window.__gpuplanWorker.
const workerB64 = zlib.gzipSync(fs.readFileSync(path.join(dist, workerWasmName)), { level: 9 }).toString('base64');
const workerSrc = `${workerGlue}
(async () => {
  const gz = Uint8Array.from(atob("${workerB64}"), (c) => c.charCodeAt(0));
  const bytes = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  await wasm_bindgen({ module_or_path: bytes });
})().catch(() => postMessage({ op: "error" }));`;
const workerTag = `<script type="text/plain" id="gpuplan-worker-src">${workerSrc.replace(/<\/script/gi, '<\\/script')}</script>
<script>window.__gpuplanWorker = URL.createObjectURL(new Blob([document.getElementById("gpuplan-worker-src").textContent], { type: "text/javascript" }));</script>
`;
const loader = `<script type="module">
${glue.replace(/<\/script/gi, '<\\/script')}
const gz = Uint8Array.from(atob("${b64}"), (c) => c.charCodeAt(0));
const bytes = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
await __wbg_init({ module_or_path: bytes });
</script>
`;
single = withCsp(single.replace('</body>', () => `${workerTag}${loader}</body>`), true);
fs.writeFileSync(path.join(dist, 'gpuplan-offline.html'), single);
html = withCsp(html);
fs.writeFileSync(path.join(dist, 'index.html'), html);

// 2. The service worker.
// The worker's files are not precached: they are what the page loads only on first use, so a
// first visit downloads the page and nothing more. The service worker keeps them once fetched.
const onDemand = [workerGlueName, workerWasmName, workerLoaderName];
const cached = ['./', ...files.filter((n) => n !== 'sw.js' && n !== 'gpuplan-offline.html' && n !== 'index.html' && !onDemand.includes(n)).map((n) => `./${n}`)];
const hash = crypto.createHash('sha256');
for (const n of files.filter((n) => n !== 'sw.js').sort()) hash.update(n).update(fs.readFileSync(path.join(dist, n)));
const cacheName = `gpuplan-${hash.digest('hex').slice(0, 16)}`;
const sw = `// Generated by scripts/pack-offline.mjs: the files of this build, cached under their hash.
const CACHE = ${JSON.stringify(cacheName)};
const FILES = ${JSON.stringify(cached)};
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k.startsWith("gpuplan-") && k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    // Pages: the network when there is one (a new deploy shows at once), else the cache.
    e.respondWith(fetch(req).catch(() => caches.open(CACHE).then((c) => c.match(req, { ignoreSearch: true }).then((r) => r || c.match("./")))));
    return;
  }
  // Assets: the cache first (hashed names never change; the worker's files belong to this
  // build's cache). What is fetched here is kept, so the worker works offline once used.
  e.respondWith(caches.match(req).then((r) => r || fetch(req).then((resp) => {
    if (resp.ok) { const copy = resp.clone(); caches.open(CACHE).then((c) => c.put(req, copy)); }
    return resp;
  })));
});
`;
// Minified as the glues are (the page loads it on every visit: its comments and spaces are
// a few hundred gzip'd bytes).
const swMin = (await minify(sw, { compress: { passes: 2 }, mangle: true, format: { comments: false } })).code;
if (!swMin || !swMin.includes(cacheName)) throw new Error('terser lost the service worker');
fs.writeFileSync(path.join(dist, 'sw.js'), swMin);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`pack-offline: ${wasmName} ${kb(wasm.length)} → gpuplan-offline.html ${kb(single.length)} (gzip ${kb(zlib.gzipSync(single).length)}); sw.js caches ${cached.length} files as ${cacheName}`);
