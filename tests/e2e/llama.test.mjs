// "On my card(s) and my RAM" (issue 13 §7): llama.cpp's split, tokens/s, the largest context,
// mixed cards and a Mac's wired limit, written by the worker when the section is opened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, servers, shot, openSection } from './helpers.mjs';

let browser, srv;
before(async () => { browser = await launch(); srv = await servers(); });
after(async () => { await browser?.close(); srv?.close(); });

async function openLlama(hash, viewport = { width: 1280, height: 900 }, result = true) {
  const { context, page, errors } = await openSection(browser, `${srv.appUrl}${hash}`, 'llama', viewport);
  // A run, or (an input's error) a message under the field and an empty panel.
  if (result) await page.waitForSelector('[data-testid="llama-result"], [data-testid="llama-error"]', { timeout: 20000 });
  await page.locator('[data-testid="llama"]').scrollIntoViewIfNeeded();
  return { context, page, errors };
}

test('Qwen3-30B-A3B q4_k_m on a 12 GB card with 32 GB DDR5: split, tokens/s, largest context', async () => {
  const { context, page, errors } = await openLlama('#v=1&m=qwen3-30b-a3b&w=q4_k_m&g=nvidia-rtx-3060-12gb&hr=32&hp=ddr5-5600-2ch');
  const r = page.locator('[data-testid="llama-result"]');
  assert.match(await page.locator('[data-testid="llama-split"]').textContent(), /-ngl \d+ \/ \d+/);
  assert.ok(Number(await r.getAttribute('data-tps')) > 0);
  const maxCtx = Number(await r.getAttribute('data-max-ctx'));
  assert.ok(maxCtx > 4096, `largest context ${maxCtx}`);
  assert.match(await page.locator('[data-testid="llama-max-ctx"]').textContent(), /Largest context that fits/);
  assert.equal(await page.locator('[data-testid="llama-device"]').count(), 1);
  assert.equal(await page.locator('[data-testid="llama-host"]').getAttribute('data-fits'), 'yes');
  // The context control goes up to the largest that fits and sets the page's context.
  const ctl = page.locator('[data-testid="llama-ctx"]');
  assert.equal(Number(await ctl.getAttribute('max')), maxCtx);
  const half = String(512 + 256 * Math.floor((maxCtx / 2 - 512) / 256));
  await ctl.fill(half);
  await page.waitForFunction((v) => document.querySelector('[data-testid="context"]').value === v, half);
  // The every-card table gains "fits with offload" and "largest context" (from the worker).
  await page.locator('[data-testid="fit-table"]').scrollIntoViewIfNeeded();
  const row = page.locator('[data-testid="fit-table"] tbody tr.chosen');
  await row.waitFor({ state: 'attached' });
  assert.match(await row.locator('td[data-col="offload"]').textContent(), /✓ -ngl \d+\/\d+/);
  assert.ok(Number((await row.locator('td[data-col="max-ctx"]').textContent()).replace(/\D/g, '')) > 4096);
  await page.screenshot({ path: '/work/shots/page/fit-table-offload-columns.png' });
  await page.locator('[data-testid="llama"]').scrollIntoViewIfNeeded();
  await shot(page, 'llama-qwen3-30b-a3b-3060-ddr5');
  await page.screenshot({ path: '/work/shots/page/llama-desktop.png', fullPage: false });
  assert.deepEqual(errors, []);
  await context.close();
  const phone = await openLlama('#v=1&m=qwen3-30b-a3b&w=q4_k_m&g=nvidia-rtx-3060-12gb&hr=32&hp=ddr5-5600-2ch', { width: 390, height: 844 });
  await phone.page.locator('[data-testid="llama-result"]').scrollIntoViewIfNeeded();
  await phone.page.screenshot({ path: '/work/shots/page/llama-phone.png' });
  await phone.context.close();
});

test('a 3090 + 4090 pair shows both cards\' fit', async () => {
  const { context, page } = await openLlama('#v=1&m=llama-3.3-70b&w=q4_k_m&g=nvidia-rtx-3090&g2=nvidia-rtx-4090&hr=64');
  const devices = page.locator('[data-testid="llama-device"]');
  assert.equal(await devices.count(), 2);
  const labels = await devices.allTextContents();
  assert.ok(labels[0].includes('3090') && labels[1].includes('4090'), labels.join(' | '));
  for (const f of await devices.evaluateAll((ds) => ds.map((d) => d.dataset.fits))) assert.match(f, /^(yes|no)$/);
  await page.screenshot({ path: '/work/shots/page/llama-3090-4090.png' });
  await context.close();
});

test('a Mac shows the wired-memory limit and what raising it changes', async () => {
  const { context, page } = await openLlama('#v=1&m=qwen3-30b-a3b&w=q4_k_m&g=apple-m4-pro-24gb');
  assert.match(await page.locator('[data-testid="wired-limit"]').textContent(), /wired_limit_mb/);
  await page.fill('[data-testid="wired-limit-mb"]', '20000');
  await page.waitForSelector('table[data-testid="wired-limit"]', { timeout: 20000 });
  const cells = await page.locator('table[data-testid="wired-limit"] td').allTextContents();
  assert.equal(cells.length, 8);
  assert.notEqual(cells[0], cells[1], 'the GPU may use more with the raised limit');
  await page.locator('table[data-testid="wired-limit"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/work/shots/page/llama-mac-wired.png' });
  await context.close();
});

test('bad llama.cpp inputs: the message names the flag under its field, the typed text stays', async () => {
  const { context, page, errors } = await openLlama('#v=1&m=qwen3-30b-a3b&w=q4_k_m&g=nvidia-rtx-3060-12gb&hr=32&hp=ddr5-5600-2ch&g2=no-such-card', undefined, false);
  // An unknown card in the list (from a link): named under the second card's list, kept shown.
  await page.waitForFunction(() => /--gpu: "no-such-card" is not in the catalog/.test(document.getElementById('gpu2-err').textContent));
  assert.equal(await page.inputValue('[data-testid="gpu2"]'), 'no-such-card');
  await page.selectOption('[data-testid="gpu2"]', '');
  await page.waitForFunction(() => document.getElementById('gpu2-err').textContent.trim() === '');
  await page.waitForSelector('[data-testid="llama-result"]', { timeout: 20000 });
  // More layers than the model has (checked in the page against llama.cpp's n_layer).
  await page.fill('[data-testid="ll-gpu-layers"]', '999');
  await page.waitForFunction(() => /--gpu-layers: 999 is too large/.test(document.getElementById('ll-gpu-layers-err').textContent));
  assert.equal(await page.inputValue('[data-testid="ll-gpu-layers"]'), '999');
  assert.equal(await page.getAttribute('[data-testid="ll-gpu-layers"]', 'aria-invalid'), 'true');
  // A split that does not add up to the cards.
  await page.fill('[data-testid="tensor-split"]', '1,2,3');
  await page.waitForFunction(() => /--tensor-split: has 3 parts for 1 cards/.test(document.getElementById('tensor-split-err').textContent));
  await page.fill('[data-testid="tensor-split"]', '');
  await page.fill('[data-testid="ll-gpu-layers"]', '');
  await page.waitForSelector('[data-testid="llama-result"]', { timeout: 20000 });
  // Too little RAM: only the run finds it (in the worker); the message still goes under the field.
  await page.fill('[data-testid="host-ram"]', '1');
  await page.waitForFunction(() => /--host-ram-gb: .* cannot hold/.test(document.getElementById('host-ram-err').textContent), null, { timeout: 20000 });
  assert.equal(await page.inputValue('[data-testid="host-ram"]'), '1');
  assert.equal(await page.locator('[data-testid="llama-result"]').count(), 0);
  await page.locator('[data-testid="host-ram"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/work/shots/page2/llama-field-errors-desktop.png' });
  await page.fill('[data-testid="host-ram"]', '32');
  await page.waitForFunction(() => document.getElementById('host-ram-err').textContent.trim() === '', null, { timeout: 20000 });
  await page.waitForSelector('[data-testid="llama-result"]', { timeout: 20000 });
  assert.deepEqual(errors, []);
  await context.close();
  const phone = await openLlama('#v=1&m=qwen3-30b-a3b&w=q4_k_m&g=nvidia-rtx-3060-12gb&hr=1&lgl=999', { width: 390, height: 844 }, false);
  await phone.page.waitForFunction(() => /--gpu-layers/.test(document.getElementById('ll-gpu-layers-err').textContent));
  await phone.page.locator('[data-testid="ll-gpu-layers"]').scrollIntoViewIfNeeded();
  await phone.page.screenshot({ path: '/work/shots/page2/llama-field-errors-phone.png' });
  await phone.context.close();
});
