// Serving to a latency target and options side by side (issue 14 §3, §5): written by the
// worker when the section is opened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, servers, ready, shot, openSection } from './helpers.mjs';

let browser, srv;
before(async () => { browser = await launch(); srv = await servers(); });
after(async () => { await browser?.close(); srv?.close(); });

function openServing(hash, viewport = { width: 1280, height: 900 }) {
  return openSection(browser, `${srv.appUrl}${hash}`, 'serving', viewport);
}

test('a target-driven sizing with the throughput–latency chart', async () => {
  const { context, page, errors } = await openServing('#v=1&m=llama-3.1-8b&e=vllm&ctx=4096&out=512');
  await page.fill('[data-testid="ttft-ms"]', '2000');
  await page.fill('[data-testid="tpot-ms"]', '50');
  await page.fill('[data-testid="rps"]', '5');
  await page.waitForSelector('[data-testid="sizing"] tbody tr', { timeout: 20000 });
  const first = page.locator('[data-testid="sizing"] tbody tr').first();
  const cells = await first.locator('td').allTextContents();
  assert.equal(cells.length, 9, `a sized row: ${cells.join(' | ')}`);
  assert.ok(Number(cells[3].replace(/[^\d.]/g, '')) <= 50, `TPOT within the target: ${cells[3]}`);
  const chart = page.locator('[data-testid="chart-latency"] svg');
  await chart.waitFor();
  assert.ok((await chart.locator('circle').count()) >= 3, 'points of the curves');
  assert.match(await chart.textContent(), /TPOT 50 ms/);
  await page.waitForFunction(() => location.hash.includes('ttft=2000'));
  await page.locator('[data-testid="sizing"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/work/shots/page/serving-sizing-desktop.png' });
  await page.locator('[data-testid="chart-latency"]').screenshot({ path: '/work/shots/page/serving-latency-chart.png' });
  // An impossible target says which one failed.
  await page.fill('[data-testid="tpot-ms"]', '0.1');
  await page.waitForSelector('[data-testid="sizing"] [data-failed="tpot"]', { timeout: 20000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('four pinned options compared side by side, with a chart', async () => {
  const { context, page } = await openServing('#v=1&m=llama-3.1-8b&e=vllm&ttft=2000&tpot=50');
  const pinAs = async (gpu, n, rent) => {
    await page.selectOption('[data-testid="gpu"]', gpu);
    await page.fill('[data-testid="gpus"]', String(n));
    await page.click(rent ? '[data-testid="pin-option-rent"]' : '[data-testid="pin-option"]');
  };
  await pinAs('nvidia-h100-sxm5-80gb', 1, false);
  await pinAs('nvidia-rtx-4090', 2, false);
  await pinAs('nvidia-h100-sxm5-80gb', 1, true);
  await pinAs('nvidia-a100-sxm-80gb', 1, false);
  assert.equal(await page.locator('[data-testid="pinned-option"]').count(), 4);
  assert.ok(await page.locator('[data-testid="pin-option"]').isDisabled(), 'at most four');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare"] tbody tr').length === 4, null, { timeout: 20000 });
  await page.waitForSelector('[data-testid="chart-compare"] svg rect');
  await page.waitForFunction(() => location.hash.includes('opt='));
  await page.locator('[data-testid="compare"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/work/shots/page/serving-compare-desktop.png' });
  await shot(page, 'serving-compare');
  // The link carries them: a new page opens with the same four.
  const url = page.url();
  const other = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const p2 = await other.newPage();
  await p2.goto(url);
  await ready(p2);
  await p2.locator('[data-testid="serving"] summary').click();
  await p2.waitForFunction(() => document.querySelectorAll('[data-testid="compare"] tbody tr').length === 4, null, { timeout: 20000 });
  await p2.locator('[data-testid="compare"]').scrollIntoViewIfNeeded();
  await p2.screenshot({ path: '/work/shots/page/serving-compare-phone.png' });
  await other.close();
  await context.close();
});

test('the articles\' four options load as the pinned options', async () => {
  const { context, page, errors } = await openServing('#v=1&m=llama-3.1-70b&e=vllm&ttft=2000&tpot=50');
  await page.click('[data-testid="preset-options"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="pinned-option"]').length === 4, null, { timeout: 20000 });
  const pinned = await page.locator('[data-testid="pinned-option"] code').allTextContents();
  assert.ok(pinned[0].startsWith('nvidia-a800-sxm-80gb:8:int8:vllm:own:price='), pinned.join(' | '));
  assert.ok(pinned[1] === 'nvidia-rtx-4090:24:int8:vllm:own' && pinned[2] === 'nvidia-h100-sxm5-80gb:8:int8:vllm:rent', pinned.join(' | '));
  assert.ok(pinned[3].includes('+nvidia-h100-sxm5-80gb:4:int8:vllm:rent@0.5'), pinned[3]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare"] tbody tr').length === 4, null, { timeout: 20000 });
  const names = await page.locator('[data-testid="compare"] tbody tr').allTextContents();
  assert.match(names.join(' | '), /8x A800 owned.*24x RTX 4090 owned.*cloud: 8x H100 rented.*hybrid/);
  await page.waitForSelector('[data-testid="chart-compare"] svg rect');
  // The link keeps them (the hybrid's '+' too).
  await page.waitForFunction(() => location.hash.includes('opt='));
  const p2 = await context.newPage();
  await p2.goto(page.url());
  await ready(p2);
  await p2.locator('[data-testid="serving"] summary').click();
  assert.deepEqual(await p2.locator('[data-testid="pinned-option"] code').allTextContents(), pinned);
  await p2.close();
  await page.locator('[data-testid="compare"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/work/shots/page2/compare-articles-desktop.png' });
  assert.deepEqual(errors, []);
  await context.close();
  const phone = await openServing('#v=1&m=llama-3.1-70b&e=vllm', { width: 390, height: 844 });
  await phone.page.click('[data-testid="preset-options"]');
  await phone.page.waitForFunction(() => document.querySelectorAll('[data-testid="compare"] tbody tr').length === 4, null, { timeout: 20000 });
  await phone.page.locator('[data-testid="compare"]').scrollIntoViewIfNeeded();
  await phone.page.screenshot({ path: '/work/shots/page2/compare-articles-phone.png' });
  await phone.context.close();
});
