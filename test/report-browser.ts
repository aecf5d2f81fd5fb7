/**
 * Opens a report.html in headless Chromium (Debian's `chromium`, driven by playwright-core)
 * with every network request refused, waits for its charts, and tells what it saw: each
 * chart's state and data-mark count, console errors and page errors, requests it tried to
 * make, and a full-page screenshot. Used by the report tests; .ci/run installs chromium.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.WRP_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RenderedReport {
  charts: { id: string; state: string; marks: number }[];
  total: number;
  rendered: number;
  pageErrors: string[];
  consoleErrors: string[];
  /** URLs other than the report file itself the page asked for (all refused). */
  requests: string[];
}

export class ReportBrowser {
  private constructor(
    private readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  static async launch(): Promise<ReportBrowser> {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set WRP_CHROMIUM)`);
    // A fresh profile each time: no state from an earlier run.
    const profile = mkdtempSync(join(tmpdir(), 'wrp-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    return new ReportBrowser(context, profile);
  }

  async render(file: string, screenshot: string): Promise<RenderedReport> {
    const page = await this.context.newPage();
    const out: RenderedReport = { charts: [], total: 0, rendered: 0, pageErrors: [], consoleErrors: [], requests: [] };
    const self = pathToFileURL(file).href;
    page.on('pageerror', (e) => out.pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') out.consoleErrors.push(m.text());
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === self) return route.continue();
      out.requests.push(url);
      return route.abort();
    });
    try {
      await page.goto(self);
      await page.waitForFunction(
        () => (window as unknown as { wrpReport?: { done: boolean } }).wrpReport?.done === true,
        null,
        { timeout: 120_000 },
      );
      const state = await page.evaluate(() => {
        const w = window as unknown as { wrpReport: { charts: number; rendered: number } };
        return {
          total: w.wrpReport.charts,
          rendered: w.wrpReport.rendered,
          charts: [...document.querySelectorAll<HTMLElement>('.wrp-chart')].map((el) => ({
            id: el.id,
            state: el.dataset.state ?? 'pending',
            marks: Number(el.dataset.marks ?? 0),
          })),
        };
      });
      Object.assign(out, state);
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
    } finally {
      await page.close();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
