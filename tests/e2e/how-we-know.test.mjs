// "How we know" (issue 11 §4) and the answer first on a phone (issue 11 §5): the section opens,
// its chart has one dot per fitted calibration run of data/calibration/accuracy.json, its
// tables are there, it works in the single file and says why offline; on a phone the verdict
// and the memory bar are on the first screen. Screenshots land in tests/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { launch, servers, ready, shot, SHOTS, DIST, ROOT } from './helpers.mjs';

const calibration = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/calibration/accuracy.json'), 'utf8'));
const fitted = calibration.runs.filter((r) => !r.oom && r.measured_bytes > 0).length;
const ooms = calibration.runs.filter((r) => r.oom).length;
const kinds = new Set(calibration.runs.map((r) => `${r.mode}/${r.engine}/${r.weights}`)).size;

let browser, srv;
before(async () => { browser = await launch(); srv = await servers(); });
after(async () => { await browser?.close(); srv?.close(); });

async function open(url, opts = {}, watchCsp = false) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  const page = await context.newPage();
  if (watchCsp) {
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
  }
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await ready(page);
  return { context, page, errors };
}

const CHART = '[data-testid="how-we-know"] [data-testid="hwk-chart"] svg';

/** The section's chart and tables, as the test reads them. */
async function section(page) {
  await page.waitForSelector(CHART, { timeout: 20000 });
  return page.evaluate(() => {
    const s = document.getElementById('how-we-know');
    const rows = (cls) => [...s.querySelectorAll(`table.${cls} tbody tr`)].map((tr) => [...tr.cells].map((td) => td.textContent.trim()));
    return {
      open: s.querySelector('details').open,
      circles: s.querySelectorAll('[data-testid="hwk-chart"] svg circle').length,
      triangles: s.querySelectorAll('[data-testid="hwk-chart"] svg polygon').length,
      title: s.querySelector('svg title')?.textContent,
      kinds: rows('hwk-kinds'),
      speed: rows('hwk-speed'),
      constants: rows('hwk-constants'),
      text: s.textContent,
    };
  });
}

/** Opens the section from its button and waits for the worker's answer. */
async function openSection(page) {
  await page.locator('[data-testid="how-we-know"] summary').click();
  return section(page);
}

test('How we know: one dot per fitted calibration run, the error per kind, speed checks and every source', async () => {
  assert.ok(fitted >= 50 && ooms >= 1, `${fitted} fitted, ${ooms} out-of-memory runs in accuracy.json`);
  const { context, page, errors } = await open(srv.appUrl, {}, true);
  await shot(page, 'desktop');
  // Closed at first, and the worker (which writes the section) is not loaded for it.
  assert.equal(await page.locator('[data-testid="how-we-know"]').evaluate((d) => d.open), false);
  const early = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.includes('gpuplan-worker')));
  assert.deepEqual(early, []);
  const hash = await page.evaluate(() => location.hash);

  const s = await openSection(page);
  assert.equal(s.circles, fitted, 'one dot per run that fitted');
  assert.equal(s.triangles, ooms, 'one triangle per run that ran out of memory');
  assert.match(s.title, /Estimated against measured/);
  // A kind is mode × engine × weight family (nf4 and nf4 with double quantization are one).
  assert.ok(s.kinds.length >= 1 && s.kinds.length <= kinds, `${s.kinds.length} kinds for ${kinds} mode/engine/format combinations`);
  for (const [kind, runs, median, worst] of s.kinds) {
    assert.ok(kind.length > 0 && /^\d+$/.test(runs), `${kind} ${runs}`);
    if (Number(runs) > 0) assert.match(`${median} ${worst}`, /^\d+\.\d %\s\d+\.\d %$/);
  }
  assert.equal(s.kinds.reduce((n, r) => n + Number(r[1]), 0), fitted, 'the kinds add up to the fitted runs');
  assert.ok(s.speed.length >= 1, 'published speed checks');
  for (const r of s.speed) assert.ok(r.length === 6 && r[5].length > 0, `speed row without a source: ${r}`);
  assert.ok(s.constants.length >= 10, `${s.constants.length} constants`);
  for (const r of s.constants) assert.ok(r.length === 4 && r[3].length > 0, `constant without a source: ${r}`);
  // Opening it leaves the scenario's link alone.
  assert.equal(await page.evaluate(() => location.hash), hash);
  await page.locator('#how-we-know').screenshot({ path: path.join(SHOTS, 'how-we-know.png') });

  // The reader's language reaches the worker's text.
  await page.selectOption('[data-testid="lang"]', 'zh-Hans');
  await page.waitForFunction(() => document.getElementById('how-we-know').textContent.includes('显存：估算与实测'), null, { timeout: 20000 });
  assert.match(await page.locator('#how-we-know summary').textContent(), /依据/);
  assert.equal((await section(page)).circles, fitted);
  await page.locator('#how-we-know').screenshot({ path: path.join(SHOTS, 'how-we-know-zh-hans.png') });
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'the section breaks the page\'s Content-Security-Policy');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link to #how-we-know opens the section and keeps the scenario in the link; a page opened there starts open', async () => {
  const { context, page, errors } = await open(`${srv.appUrl}#v=1&ctx=16384`);
  // The accuracy line's link next to the verdict; a link of the same kind where it is absent.
  let link = page.locator('[data-testid="accuracy-link"]');
  if ((await link.count()) === 0) {
    await page.evaluate(() => document.querySelector('[data-testid="verdict"]').insertAdjacentHTML('afterend', '<a href="#how-we-know" id="t-link">how we know</a>'));
    link = page.locator('#t-link');
  }
  await link.first().click();
  const s = await section(page);
  assert.ok(s.open && s.circles === fitted);
  assert.match(await page.evaluate(() => location.hash), /ctx=16384/, 'the scenario stays in the link');
  const top = await page.locator('#how-we-know').evaluate((e) => e.getBoundingClientRect().top);
  assert.ok(top >= -1 && top < 900, `scrolled to the section (top ${top})`);
  await context.close();

  const again = await open(`${srv.appUrl}#how-we-know`);
  const s2 = await section(again.page);
  assert.ok(s2.open && s2.circles === fitted);
  assert.deepEqual([...errors, ...again.errors], []);
  await again.context.close();
});

test('phone: the verdict and the memory bar are on the first screen; wide tables scroll in their box', async () => {
  const viewport = { width: 390, height: 844 };
  const { context, page, errors } = await open(srv.appUrl, { viewport, isMobile: true, hasTouch: true });
  const box = async (sel) => page.locator(sel).first().evaluate((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; });
  const verdict = await box('[data-testid="verdict"]');
  const stack = await box('[data-testid="stack"]');
  const form = await box('section.inputs');
  assert.ok(verdict.top >= 0 && verdict.top < viewport.height, `verdict at ${verdict.top}px`);
  assert.ok(verdict.bottom < viewport.height, `the whole verdict is on the first screen (bottom ${verdict.bottom}px)`);
  assert.ok(stack.top < viewport.height, `memory bar at ${stack.top}px`);
  assert.ok(form.top > verdict.top, 'the form follows the answer');
  const formatChart = await box('[data-testid="chart-formats"]');
  assert.ok(formatChart.top > form.top, 'the charts follow the form');
  await page.screenshot({ path: path.join(SHOTS, 'phone-first-screen.png') });

  // The section on a phone: no sideways scroll of the page; the constants table scrolls in its box.
  const s = await openSection(page);
  assert.equal(s.circles, fitted);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scroll on a phone (${overflow}px)`);
  const wrap = await page.locator('#how-we-know table.hwk-constants').evaluate((t) => { const w = t.parentElement; return { cls: w.className, scroll: w.scrollWidth, client: w.clientWidth, overflow: getComputedStyle(w).overflowX }; });
  assert.equal(wrap.cls, 'tablewrap');
  assert.equal(wrap.overflow, 'auto');
  assert.ok(wrap.scroll > wrap.client, `the constants table is wider than its box and scrolls (${wrap.scroll} > ${wrap.client})`);
  // The chart fits the screen and its labels stay readable: the axis labels at least 9 px tall.
  const chart = await page.locator(CHART).evaluate((svg) => {
    const r = svg.getBoundingClientRect();
    const label = [...svg.querySelectorAll('text')].find((t) => /^\d+$/.test(t.textContent.trim()));
    return { left: r.left, right: r.right, label: label.getBoundingClientRect().height };
  });
  assert.ok(chart.left >= 0 && chart.right <= viewport.width, `chart inside the screen: ${chart.left}–${chart.right}px`);
  assert.ok(chart.label >= 9, `axis labels ${chart.label}px tall`);
  await page.locator('#how-we-know').screenshot({ path: path.join(SHOTS, 'phone-how-we-know.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('desktop keeps the form beside the results; the embed stays compact, answer first when narrow', async () => {
  const { context, page } = await open(srv.appUrl);
  const inputs = await page.locator('section.inputs').boundingBox();
  const results = await page.locator('#results').boundingBox();
  assert.ok(results.x >= inputs.x + inputs.width, 'results to the right of the form');
  assert.ok(Math.abs(results.y - inputs.y) < 2, 'side by side');
  await context.close();

  const narrow = await open(`${srv.appUrl}?embed=1&lang=en`, { viewport: { width: 390, height: 700 } });
  const v = await narrow.page.locator('[data-testid="verdict"]').boundingBox();
  assert.ok(v.y < 700, `embed verdict at ${v.y}px`);
  assert.equal(await narrow.page.locator('#how-we-know').count(), 0, 'no "How we know" in the embed');
  // …so its link next to the verdict is not shown there (it would only change the frame's #).
  await narrow.page.locator('[data-testid="accuracy"]').waitFor();
  assert.equal(await narrow.page.locator('a[href="#how-we-know"]').isVisible(), false, 'a dead "how we know" link in the embed');
  await shot(narrow.page, 'embed-narrow');
  await narrow.context.close();
});

test('How we know in the single file (file://): its worker is inside', async () => {
  const { context, page, errors } = await open(`file://${path.join(DIST, 'gpuplan-offline.html')}`);
  const s = await openSection(page);
  assert.equal(s.circles, fitted);
  assert.ok(s.constants.length >= 10);
  await shot(page, 'offline-file-how-we-know');
  assert.deepEqual(errors, []);
  await context.close();
});

test('offline before the worker was ever loaded, How we know says why', async () => {
  const { context, page } = await open(srv.appUrl);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await ready(page);
  await context.setOffline(true);
  await page.locator('[data-testid="how-we-know"] summary').click();
  await page.waitForFunction(() => /once while online/.test(document.getElementById('how-we-know').textContent), null, { timeout: 20000 });
  assert.equal(await page.locator(CHART).count(), 0);
  await context.close();
});
