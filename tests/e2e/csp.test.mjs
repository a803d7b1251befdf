// The page's Content-Security-Policy (written by scripts/pack-offline.mjs): on the hosted page
// and in the single file, a script the page did not ship is reported (securitypolicyviolation
// and the console), not run; the page's own scripts, wasm and worker run without a report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, servers, ready, DIST } from './helpers.mjs';

let browser, srv;
before(async () => { browser = await launch(); srv = await servers(); });
after(async () => { await browser?.close(); srv?.close(); });

async function injectionIsBlocked(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleCsp = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text()); });
  // Every violation from the first byte on, the page's own loading included.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  await page.goto(url);
  await ready(page);
  // The planner runs in the worker (blob: in the single file): it must start under the policy.
  await page.locator('[data-testid="planner"] summary').click();
  await page.waitForSelector('[data-testid="plans"] tbody tr', { timeout: 20000 });
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'the page itself breaks its policy');
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(meta, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  assert.match(meta, /connect-src 'self'/);

  const outcome = await page.evaluate(async () => {
    // An inline script, an inline event handler and a script from another host.
    const s = document.createElement('script');
    s.textContent = 'window.__injected = "inline";';
    document.body.appendChild(s);
    const div = document.createElement('div');
    div.innerHTML = '<img src="data:," onerror="window.__injected = \'handler\'">';
    document.body.appendChild(div);
    const far = document.createElement('script');
    far.src = 'https://example.com/x.js';
    document.body.appendChild(far);
    await new Promise((r) => setTimeout(r, 300));
    return { ran: window.__injected ?? null, violations: window.__violations };
  });
  assert.equal(outcome.ran, null, 'an injected script ran');
  assert.ok(outcome.violations.filter((v) => v.startsWith('script-src')).length >= 3, JSON.stringify(outcome.violations));
  assert.ok(consoleCsp.length >= 1, 'no report in the console');
  await context.close();
}

test('CSP: the hosted page reports an injected script and does not run it', async () => {
  await injectionIsBlocked(srv.appUrl);
});

test('CSP: the single file reports an injected script and does not run it', async () => {
  await injectionIsBlocked(`file://${path.join(DIST, 'gpuplan-offline.html')}`);
});
