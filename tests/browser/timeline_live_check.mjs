// `leakscope serve DIR FIFO` in headless Chromium: while the series is read in the background (the
// FIFO holds its last snapshot back until this script writes it), the Timeline shows how far reading
// has come; once the FIFO is written the page reloads by itself with every snapshot; a snapshot then
// copied into the watched DIR reloads it again, the new snapshot on the chart and named as its end.
// Usage: node timeline_live_check.mjs BASE_URL FIFO FIFO_CONTENT NEW_SNAPSHOT DIR SCREENSHOT_DIR
import { copyFileSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { launch, checker, deadline } from './browser.mjs';

const [base, fifo, fifoContent, newSnapshot, dir, shots] = process.argv.slice(2);
const timer = deadline(150000);
const browser = await launch();
const state = checker();
const check = state.check;
const seen = {};

// What the page says about the series: the progress line, the snapshot count in its text and on the
// chart (points of the total's line), and the window's last end.
function facts(page) {
  return page.evaluate(() => {
    const loading = document.getElementById('loading');
    const box = document.getElementById('timeline-chart');
    const line = box && box.querySelector('svg polyline');
    const count = /(\d+) snapshots[^.]*\. Drag across/.exec(document.body.textContent);
    return {
      loading: loading ? { read: +loading.dataset.read, expected: +loading.dataset.expected, text: loading.textContent } : null,
      snapshots: count ? +count[1] : -1,
      points: line ? line.getAttribute('points').trim().split(/\s+/).length : 0,
      times: box ? JSON.parse(box.dataset.times).length : 0,
      windowFacts: (document.getElementById('window-facts') || {}).textContent || '',
    };
  });
}

// Marks the document, so a reload (a new document) can be told from the old one still showing.
const mark = (page) => page.evaluate(() => { window.__drawnBefore = true; });
const reloaded = (page, bound) =>
  page.waitForFunction(() => !window.__drawnBefore && document.getElementById('timeline-chart'), null, { timeout: bound });

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/ui/timeline`);
  await page.waitForSelector('#timeline-chart svg polyline');
  const during = await facts(page);
  check(during.loading !== null, `the page shows that the series is still being read: ${JSON.stringify(during)}`);
  if (during.loading) {
    check(during.loading.read < during.loading.expected,
      `progress: read ${during.loading.read} of ${during.loading.expected}`);
    check(during.loading.text.includes(`Reading the series: ${during.loading.read} of ${during.loading.expected} snapshots`),
      `progress text: ${during.loading.text}`);
    check(during.snapshots === during.points && during.points < during.loading.expected,
      `the chart has the snapshots read so far: ${JSON.stringify(during)}`);
  }
  seen.during = during;
  await page.screenshot({ path: `${shots}/timeline-loading.png` });

  // Release the held-back snapshot: the page follows /api/series and reloads once all are in.
  await mark(page);
  await writeFile(fifo, readFileSync(fifoContent));  // off the main thread: the deadline still holds
  await reloaded(page, 60000);
  const after = await facts(page);
  check(after.loading === null, `no progress line once the series is read: ${JSON.stringify(after.loading)}`);
  check(during.loading && after.snapshots === during.loading.expected && after.points === after.snapshots &&
    after.times === after.snapshots, `every snapshot is on the chart: ${JSON.stringify(after)}`);
  seen.after = after;

  // A snapshot added to the watched directory appears without a manual reload.
  await mark(page);
  copyFileSync(newSnapshot, `${dir}/${basename(newSnapshot)}`);
  await reloaded(page, 60000);
  const live = await facts(page);
  check(live.snapshots === after.snapshots + 1 && live.points === live.snapshots,
    `the new snapshot is on the chart: ${JSON.stringify(live)} after ${JSON.stringify(after)}`);
  check(live.windowFacts.includes(`snapshot ${live.snapshots - 1} (${basename(newSnapshot)},`),
    `the newest snapshot ends the series: ${live.windowFacts}`);
  seen.live = live;
  await page.screenshot({ path: `${shots}/timeline-live.png` });
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  clearTimeout(timer);
}
process.exit(state.failed ? 1 : 0);
