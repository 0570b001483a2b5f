import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` (CI installs it: `.ci/run`), driven by playwright-core. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. Outside CI a machine without Chromium skips them; in CI
 * (CI=true) a missing Chromium fails the file instead, so the browser tests can never silently not run.
 */
export function chromiumForTests(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM_PATH} is missing: CI must install chromium (apt-get install chromium); the browser tests may not be skipped`);
  return false;
}

/** A headless Chromium with a fresh profile (playwright creates and removes a temporary user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
