// `leakscope serve DIR` in headless Chromium: the Timeline chart, a window chosen by dragging (and by
// clicking two snapshots), and the views that then show the window's growth: Top against
// `leakscope diff --json`, the flame graph against `leakscope flame --base` of the same two files, Peek
// against `leakscope top --base`'s flat column; the chart's top functions stacked under the total.
// Usage: node timeline_check.mjs BASE_URL FROM TO DIFF_JSON FLAME_SVG TOP_BASE_TXT SCREENSHOT_DIR
import { readFileSync } from 'node:fs';
import { launch, checker, deadline } from './browser.mjs';

const [base, fromArg, toArg, diffPath, flamePath, topBasePath, shots] = process.argv.slice(2);
const from = Number(fromArg), to = Number(toArg);
const timer = deadline(120000);
const browser = await launch();
const state = checker();
const check = state.check;
const seen = {};

// Page coordinates of snapshot i on the chart (the mapping the page's script uses).
async function pointOf(page, i) {
  return page.evaluate((i) => {
    const box = document.getElementById('timeline-chart');
    const svg = box.querySelector('svg');
    const r = svg.getBoundingClientRect();
    const times = JSON.parse(box.dataset.times);
    const x = +box.dataset.left + times[i] / +box.dataset.xmax * +box.dataset.plotWidth;
    return { x: r.left + x * r.width / svg.viewBox.baseVal.width, y: r.top + r.height / 2 };
  }, i);
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${base}/`);
  await page.waitForURL(/\/ui\/timeline/);
  await page.waitForSelector('#timeline-chart svg polyline');
  await page.screenshot({ path: `${shots}/timeline.png` });
  // The top functions are areas stacked under the total line: at every snapshot the stack's top is
  // no higher than the total (smaller y is higher), and each area starts where the one below ends.
  const stack = await page.evaluate(() => {
    const pts = (el) => el.getAttribute('points').trim().split(/\s+/).map((p) => p.split(',').map(Number));
    const areas = [...document.querySelectorAll('#timeline-chart polygon.stacked')].map(pts);
    const total = pts(document.querySelector('#timeline-chart polyline'));
    let onTop = true, underTotal = true;
    for (let k = 1; k < areas.length; k++)
      for (let i = 0; i < total.length; i++) onTop &&= areas[k][2 * total.length - 1 - i][1] === areas[k - 1][i][1];
    const top = areas[areas.length - 1];
    for (let i = 0; top && i < total.length; i++) underTotal &&= top[i][1] >= total[i][1] - 0.11;
    return { areas: areas.length, onTop, underTotal };
  });
  check(stack.areas > 0 && stack.onTop && stack.underTotal, `top functions stacked under the total: ${JSON.stringify(stack)}`);
  seen.stackedAreas = stack.areas;

  // Drag from one snapshot to another.
  const a = await pointOf(page, from), b = await pointOf(page, to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
  await page.waitForURL(new RegExp(`from=${from}&to=${to}`));
  const rectWidth = await page.$eval('#window-rect', (r) => (r.style.display === 'none' ? 0 : +r.getAttribute('width')));
  check(rectWidth > 0, `the window is drawn on the chart (${rectWidth})`);
  const facts = await page.textContent('#window-facts');
  check(facts.includes(`snapshot ${from} `) && facts.includes(`snapshot ${to} `), `window facts name both ends: ${facts}`);
  const suspectLinks = await page.$$eval('#suspects a', (as) => as.map((x) => x.getAttribute('href')));
  check(suspectLinks.every((h) => h.includes(`from=${from}`) && h.includes(`to=${to}`)), 'suspect links carry the window');
  seen.suspectLinks = suspectLinks.length;
  await page.screenshot({ path: `${shots}/timeline-window.png` });

  // Top: the growth per function, as `leakscope diff` of the two files.
  await page.click('#nav-top');
  await page.waitForURL(/\/ui\/top\?.*from=/);
  const rows = await page.$$eval('#top-table tbody tr', (trs) =>
    trs.map((tr) => [tr.querySelector('td').textContent, Number(tr.querySelector('td.delta').dataset.value)]));
  const diff = JSON.parse(readFileSync(diffPath, 'utf8'));
  const expected = diff.rows.map((r) => [r.name, r.delta]);
  check(rows.length > 0 && JSON.stringify(rows) === JSON.stringify(expected),
    `Top rows are diff's: ${JSON.stringify(rows.slice(0, 3))} vs ${JSON.stringify(expected.slice(0, 3))}`);
  seen.topFirst = rows[0];
  await page.screenshot({ path: `${shots}/timeline-top.png` });

  // Flame graph: the differential flame graph of the same two files.
  await page.click('#nav-flame');
  await page.waitForURL(/\/ui\/flame\?.*from=/);
  const frame = await (await page.waitForSelector('#flame-frame')).contentFrame();
  await frame.waitForSelector('g.f');
  const titles = (await frame.$$eval('g.f title', (ts) => ts.map((t) => t.textContent))).sort();
  const cli = [...readFileSync(flamePath, 'utf8').matchAll(/<g class="f"[^>]*><title>([^<]*)<\/title>/g)]
    .map((m) => unescapeXml(m[1])).sort();
  check(titles.length > 0 && JSON.stringify(titles) === JSON.stringify(cli), `flame boxes are flame --base's (${titles.length} vs ${cli.length})`);
  const grown = expected[0][0];
  check(titles.some((t) => t.startsWith(grown + ' (base ') && t.includes('\u0394 +')), `the flame graph shows ${grown} grown`);
  await page.screenshot({ path: `${shots}/timeline-flame.png` });

  // Peek of the most grown function: its line carries the window's growth (top --base's flat).
  const peekUrl = new URL(page.url());
  peekUrl.pathname = '/ui/peek';
  peekUrl.searchParams.set('regex', '^' + grown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$');
  await page.goto(peekUrl.toString());
  const peekText = await page.textContent('#peek-text');
  const peekLine = peekText.split('\n').find((l) => l.endsWith('| ' + grown) && /^\s*\S/.test(l.slice(0, 10)));
  const topBaseRow = readFileSync(topBasePath, 'utf8').split('\n').find((l) => l.trim().split(/\s+/).slice(5).join(' ') === grown);
  const growth = topBaseRow && topBaseRow.trim().split(/\s+/)[0];
  check(growth && peekLine && peekLine.trim().split(/\s+/)[0] === growth,
    `Peek shows ${grown}'s growth ${growth}: ${peekLine}`);
  await page.screenshot({ path: `${shots}/timeline-peek.png` });

  // Two clicks choose a window too.
  await page.goto(`${base}/ui/timeline`);
  await page.waitForSelector('#timeline-chart svg');
  const c1 = await pointOf(page, 0), c2 = await pointOf(page, 2);
  await page.mouse.click(c1.x, c1.y);
  await page.mouse.click(c2.x, c2.y);
  await page.waitForURL(/from=0&to=2/);
  seen.clicked = page.url();
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  clearTimeout(timer);
}
process.exit(state.failed ? 1 : 0);
