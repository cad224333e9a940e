/** How the tests and the bench drive Debian's Chromium (playwright-core): headless, quiet, a fresh profile each run. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
