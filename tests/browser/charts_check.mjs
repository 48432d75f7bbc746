// Loads /debug/charts in headless Chromium and checks, from the DOM, that the chart shows data
// points that change over time. Usage: node charts_check.mjs URL SCREENSHOT.png
// Prints one JSON line with what it saw; exits non-zero on any failed check.
import { launch } from './browser.mjs';

const [url, screenshot] = process.argv.slice(2);
const deadline = setTimeout(() => { console.error('timed out'); process.exit(3); }, 60000);

const browser = await launch();
let failed = false;
const check = (ok, what) => { if (!ok) { console.error('FAILED: ' + what); failed = true; } };
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 520 } });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(new URL(url).origin)) external.push(r.url()); });
  await page.goto(url);
  const samples = () => page.evaluate(() => Number(document.body.dataset.samples || 0));
  await page.waitForFunction(() => Number(document.body.dataset.samples || 0) >= 2, null, { timeout: 20000 });
  const first = { n: await samples(), points: await page.getAttribute('#line-allocated', 'points') };
  // Until the page has drawn newer samples (not a fixed time: a loaded machine only makes it slower).
  await page.waitForFunction((n) => Number(document.body.dataset.samples || 0) > n, first.n, { timeout: 30000 })
    .catch(() => {});
  const second = { n: await samples(), points: await page.getAttribute('#line-allocated', 'points') };
  const plotted = second.points.trim().split(/\s+/).length;
  const latest = await page.textContent('td.value[data-series="allocated"]');
  check(second.n > first.n, `sample count grows (${first.n} -> ${second.n})`);
  check(second.points !== first.points, 'the plotted line changes');
  check(plotted === second.n, `one point per sample (${plotted} vs ${second.n})`);
  check(/\d/.test(latest), `latest value shown (${latest})`);
  check(external.length === 0, 'no requests leave the page origin: ' + external.join(', '));
  // Sample promotion is read off snapshots: before one the page says it is not measured; after one it
  // names that snapshot's time, the one /debug/vars gives.
  const before = await page.textContent('#promotion');
  check(/not measured/.test(before), `no snapshot yet: the promotion is "not measured" (${before})`);
  const taken = await page.evaluate(async () => {
    await (await fetch('/debug/pprof/heap')).arrayBuffer();
    const vars = await (await fetch('/debug/vars')).json();
    return vars.memory.profiler.sample_promotion_time;
  });
  check(typeof taken === 'number', `/debug/vars labels the promotion with a time (${taken})`);
  const iso = typeof taken === 'number' ? new Date(taken * 1000).toISOString() : 'none';
  await page.waitForFunction((t) => document.getElementById('promotion').textContent.includes(t), iso, { timeout: 20000 })
    .catch(() => {});
  const after = await page.textContent('#promotion');
  check(after.includes('as of the snapshot at ' + iso), `the page names the snapshot's time ${iso} (${after})`);
  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ first: first.n, second: second.n, plotted, latest, promotion: after }));
} finally {
  await browser.close();
  clearTimeout(deadline);
}
process.exit(failed ? 1 : 0);
