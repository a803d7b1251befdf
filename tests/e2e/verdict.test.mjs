// End-to-end tests of the verdict's companions: how sure the estimate is (the accuracy band and
// its link to "How we know"), "fits, tight", the preset's origin, and the LoRA target modules
// field. Run with the others: `node --test` here after `bash scripts/build-web.sh`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch, servers, ready, text, shot } from './helpers.mjs';

let browser, srv;
before(async () => { browser = await launch(); srv = await servers(); });
after(async () => { await browser?.close(); srv?.close(); });

async function open(hash = '', opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(srv.appUrl + hash);
  await ready(page);
  return { context, page, errors };
}

test('the verdict carries the accuracy band of its kind, measured or not, with a link to how we know', async () => {
  // The default scenario (inference · hf · 16-bit, one H100) is a measured kind.
  const { context, page, errors } = await open();
  const band = page.locator('[data-testid="verdict"] [data-testid="accuracy"]');
  assert.equal(await band.count(), 1, 'the band sits inside the verdict');
  assert.ok(Number(await band.getAttribute('data-runs')) > 0);
  assert.match(await band.textContent(), /Measured on \d+ H100 80GB HBM3 runs of this kind: median error \d+\.\d %, worst \d+\.\d %/);
  assert.equal(await band.locator('a').getAttribute('href'), '#how-we-know');
  await shot(page, 'verdict-accuracy-desktop');
  // The JSON export carries the same accuracy (the CLI's object) and the verdict.
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), page.click('[data-testid="export-json"]')]);
  const v = JSON.parse(fs.readFileSync(await dl.path()).toString());
  assert.equal(v.accuracy.runs, Number(await band.getAttribute('data-runs')));
  assert.ok(v.accuracy.median_pct > 0 && v.accuracy.worst_pct >= v.accuracy.median_pct && /^measured on/.test(v.accuracy.basis));
  assert.equal(v.verdict, 'fits');
  // Simplified Chinese: the same figures in its words.
  await page.selectOption('[data-testid="lang"]', 'zh-Hans');
  await page.waitForFunction(() => /实测/.test(document.querySelector('[data-testid="accuracy"]').textContent));
  assert.match(await text(page, 'accuracy'), /同类估算在 \d+ 次 H100 80GB HBM3 实测中/);
  await page.selectOption('[data-testid="lang"]', 'en');
  // Two GPUs: the runs are on one; no band is made up.
  await page.fill('[data-testid="gpus"]', '2');
  await page.waitForFunction(() => document.querySelector('[data-testid="accuracy"]').dataset.runs === '0');
  const t = await text(page, 'accuracy');
  assert.match(t, /^Not measured: .*split over 2 GPUs/);
  assert.doesNotMatch(t, /median/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a run over the card only by the allocator slack is "fits, tight", in the verdict and the every-card table', async () => {
  // Llama-3.1-8B, 16 users of 2,048 tokens on an L4: the live tensors fit its 22.5 GiB, the
  // allocator's cache on top does not.
  const { context, page, errors } = await open('#v=1&m=llama-3.1-8b&g=nvidia-l4&u=16&ctx=2048');
  const v = page.locator('[data-testid="verdict"]');
  assert.equal(await v.getAttribute('data-verdict'), 'fits_tight');
  assert.equal(await v.getAttribute('data-fits'), 'yes');
  assert.match(await v.getAttribute('class'), /\btight\b/);
  assert.match(await v.locator('.word').textContent(), /^Fits, tight$/);
  assert.match(await text(page, 'tight'), /PyTorch frees/);
  // Short of the card by less than the slack it names.
  assert.ok((await text(page, 'headroom')).endsWith('short'));
  await page.locator('[data-testid="fit-table"]').scrollIntoViewIfNeeded();
  const row = page.locator('[data-testid="fit-table"] tbody tr.chosen');
  await row.waitFor({ state: 'attached' });
  assert.match(await row.getAttribute('class'), /\bfits tight\b/);
  assert.match(await row.textContent(), /✓ yes, tight/);
  await shot(page, 'verdict-fits-tight');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a preset names its Hugging Face repo as a plain link, with its source and date', async () => {
  const { context, page, urls } = await (async () => {
    const r = await open();
    const urls = [];
    r.context.on('request', (q) => urls.push(q.url()));
    return { ...r, urls };
  })();
  const a = page.locator('[data-testid="model-summary"] a[data-testid="hf-repo"]');
  assert.equal(await a.getAttribute('href'), 'https://huggingface.co/meta-llama/Llama-3.1-8B');
  assert.equal(await a.getAttribute('rel'), 'noopener');
  assert.match(await text(page, 'preset-origin'), /meta-llama\/Llama-3\.1-8B · Source: https:\/\/huggingface\.co\/.* · as of \d{4}-\d{2}/i);
  // Nothing is fetched from the Hub.
  assert.deepEqual(urls.filter((u) => u.includes('huggingface.co')), []);
  await context.close();
});

test('LoRA target modules: a name the model lacks is named next to the field and nothing typed is lost', async () => {
  const { context, page, errors } = await open('#v=1&mo=lora');
  const field = page.locator('[data-testid="lora-targets"]');
  assert.equal(await field.inputValue(), 'all-linear');
  const total0 = Number(await page.locator('[data-testid="total"]').getAttribute('data-bytes'));
  await page.fill('[data-testid="lora-rank"]', '64');
  await field.fill('q_proj,qkv_proj');
  await page.waitForFunction(() => /qkv_proj/.test(document.getElementById('lora-targets-err').textContent));
  assert.match(await page.locator('#lora-targets-err').textContent(), /"qkv_proj" matches no Linear module of llama; its modules: .*q_proj/);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  // What was typed stays: in the fields and in the link.
  assert.equal(await field.inputValue(), 'q_proj,qkv_proj');
  assert.equal(await page.inputValue('[data-testid="lora-rank"]'), '64');
  await page.waitForFunction(() => location.hash.includes('lt=q_proj,qkv_proj') && location.hash.includes('r=64'));
  // Fixed: the message goes, attention-only adapters need less than all-linear at rank 64.
  await field.fill('q_proj,v_proj');
  await page.waitForFunction(() => document.getElementById('lora-targets-err').textContent === '');
  await page.fill('[data-testid="lora-rank"]', '16');
  await page.waitForFunction((t0) => Number(document.querySelector('[data-testid="total"]').dataset.bytes) < t0, total0);
  await shot(page, 'lora-targets');
  assert.deepEqual(errors, []);
  await context.close();
});
