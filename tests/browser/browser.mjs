// Shared Chromium launch for the page checks: Debian's /usr/bin/chromium with the flags this closed
// network needs (no background traffic), and a small check() collector.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--allow-file-access-from-files'],
  });
}

export function checker() {
  const state = { failed: false };
  state.check = (ok, what) => { if (!ok) { console.error('FAILED: ' + what); state.failed = true; } };
  return state;
}

export function deadline(ms) {
  return setTimeout(() => { console.error('timed out'); process.exit(3); }, ms);
}
