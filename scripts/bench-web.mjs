// Size and speed benchmark of the built web app (figures, not asserted):
//  * total transfer of everything the page loads, each file gzip'd (level 9) as a server would,
//    and the size of the worker it loads on first use of the planner or of a dropped file;
//  * time from navigation to the first chart in the DOM (headless Chromium, this machine);
//  * re-render time after an input change (median and p90 of N changes): from the input event
//    to the moment the results and both charts have been rewritten;
//  * the planner's time over the whole catalog in the page;
//  * the worker's panels: the offload search over the catalog, the llama.cpp run and the
//    latency-target sizing over the catalog (the core's computation, timed in the worker).
// Usage: node scripts/bench-web.mjs [runs]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { launch, servers, DIST, ready } from '../tests/e2e/helpers.mjs';

const runs = Number(process.argv[2] || 5);
const browser = await launch();
const srv = await servers();
const origin = new URL(srv.appUrl).origin;

// 1. Transfer size.
const context = await browser.newContext();
const loaded = new Set();
context.on('requestfinished', (r) => { const u = new URL(r.url()); if (u.origin === origin) loaded.add(u.pathname); });
const page = await context.newPage();
await page.goto(srv.appUrl);
await ready(page);
await page.evaluate(async () => { await navigator.serviceWorker?.ready; });
let raw = 0, gz = 0;
const rows = [];
for (const p of [...loaded].sort()) {
  const f = path.join(DIST, p === '/' ? 'index.html' : decodeURIComponent(p));
  if (!fs.existsSync(f) || fs.statSync(f).isDirectory()) continue;
  const b = fs.readFileSync(f);
  const z = zlib.gzipSync(b, { level: 9 }).length;
  raw += b.length; gz += z;
  rows.push(`  ${p.padEnd(48)} ${String(b.length).padStart(9)} B  gzip ${String(z).padStart(8)} B`);
}
console.log('transfer (every file the page loads, incl. the service worker):');
console.log(rows.join('\n'));
console.log(`  total ${raw} B raw, ${gz} B gzip = ${(gz / 1024).toFixed(1)} KiB (target ≤ 300 KB)`);
// The worker (file reading, planner) is loaded on first use, not with the page: its size.
{
  const names = fs.readdirSync(DIST).filter((n) => n.startsWith('gpuplan-worker'));
  const early = names.filter((n) => loaded.has(`/${n}`));
  let wraw = 0, wgz = 0;
  for (const n of names) { const b = fs.readFileSync(path.join(DIST, n)); wraw += b.length; wgz += zlib.gzipSync(b, { level: 9 }).length; }
  console.log(`on first use of the planner or of a dropped file (not loaded with the page${early.length ? `; BUT loaded here: ${early.join(', ')}` : ''}):`);
  console.log(`  worker ${names.join(', ')}: ${wraw} B raw, ${wgz} B gzip = ${(wgz / 1024).toFixed(1)} KiB`);
}
await context.close();

// 2. First chart after navigation (fresh context each run: no cache, no service worker).
const firsts = [];
for (let i = 0; i < runs; i++) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.addInitScript(() => {
    new MutationObserver((_, mo) => {
      if (document.querySelector('[data-testid="chart-formats"] svg')) { window.__firstChart = performance.now(); mo.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
  });
  await p.goto(srv.appUrl);
  await p.waitForFunction(() => window.__firstChart !== undefined, null, { timeout: 20000 });
  firsts.push(await p.evaluate(() => window.__firstChart));
  await ctx.close();
}

// 3. Re-render after an input change, and the planner.
const ctx = await browser.newContext();
const p = await ctx.newPage();
await p.goto(srv.appUrl);
await ready(p);
const changes = await p.evaluate(async (n) => {
  const input = document.querySelector('[data-testid="context"]');
  const chart = document.querySelector('[data-testid="chart-formats"]');
  const times = [];
  for (let i = 0; i < n; i++) {
    const before = chart.innerHTML;
    const t0 = performance.now();
    input.value = String(4096 + 1024 * (i % 16) + (i % 2 ? 100000 : 0));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    // Leptos updates the DOM synchronously in the handler or in the next microtask.
    await Promise.resolve();
    while (chart.innerHTML === before && performance.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 0));
    times.push(performance.now() - t0);
  }
  return times;
}, 41);
const tOpen = Date.now();
await p.locator('[data-testid="planner"] summary').click();
await p.waitForSelector('[data-testid="plans"] tbody tr');
const firstPlanMs = Date.now() - tOpen;
const planMs = [];
for (let i = 0; i < 10; i++) {
  await p.fill('[data-testid="users"]', String(1 + (i % 4)));
  await p.waitForTimeout(50);
  planMs.push(await p.evaluate(() => window.__gpuplan.planMs));
}
await ctx.close();

// 4. The worker's panels, the core's computation alone (performance.now() around the core call
// in the worker, returned with the answer): (a) the offload search over the catalog (the
// every-card table's "fits with offload" and "largest context") and the llama.cpp panel's run;
// (b) the sizing to a latency target over the catalog (with its chart's curves).
async function timedRuns(p, timer, change, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    await p.evaluate((t) => { if (window.__gpuplan) delete window.__gpuplan[t]; }, timer);
    await change(i);
    await p.waitForFunction((t) => window.__gpuplan && typeof window.__gpuplan[t] === 'number', timer, { timeout: 20000 });
    out.push(await p.evaluate((t) => window.__gpuplan[t], timer));
  }
  return out;
}
const ctxW = await browser.newContext();
const pw = await ctxW.newPage();
await pw.goto(`${srv.appUrl}#v=1&m=qwen3-30b-a3b&w=q4_k_m&g=nvidia-rtx-3060-12gb&hr=32&hp=ddr5-5600-2ch`);
await ready(pw);
await pw.locator('[data-testid="fit-table"]').scrollIntoViewIfNeeded();
const ctxValues = (i) => String(4096 + 1024 * (i % 8));
const offloadMs = await timedRuns(pw, 'offloadMs', (i) => pw.fill('[data-testid="context"]', ctxValues(i + 1)), 10);
await pw.locator('[data-testid="llama"] summary').click();
const llamaMs = await timedRuns(pw, 'llamaMs', (i) => pw.fill('[data-testid="host-ram"]', String(32 + 8 * (i % 4))), 10);
const ps = await ctxW.newPage();
await ps.goto(`${srv.appUrl}#v=1&m=llama-3.1-8b&e=vllm&ctx=4096&out=512&ttft=2000&tpot=50&rps=5`);
await ready(ps);
await ps.locator('[data-testid="serving"] summary').click();
const sizingMs = await timedRuns(ps, 'sizingMs', (i) => ps.fill('[data-testid="rps"]', String(2 + (i % 5))), 10);
await ctxW.close();
await browser.close();
srv.close();

const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const p90 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length * 0.9)]; };
console.log(`first chart after navigation: median ${med(firsts).toFixed(0)} ms over ${runs} cold loads (${firsts.map((x) => x.toFixed(0)).join(', ')}) (target ≤ 500 ms)`);
console.log(`input change → results and charts re-rendered: median ${med(changes).toFixed(1)} ms, p90 ${p90(changes).toFixed(1)} ms over ${changes.length} changes (target median ≤ 16 ms)`);
console.log(`planner over the catalog (in the page's worker): median ${med(planMs).toFixed(1)} ms (target ≤ 5 ms); first opening, worker load included: ${firstPlanMs} ms`);
console.log(`offload search over the catalog (every-card table: fits with offload + largest context, ${offloadMs.length} runs, in the page's worker): median ${med(offloadMs).toFixed(1)} ms, max ${Math.max(...offloadMs).toFixed(1)} ms (runs in order: ${offloadMs.map((x) => x.toFixed(1)).join(', ')}) (target ≤ 5 ms)`);
console.log(`llama.cpp panel's run (offload search + largest context + parallel, one scenario): median ${med(llamaMs).toFixed(1)} ms, max ${Math.max(...llamaMs).toFixed(1)} ms`);
console.log(`latency-target sizing over the catalog (the planner alone, not the chart's curves; in the page's worker): median ${med(sizingMs).toFixed(1)} ms, max ${Math.max(...sizingMs).toFixed(1)} ms (runs in order: ${sizingMs.map((x) => x.toFixed(1)).join(', ')}) (target ≤ 5 ms)`);
