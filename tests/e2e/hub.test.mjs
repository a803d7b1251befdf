// A model by its Hub id or link (issue 15): the page's worker fetches config.json and the
// safetensors index, or a GGUF's header by Range, from a stand-in for the Hub on 127.0.0.1 (the
// Hub's layout /OWNER/NAME/resolve/REV/FILE, HEAD and Range, CORS headers as the Hub sends them),
// reached through the page's `hub` link parameter (loopback addresses only). Every request of the
// browser and of the stand-in is recorded: nothing is fetched until the person presses Fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { launch, servers, recordRequests, foreign, ready, text, shot, ROOT } from './helpers.mjs';

const FIX = path.join(ROOT, 'tests/fixtures/hub');
const SHOTS = process.env.GPUPLAN_HUB_SHOTS || '/work/shots/hub';

/** A GGUF v3 header of a small qwen2 model whose token list makes it ~6.6 MB (more than the
 * first 4 MiB read), followed by 40 MiB of "tensor data" that must never be requested. */
function bigGguf() {
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s) => { const b = Buffer.from(s, 'utf8'); u64(b.length); parts.push(b); };
  const n = 300000, h = 256, inter = 512, Q4_K = 12, Q6_K = 14;
  const meta = [['general.architecture', 'qwen2'], ['general.file_type', 15], ['qwen2.block_count', 2],
    ['qwen2.embedding_length', h], ['qwen2.attention.head_count', 4], ['qwen2.attention.head_count_kv', 2],
    ['qwen2.feed_forward_length', inter], ['qwen2.context_length', 4096]];
  const tensors = [['token_embd.weight', Q4_K, [h, n]], ['output.weight', Q6_K, [h, n]]];
  for (let l = 0; l < 2; l++) {
    for (const [t, d] of [['attn_q', [h, h]], ['attn_k', [h, 128]], ['attn_v', [h, 128]], ['attn_output', [h, h]], ['ffn_gate', [h, inter]], ['ffn_up', [h, inter]], ['ffn_down', [inter, h]]]) {
      tensors.push([`blk.${l}.${t}.weight`, Q4_K, d]);
    }
  }
  parts.push(Buffer.from('GGUF')); u32(3); u64(tensors.length); u64(meta.length + 1);
  for (const [k, v] of meta) { str(k); if (typeof v === 'string') { u32(8); str(v); } else { u32(4); u32(v); } }
  str('tokenizer.ggml.tokens'); u32(9); u32(8); u64(n);
  for (let i = 0; i < n; i++) str(`token${String(i).padStart(12, '0')}`);
  let off = 0;
  for (const [name, type, dims] of tensors) {
    str(name); u32(dims.length); for (const d of dims) u64(d); u32(type); u64(off);
    const [per, bytes] = type === Q4_K ? [256, 144] : [256, 210];
    off += Math.ceil((dims[0] * dims[1] / per) * bytes / 32) * 32;
  }
  const header = Buffer.concat(parts);
  const padded = header.length + ((32 - (header.length % 32)) % 32);
  return { file: Buffer.concat([header, Buffer.alloc(padded - header.length + (40 << 20), 0x5a)]), headerLen: header.length };
}

/** The stand-in Hub: files by path, `Gated/*` answers 401 GatedRepo, other repos 404. */
function standIn(files) {
  const log = [];
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Content-Range, Accept-Ranges, X-Linked-Size, X-Error-Code, X-Error-Message, X-Repo-Commit',
  };
  const server = http.createServer((req, res) => {
    log.push({ method: req.method, path: req.url, range: req.headers.range ?? null });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Headers': 'Range, Authorization', 'Access-Control-Allow-Methods': 'GET, HEAD' });
      return res.end();
    }
    const repo = req.url.split('/').slice(1, 3).join('/');
    const send = (status, headers, body) => {
      res.writeHead(status, { ...cors, 'Accept-Ranges': 'bytes', 'Content-Length': body.length, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (repo.startsWith('Gated/')) {
      return send(401, { 'X-Error-Code': 'GatedRepo', 'Content-Type': 'application/json' },
        Buffer.from(JSON.stringify({ error: `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.` })));
    }
    const data = files[req.url];
    if (!data) {
      const known = Object.keys(files).some((k) => k.startsWith(`/${repo}/`));
      return send(404, { 'X-Error-Code': known ? 'EntryNotFound' : 'RepoNotFound' }, Buffer.from(known ? 'Entry not found' : '{"error":"Repository not found"}'));
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m) {
      const a = Number(m[1]), b = Math.min(Number(m[2]), data.length - 1);
      return send(206, { 'Content-Range': `bytes ${a}-${b}/${data.length}`, 'X-Linked-Size': data.length }, data.subarray(a, b + 1));
    }
    send(200, { 'X-Linked-Size': data.length }, data);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, log, close: () => server.close() })));
}

let browser, srv, hub, gguf;
before(async () => {
  browser = await launch();
  srv = await servers();
  gguf = bigGguf();
  const q = (f) => fs.readFileSync(path.join(FIX, 'Qwen/Qwen2.5-14B', f));
  hub = await standIn({
    '/Qwen/Qwen2.5-14B/resolve/main/config.json': q('config.json'),
    '/Qwen/Qwen2.5-14B/resolve/main/model.safetensors.index.json': q('model.safetensors.index.json'),
    '/Org/Small-GGUF/resolve/main/small-Q4_K_M.gguf': gguf.file,
  });
  fs.mkdirSync(SHOTS, { recursive: true });
});
after(async () => { await browser?.close(); srv?.close(); hub?.close(); });

async function open() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const urls = recordRequests(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${srv.appUrl}?hub=${encodeURIComponent(hub.url)}`);
  await ready(page);
  await page.click('[data-testid="tab-file"]');
  return { context, page, urls, errors };
}

async function fetchModel(page, ref) {
  await page.fill('#hub', ref);
  await page.click('.hub button');
}

const status = (page) => text(page, 'file-status');
const hubRequests = () => hub.log.filter((r) => r.method !== 'OPTIONS');

test('Hub: typing Qwen/Qwen2.5-14B and pressing Fetch fills the model (14,770,033,664 parameters); nothing before', async () => {
  hub.log.length = 0;
  const { context, page, urls, errors } = await open();
  await page.fill('#hub', 'Qwen/Qwen2.5-14B');
  await page.waitForTimeout(300);
  assert.deepEqual(hub.log, [], 'typing fetches nothing');
  assert.deepEqual(foreign(urls, [new URL(srv.appUrl).origin]), [], 'no request left the page before Fetch');
  await page.click('.hub button');
  await page.waitForFunction(() => document.querySelector('[data-testid="model-summary"]')?.textContent.includes('Qwen/Qwen2.5-14B'), null, { timeout: 20000 });
  const summary = page.locator('[data-testid="model-summary"]');
  assert.equal(Number(await summary.getAttribute('data-weight-bytes')), 29540067328, 'metadata.total_size of the index');
  assert.match(await text(page, 'params'), /14\.8 B/);
  assert.match(await status(page), /Read from .*Qwen\/Qwen2\.5-14B@main: config\.json, model\.safetensors\.index\.json/);
  await page.screenshot({ path: path.join(SHOTS, 'hub-qwen2.5-14b.png') });
  await shot(page, 'hub-qwen2.5-14b');
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), page.click('[data-testid="export-json"]')]);
  const v = JSON.parse(fs.readFileSync(await dl.path()).toString());
  assert.equal(v.estimate.params, 14770033664, 'the Hub\'s 14.77 B, exactly');
  assert.deepEqual(hubRequests().map((r) => `${r.method} ${r.path} ${r.range}`), [
    'GET /Qwen/Qwen2.5-14B/resolve/main/config.json null',
    'GET /Qwen/Qwen2.5-14B/resolve/main/model.safetensors.index.json null',
  ]);
  assert.deepEqual(foreign(urls, [new URL(srv.appUrl).origin, hub.url]), [], 'only the page and the Hub');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Hub: a GGUF link reads only the header, by Range', async () => {
  hub.log.length = 0;
  const { context, page, errors } = await open();
  await fetchModel(page, 'https://huggingface.co/Org/Small-GGUF/blob/main/small-Q4_K_M.gguf');
  await page.waitForFunction(() => document.querySelector('[data-testid="model-summary"]')?.textContent.includes('.gguf'), null, { timeout: 30000 });
  assert.equal(await page.inputValue('[data-testid="weights"]'), 'q4_k_m');
  const reqs = hubRequests();
  assert.deepEqual([reqs[0].method, reqs[0].range], ['HEAD', null], 'the size first');
  assert.equal(reqs[1].range, 'bytes=0-4194303', '4 MiB first');
  let next = 0;
  for (const r of reqs.slice(1)) {
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/Org/Small-GGUF/resolve/main/small-Q4_K_M.gguf');
    const [a, b] = /^bytes=(\d+)-(\d+)$/.exec(r.range).slice(1).map(Number);
    assert.equal(a, next, `contiguous ranges, nothing read twice: ${JSON.stringify(reqs)}`);
    next = b + 1;
  }
  assert.ok(reqs.length >= 3, 'the 6.6 MB header needed a second range');
  assert.ok(next >= gguf.headerLen && next <= 2 * gguf.headerLen, `read ${next} B for a ${gguf.headerLen} B header of a ${gguf.file.length} B file`);
  console.log(`GGUF: ${reqs.map((r) => `${r.method} ${r.range ?? ''}`).join(', ')}; ${next} B read of ${gguf.file.length} B (header ${gguf.headerLen} B); preflights: ${hub.log.filter((r) => r.method === 'OPTIONS').length}`);
  await page.screenshot({ path: path.join(SHOTS, 'hub-gguf.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('Hub: gated, missing and offline say what to do instead', async () => {
  hub.log.length = 0;
  const { context, page, errors } = await open();
  await fetchModel(page, 'Gated/Llama-9B');
  await page.waitForFunction(() => /gated/.test(document.querySelector('[data-testid="file-status"]').textContent), null, { timeout: 20000 });
  const gated = await status(page);
  assert.match(gated, /Gated\/Llama-9B is gated/);
  assert.match(gated, /restricted/, 'the Hub\'s own words');
  assert.match(gated, /Paste the model's config\.json or drop its files here instead\./);
  await page.screenshot({ path: path.join(SHOTS, 'hub-gated.png') });

  await fetchModel(page, 'Nobody/Nothing');
  await page.waitForFunction(() => /no such model repo/.test(document.querySelector('[data-testid="file-status"]').textContent), null, { timeout: 20000 });
  assert.match(await status(page), /drop its files here instead/);

  await fetchModel(page, 'https://example.com/a/b');
  await page.waitForFunction(() => /example\.com/.test(document.querySelector('[data-testid="file-status"]').textContent), null, { timeout: 20000 });

  await context.setOffline(true);
  const before = hub.log.length;
  await fetchModel(page, 'Qwen/Qwen2.5-14B');
  await page.waitForFunction(() => /offline|blocked/.test(document.querySelector('[data-testid="file-status"]').textContent), null, { timeout: 20000 });
  const offline = await status(page);
  assert.match(offline, /You are offline: the Hub cannot be reached\./);
  assert.match(offline, /drop its files here instead/);
  assert.equal(hub.log.length, before, 'offline: nothing reached the stand-in');
  await page.screenshot({ path: path.join(SHOTS, 'hub-offline.png') });
  await context.setOffline(false);
  // Simplified Chinese: the same message in its words.
  await page.selectOption('[data-testid="lang"]', 'zh-Hans');
  await fetchModel(page, 'Gated/Llama-9B');
  await page.waitForFunction(() => /受限/.test(document.querySelector('[data-testid="file-status"]').textContent), null, { timeout: 20000 });
  await page.screenshot({ path: path.join(SHOTS, 'hub-gated-zh.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('Hub: only the single file\'s policy names the Hub (its blob: worker runs under it)', () => {
  const csp = (f) => /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(fs.readFileSync(path.join(ROOT, 'dist', f), 'utf8'))[1];
  const connect = (p) => p.split('; ').find((d) => d.startsWith('connect-src'));
  assert.equal(connect(csp('index.html')), "connect-src 'self'");
  assert.equal(connect(csp('gpuplan-offline.html')), "connect-src 'self' https://huggingface.co https://*.hf.co https://*.modelscope.cn");
});
