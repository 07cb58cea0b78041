// Headless Chromium for tests that look at the Temporal Web UI: Debian's `chromium` package, driven by
// playwright-core (which never downloads a browser of its own).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Locator } from 'playwright-core';

/** The Chromium binary: `CHROMIUM_PATH`, else `chromium` on PATH; throws saying how to install it. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'chromium');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    "Chromium is not installed: the Web UI test needs it. Install Debian's chromium package " +
      '(`sudo apt-get install -y chromium`; .ci/run does this on CI) or set CHROMIUM_PATH to a Chromium binary.',
  );
}

/** Launches headless Chromium with its calls home turned off: on a closed network they only fail, noisily. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      // CI runs as root, where Chromium's sandbox refuses to start.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Waits for the locator's first match to be visible; fails with what was missing and on which page. */
export async function expectVisible(locator: Locator, what: string, timeoutMs = 30_000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new Error(
      `The Web UI at ${locator.page().url()} did not show ${what} within ${timeoutMs / 1000} s (${reason})`,
    );
  }
}
