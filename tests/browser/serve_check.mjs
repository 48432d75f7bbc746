// `leakscope serve` in headless Chromium: every view loads and shows the expected function, search
// highlights matches, the sample-type menu changes the totals, refine narrows them, a click on a
// flame box zooms, the download works, and nothing is fetched from outside the server.
// Usage: node serve_check.mjs BASE_URL FUNCTION SEARCH_REGEX SCREENSHOT_DIR
import { launch, checker, deadline } from './browser.mjs';

const [base, fn, term, shots] = process.argv.slice(2);
const timer = deadline(120000);
const browser = await launch();
const state = checker();
const check = state.check;
const seen = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });

  // Top: the function is listed; search through the form highlights it.
  await page.goto(`${base}/ui/top`);
  check((await page.textContent('#top-table')).includes(fn), `Top lists ${fn}`);
  const totalSpace = await page.textContent('p.total');
  await page.fill('#s', term);
  await page.click('#refine');
  await page.waitForURL(/s=/);
  const matched = await page.$$eval('tr.match td:first-child', (tds) => tds.map((t) => t.textContent));
  check(matched.length >= 1 && matched.every((m) => new RegExp(term).test(m)), `search highlights matches (${matched})`);
  await page.screenshot({ path: `${shots}/serve-top.png` });

  // Sample type menu: another type, other totals.
  await page.selectOption('#si', 'inuse_objects');
  await page.waitForURL(/si=inuse_objects/);
  const totalObjects = await page.textContent('p.total');
  check(totalObjects.startsWith('inuse_objects') && totalObjects !== totalSpace, `sample type switches totals (${totalSpace} -> ${totalObjects})`);
  seen.totals = [totalSpace, totalObjects];

  // Refine: focus narrows the total; Reset clears it.
  await page.goto(`${base}/ui/top`);
  await page.fill('#focus', term);
  await page.click('#refine');
  await page.waitForURL(/focus=/);
  const focused = await page.textContent('p.total');
  check(focused.includes('refined away'), `focus refines (${focused})`);
  await page.click('#reset');
  await page.waitForURL(/\/ui\/top$/);
  check(!(await page.textContent('p.total')).includes('refined away'), 'Reset clears the refinement');

  // Graph: the embedded call graph names the function.
  await page.click('#nav-graph');
  await page.waitForURL(/\/ui\/graph/);
  await page.waitForFunction((f) => {
    const d = document.getElementById('graph-object').contentDocument;
    return d && d.documentElement.textContent.includes(f);
  }, fn, { timeout: 20000 }).catch(() => check(false, 'graph shows the function'));
  await page.screenshot({ path: `${shots}/serve-graph.png` });

  // Flame graph: a click on the function's box zooms it to the full width.
  await page.click('#nav-flame');
  await page.waitForURL(/\/ui\/flame/);
  const frame = await (await page.waitForSelector('#flame-frame')).contentFrame();
  await frame.waitForSelector('g.f');
  const box = await frame.evaluateHandle((n) => [...document.querySelectorAll('g.f')]
    .find((g) => g.querySelector('title').textContent.startsWith(n + ' (')) || null, fn);
  if (!box.asElement()) throw new Error(`no flame box for ${fn}`);
  const width = async () => parseFloat(await box.asElement().$eval('rect', (r) => r.getAttribute('width')));
  const before = await width();
  await box.asElement().click();
  const after = await width();
  check(after > before && Math.abs(after - 1180) < 1, `click zooms (${before} -> ${after})`);
  seen.zoom = [before, after];
  await page.screenshot({ path: `${shots}/serve-flame.png` });

  // Peek and Source for the function.
  await page.goto(`${base}/ui/peek?regex=${encodeURIComponent(term)}`);
  const peek = await page.textContent('#peek-text');
  check(peek.includes(fn) && peek.includes('|'), 'Peek shows callers and callees');
  await page.goto(`${base}/ui/source?regex=${encodeURIComponent(term)}`);
  const source = await page.textContent('#source-text');
  check(source.includes('ROUTINE') && source.includes(fn), 'Source shows the routine');
  await page.screenshot({ path: `${shots}/serve-source.png` });

  // Download: a gzipped profile.
  const dl = await page.request.get(`${base}/download`);
  const body = await dl.body();
  check(dl.ok() && body[0] === 0x1f && body[1] === 0x8b, 'download is a gzipped profile');

  // A bad pattern is the user's typo: a 400 that names the field, not a crash.
  const bad = await page.request.get(`${base}/ui/top?s=(`);
  check(bad.status() === 400 && (await bad.text()).startsWith('search: invalid pattern'), 'bad pattern answers 400');
  check(external.length === 0, 'no requests leave the server: ' + external.join(', '));
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  clearTimeout(timer);
}
process.exit(state.failed ? 1 : 0);
