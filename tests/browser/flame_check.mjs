// A flame graph SVG and an HTML report in headless Chromium, from file:// (as users open them):
// search highlights and reports "Matched", a click zooms, zoom and search survive in the URL, and the
// report's embedded graphs load with no request leaving the machine.
// Usage: node flame_check.mjs FLAME.svg FUNCTION SEARCH_REGEX REPORT_DIR SCREENSHOT_DIR
// Prints one JSON line with what it saw; exits non-zero on any failed check.
import { pathToFileURL } from 'node:url';
import { launch, checker, deadline } from './browser.mjs';

const [svgPath, fn, term, reportDir, shots] = process.argv.slice(2);
const timer = deadline(90000);
const browser = await launch();
const state = checker();
const check = state.check;
const seen = {};
try {
  const page = await browser.newPage({ viewport: { width: 1240, height: 700 } });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:')) external.push(r.url()); });
  const url = pathToFileURL(svgPath).href;
  await page.goto(url);
  const boxes = await page.$$eval('g.f', (gs) => gs.length);
  check(boxes > 3, `boxes drawn (${boxes})`);
  seen.boxes = boxes;

  // Search through the real UI: the Search button opens a prompt.
  page.once('dialog', (d) => d.accept(term));
  await page.click('#search');
  const matched = await page.textContent('#matched');
  const pct = parseFloat((matched.match(/Matched: ([0-9.]+)%/) || [])[1]);
  check(pct > 50 && pct <= 100, `search reports the matched share (${matched})`);
  const highlighted = await page.$$eval('g.f.match rect', (rs) => rs.map((r) => r.getAttribute('fill')));
  check(highlighted.length >= 1 && highlighted.every((f) => f === 'rgb(230,0,230)'), `matches highlighted (${highlighted})`);
  check(new URL(page.url()).searchParams.get('s') === term, `search kept in the URL (${page.url()})`);
  seen.matched = pct;
  await page.screenshot({ path: `${shots}/flame-search.png` });

  // Click the function's box: it fills the width, its parents fade, the reset button appears.
  const boxOf = (name) => page.evaluateHandle((n) => [...document.querySelectorAll('g.f')]
    .find((g) => g.querySelector('title').textContent.startsWith(n + ' (')) || null, name);
  const widthOf = async (name) => parseFloat(await (await boxOf(name)).asElement().$eval('rect', (r) => r.getAttribute('width')));
  const target = await boxOf(fn);
  if (!target.asElement()) throw new Error(`no box for ${fn}`);
  const before = await widthOf(fn);
  await target.asElement().click();
  const after = await widthOf(fn);
  const inner = parseFloat(await page.getAttribute('svg', 'data-inner'));
  check(Math.abs(after - inner) < 0.5 && after > before, `zoomed box fills the width (${before} -> ${after}, inner ${inner})`);
  check(!(await page.getAttribute('#unzoom', 'class')).includes('hide'), 'Reset Zoom shown');
  check(/[?&]z=\d+/.test(page.url()), `zoom kept in the URL (${page.url()})`);
  seen.zoomed = { before, after };
  await page.screenshot({ path: `${shots}/flame-zoom.png` });

  // A fresh load of that URL restores both.
  await page.goto(page.url());
  const restored = await page.textContent('#matched');
  check(restored.startsWith('Matched: '), `search restored from the URL (${restored})`);
  check(!(await page.getAttribute('#unzoom', 'class')).includes('hide'), 'zoom restored from the URL');
  check(Math.abs((await widthOf(fn)) - after) < 0.5, 'zoomed width restored from the URL');
  await page.click('#unzoom');
  const reset = await widthOf(fn);
  check(Math.abs(reset - before) < 0.5, `Reset Zoom restores the width (${reset} vs ${before})`);
  seen.reset = reset;

  // The report: every embedded SVG loads and draws.
  await page.goto(pathToFileURL(`${reportDir}/index.html`).href);
  const objects = await page.$$eval('object', (os) => os.map((o) => o.id));
  for (const id of objects) {
    await page.waitForFunction((i) => {
      const d = document.getElementById(i).contentDocument;
      return d && d.querySelectorAll('g').length > 0;
    }, id, { timeout: 15000 }).catch(() => check(false, `embedded ${id} loads`));
  }
  check(objects.length >= 3, `report embeds its graphs (${objects})`);
  const suspect = await page.textContent('.verdict-leak').catch(() => '');
  check(suspect.includes(fn), `report verdict names ${fn} (${suspect})`);
  seen.report_objects = objects;
  await page.screenshot({ path: `${shots}/report.png`, fullPage: true });
  check(external.length === 0, 'no requests leave the machine: ' + external.join(', '));
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  clearTimeout(timer);
}
process.exit(state.failed ? 1 : 0);
