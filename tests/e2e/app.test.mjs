// End-to-end tests of the built web app (dist/) in headless Chromium. Run: `node --test` here
// after `bash scripts/build-web.sh`. Screenshots land in tests/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { launch, servers, recordRequests, foreign, ready, text, shot, DIST, llamaLikeGguf } from './helpers.mjs';

let browser, srv;
before(async () => { browser = await launch(); srv = await servers(); });
after(async () => { await browser?.close(); srv?.close(); });

async function open(url, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  const urls = recordRequests(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await ready(page);
  return { context, page, urls, errors };
}

const bytesOf = async (page, testid) => Number(await page.locator(`[data-testid="${testid}"]`).first().getAttribute('data-bytes'));
const svgOf = async (page, testid) => page.locator(`[data-testid="${testid}"] svg`).first().innerHTML();

test('load, pick a preset, change precision and context: numbers and charts follow', async () => {
  const { context, page, urls, errors } = await open(srv.appUrl);
  assert.match(await page.title(), /gpuplan/);
  assert.ok(await page.locator('[data-testid="chart-formats"] svg').count() === 1, 'memory-vs-format chart drawn');
  // The cost chart and the every-card table are written by the worker once the reader nears
  // them (the worker loads on first use, not with the page).
  await page.locator('[data-testid="chart-cost"]').scrollIntoViewIfNeeded();
  await page.waitForSelector('[data-testid="chart-cost"] svg');
  assert.ok(await page.locator('[data-testid="chart-cost"] svg').count() === 1, 'cost-vs-cards chart drawn');
  const total0 = await bytesOf(page, 'total');
  assert.ok(total0 > 1e9, `default scenario needs over 1 GB, got ${total0}`);
  // The chart's bar of the chosen format shows the verdict's figure, in the same GiB.
  const gb0 = String(Number((total0 / 2 ** 30).toPrecision(3)));
  const labels = await page.locator('[data-testid="chart-formats"] svg text').allTextContents();
  assert.ok(labels.map((t) => t.trim()).includes(gb0), `format chart labels ${labels.join(' ')} include the verdict's ${gb0} GiB`);

  // Search and pick a bigger model.
  await page.fill('[data-testid="preset-search"]', 'qwen 32b');
  const option = page.locator('[data-testid="preset"] option').first();
  const id = await option.getAttribute('value');
  await page.selectOption('[data-testid="preset"]', id);
  await page.waitForFunction((t0) => Number(document.querySelector('[data-testid="total"]').dataset.bytes) !== t0, total0);
  const total1 = await bytesOf(page, 'total');
  assert.ok(total1 > total0 * 2, `32B needs more than the default 8B: ${total1} vs ${total0}`);
  assert.match(await text(page, 'model-summary'), /32/);
  const chart1 = await svgOf(page, 'chart-formats');

  // Lower precision: less memory, and the chart highlights another bar.
  await page.selectOption('[data-testid="weights"]', 'q4_k_m');
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid="total"]').dataset.bytes) < t, total1);
  const total2 = await bytesOf(page, 'total');
  assert.ok(total2 < total1 / 2, `q4_k_m under half of bf16: ${total2} vs ${total1}`);
  assert.notEqual(await svgOf(page, 'chart-formats'), chart1);

  // Longer context: more KV cache.
  const kv0 = await bytesOf(page, 'part-kv');
  await page.fill('[data-testid="context"]', '32768');
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid="part-kv"]').dataset.bytes) > k, kv0);
  assert.ok((await bytesOf(page, 'part-kv')) > kv0 * 3);
  assert.ok((await bytesOf(page, 'total')) > total2);
  assert.match(await text(page, 'speed'), /tokens\/s/);
  assert.match(await text(page, 'cost'), /\$/);
  await shot(page, 'desktop-qwen32b-q4km-32k');

  // Every card's verdict, sortable.
  await page.locator('[data-testid="fit-table"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="fit-table"] tbody tr').length > 0);
  const rows = await page.locator('[data-testid="fit-table"] tbody tr').count();
  assert.ok(rows >= 48, `${rows} cards in the table`);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign(urls, [new URL(srv.appUrl).origin]), []);
  await context.close();
});

test('a shared URL opens the same scenario; the last scenario is restored', async () => {
  const { context, page } = await open(srv.appUrl);
  await page.selectOption('[data-testid="mode"]', 'lora');
  await page.fill('[data-testid="seq"]', '4096');
  await page.selectOption('[data-testid="gpu"]', 'nvidia-a100-sxm-80gb');
  await page.waitForFunction(() => location.hash.includes('sq=4096') && location.hash.includes('mo=lora'));
  const url = page.url();
  const total = await bytesOf(page, 'total');
  assert.ok(url.length < 200, `short link: ${url}`);

  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(url);
  await ready(p2);
  assert.equal(await p2.inputValue('[data-testid="seq"]'), '4096');
  assert.equal(await p2.inputValue('[data-testid="mode"]'), 'lora');
  assert.equal(await p2.inputValue('[data-testid="gpu"]'), 'nvidia-a100-sxm-80gb');
  assert.equal(await bytesOf(p2, 'total'), total);
  await other.close();

  // Same browser, no link: local storage brings the scenario back.
  const p3 = await context.newPage();
  await p3.goto(srv.appUrl);
  await ready(p3);
  assert.equal(await p3.inputValue('[data-testid="seq"]'), '4096');
  // Reset clears it.
  await p3.click('[data-testid="reset"]');
  await p3.waitForFunction(() => document.querySelector('[data-testid="mode"]').value === 'inference');
  await context.close();
});

test('old or broken links and bad input show messages and keep everything else', async () => {
  const { context, page, errors } = await open(`${srv.appUrl}#v=1&w=zzz&ctx=4096&u=3&z=9`);
  assert.match(await page.locator('.notice').textContent(), /w|z/);
  assert.equal(await page.inputValue('[data-testid="context"]'), '4096');
  assert.equal(await page.inputValue('[data-testid="users"]'), '3');

  for (const bad of ['', '-5', 'NaN', '1e40', 'abc']) {
    await page.fill('[data-testid="context"]', bad);
    await page.waitForFunction(() => document.getElementById('context-err').textContent.trim().length > 0);
    assert.equal(await page.inputValue('[data-testid="context"]'), bad, 'the typed text stays');
    assert.equal(await page.inputValue('[data-testid="users"]'), '3', 'other fields untouched');
    assert.ok(await page.locator('[data-testid="verdict"]').count() === 1, 'last result still shown');
  }
  await page.fill('[data-testid="context"]', '4096');
  await page.waitForFunction(() => document.getElementById('context-err').textContent.trim() === '');
  await page.evaluate(() => { document.getElementById('pue').closest('details').open = true; });
  await page.fill('[data-testid="pue"]', '9');
  await page.waitForFunction(() => /1.*3/.test(document.getElementById('pue-err').textContent));

  // A broken config.json. The file tab says nothing before the reader has tried it.
  await page.click('[data-testid="tab-file"]');
  await page.waitForTimeout(200);
  assert.equal((await page.locator('#config-err').textContent()).trim(), '', 'no message before anything is entered');
  await page.fill('[data-testid="config"]', '{');
  await page.fill('[data-testid="config"]', '');
  await page.waitForFunction(() => /paste or drop/.test(document.getElementById('config-err').textContent));
  await page.fill('[data-testid="config"]', '{"model_type": "llama", "hidden_size": -1');
  await page.waitForFunction(() => document.getElementById('config-err').textContent.trim().length > 0);
  assert.match(await page.inputValue('[data-testid="config"]'), /hidden_size/);
  await shot(page, 'bad-input');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a dropped GGUF is read from its header: exact weight bytes', async () => {
  const { context, page, urls, errors } = await open(srv.appUrl);
  const { buffer, weightBytes } = llamaLikeGguf();
  const file = path.join(os.tmpdir(), `Llama-like-Q4_K_M-${process.pid}.gguf`);
  fs.writeFileSync(file, buffer);
  await page.click('[data-testid="tab-file"]');
  await page.setInputFiles('[data-testid="file"]', file);
  await page.waitForFunction(() => document.querySelector('[data-testid="model-summary"]')?.textContent.includes('.gguf'));
  const summary = page.locator('[data-testid="model-summary"]');
  assert.equal(Number(await summary.getAttribute('data-weight-bytes')), weightBytes, 'weights = the tensors of the header, exactly');
  assert.ok((await bytesOf(page, 'part-weights')) <= weightBytes, 'per-GPU weights (llama.cpp keeps token_embd on the CPU)');
  assert.match(await text(page, 'params'), /1\.2/);
  assert.equal(await page.inputValue('[data-testid="weights"]'), 'q4_k_m');
  await shot(page, 'gguf-drop');
  // The file never travels: no request carries its name.
  assert.equal(urls.filter((u) => u.includes('Llama-like')).length, 0);
  assert.deepEqual(foreign(urls, [new URL(srv.appUrl).origin]), []);
  assert.deepEqual(errors, []);
  fs.rmSync(file);
  await context.close();
});

test('the planner and the profiles', async () => {
  const { context, page } = await open(srv.appUrl);
  await page.selectOption('[data-testid="profile"]', 'startup-inference');
  await page.waitForFunction(() => document.querySelector('[data-testid="gpu"]').value === 'nvidia-l40s');
  await page.locator('[data-testid="planner"] summary').click();
  await page.waitForSelector('[data-testid="plans"] tbody tr');
  const n = await page.locator('[data-testid="plans"] tbody tr').count();
  assert.ok(n >= 3, `${n} plans`);
  const ms = await page.evaluate(() => window.__gpuplan?.planMs);
  assert.ok(typeof ms === 'number');
  await shot(page, 'planner');
  // Choosing a plan (the card name's button) sets the scenario's card and count.
  const first = page.locator('[data-testid="plans"] tbody tr').first();
  const count = (await first.locator('td.num').first().textContent()).trim();
  await first.locator('button').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="gpu"]').value !== 'nvidia-l40s');
  assert.equal(await page.inputValue('[data-testid="gpus"]'), count);
  assert.match(await page.locator('[data-testid="verdict"]').textContent(), new RegExp(`${count} ×`));
  await context.close();
});

test('languages switch, are remembered, and numbers follow the locale', async () => {
  const { context, page } = await open(srv.appUrl, { locale: 'de-DE' });
  await page.selectOption('[data-testid="lang"]', 'zh-Hans');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-Hans');
  assert.match(await page.locator('main').textContent(), /显存/);
  await page.reload();
  await ready(page);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hans');
  await page.selectOption('[data-testid="lang"]', 'zh-Hant');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-Hant');
  assert.match(await page.locator('main').textContent(), /顯存/);
  // German grouping: a decimal comma in the byte figures.
  assert.match(await text(page, 'total'), /\d,\d GiB/);
  await shot(page, 'zh-hant');
  await context.close();
});

test('phone layout and dark theme', async () => {
  const { context, page } = await open(srv.appUrl, { viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scroll on a phone (${overflow}px)`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(255, 255, 255)');
  await shot(page, 'phone-dark');
  await context.close();
});

test('the single-file build works from file://', async () => {
  const file = path.join(DIST, 'gpuplan-offline.html');
  const { context, page, urls, errors } = await open(`file://${file}`);
  assert.ok(await page.locator('[data-testid="chart-formats"] svg').count() === 1);
  await page.fill('[data-testid="context"]', '65536');
  await page.waitForFunction(() => location.hash.includes('ctx=65536'));
  await shot(page, 'offline-file');
  // The worker (planner, file reading) is inside the file too: a blob: worker.
  await page.locator('[data-testid="planner"] summary').click();
  await page.waitForSelector('[data-testid="plans"] tbody tr', { timeout: 20000 });
  const { buffer } = llamaLikeGguf();
  const gguf = path.join(os.tmpdir(), `Offline-Q4_K_M-${process.pid}.gguf`);
  fs.writeFileSync(gguf, buffer);
  await page.click('[data-testid="tab-file"]');
  await page.setInputFiles('[data-testid="file"]', gguf);
  await page.waitForFunction(() => document.querySelector('[data-testid="model-summary"]')?.textContent.includes('.gguf'));
  fs.rmSync(gguf);
  assert.deepEqual(urls.filter((u) => !u.startsWith('file://') && !u.startsWith('data:') && !u.startsWith('blob:')), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the embed view in an iframe on another origin sizes itself', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  const urls = recordRequests(context);
  const page = await context.newPage();
  await page.goto(srv.parentUrl);
  const frame = page.frameLocator('#f');
  await frame.locator('[data-testid="total"]').waitFor({ timeout: 20000 });
  await page.waitForFunction(() => window.heights.length > 0);
  const h = await page.evaluate(() => document.getElementById('f').getBoundingClientRect().height);
  assert.ok(h > 300, `frame grew to ${h}px`);
  const inner = await page.evaluate(() => window.heights[window.heights.length - 1]);
  assert.ok(Math.abs(h - inner) < 2);
  // Compact: no header, no card table.
  assert.equal(await frame.locator('[data-testid="fit-table"]').count(), 0);
  assert.equal(await frame.locator('header.top').count(), 0);
  await shot(page, 'embed');
  const origins = [new URL(srv.appUrl).origin, new URL(srv.parentUrl).origin];
  assert.deepEqual(foreign(urls, origins), []);
  await context.close();
});

test('offline before the worker was ever loaded, the planner says why instead of hanging', async () => {
  const { context, page } = await open(srv.appUrl);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await ready(page);
  await context.setOffline(true);
  await page.locator('[data-testid="planner"] summary').click();
  await page.waitForFunction(() => /once while online|联网|連網/.test(document.querySelector('[data-testid="planner"]').textContent), null, { timeout: 20000 });
  // The calculator itself goes on working.
  await page.fill('[data-testid="context"]', '16384');
  await page.waitForFunction(() => location.hash.includes('ctx=16384'));
  assert.ok(await page.locator('[data-testid="chart-formats"] svg').count() === 1);
  await context.close();
});

test('the hosted page works offline after the first visit (service worker)', async () => {
  const { context, page } = await open(srv.appUrl);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await ready(page);
  // The first visit loads the page only; the worker comes with the first use of the planner
  // (online here), and the service worker keeps it.
  const before = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  assert.equal(before.filter((u) => u.includes('gpuplan-worker')).length, 0, 'the worker is not loaded up front');
  await page.locator('[data-testid="planner"] summary').click();
  await page.waitForSelector('[data-testid="plans"] tbody tr', { timeout: 20000 });
  await context.setOffline(true);
  await page.reload();
  await ready(page);
  assert.ok(await page.locator('[data-testid="chart-formats"] svg').count() === 1);
  await page.locator('[data-testid="planner"] summary').click();
  await page.waitForSelector('[data-testid="plans"] tbody tr', { timeout: 20000 });
  await context.close();
});

test('results export as CSV and JSON, charts as SVG and PNG', async () => {
  const { context, page, errors } = await open(srv.appUrl);
  const fetchDownload = async (testid) => {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), page.click(`[data-testid="${testid}"]`)]);
    return { name: dl.suggestedFilename(), body: fs.readFileSync(await dl.path()) };
  };
  const total = await bytesOf(page, 'total');
  const csv = await fetchDownload('export-csv');
  assert.equal(csv.name, 'gpuplan-results.csv');
  assert.match(csv.body.toString(), /^item,bytes,gib\nmodel,/);
  const json = await fetchDownload('export-json');
  const v = JSON.parse(json.body.toString());
  assert.equal(v.required_bytes_per_gpu, total, 'the export states the verdict the page shows');
  assert.ok(v.cards.length >= 20 && v.scenario.startsWith('v=1'));
  const svg = await fetchDownload('export-svg');
  assert.match(svg.body.toString(), /^<\?xml|^<svg/);
  const png = await fetchDownload('export-png');
  assert.deepEqual([...png.body.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the embed button gives an iframe snippet', async () => {
  const { context, page } = await open(srv.appUrl);
  await page.click('[data-testid="embed"]');
  const code = await page.inputValue('[data-testid="embed-code"]');
  assert.match(code, /<iframe src="[^"]*embed=1/);
  assert.match(code, /gpuplan:height/);
  await context.close();
});
