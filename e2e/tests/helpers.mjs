// Shared helpers for the browser tests. Not a test file itself (no `.test.` in the name).
//
// The tests drive the system Chromium through playwright-core (never a downloaded browser) and check
// pages with axe-core. They expect `run.sh` to have started `carefront demo` and to pass:
//   CAREFRONT_URL          e.g. http://127.0.0.1:40123
//   CAREFRONT_CREDENTIALS  path to the demo-credentials.json the server wrote
//   CHROMIUM_PATH          optional, defaults to /usr/bin/chromium

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const BASE_URL = (process.env.CAREFRONT_URL ?? '').replace(/\/+$/, '');
if (!BASE_URL) throw new Error('CAREFRONT_URL is not set: run the tests through e2e/run.sh');

const credentialsPath = process.env.CAREFRONT_CREDENTIALS;
if (!credentialsPath) throw new Error('CAREFRONT_CREDENTIALS is not set: run the tests through e2e/run.sh');
const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8'));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Display names of the demo staff (seeded by `App::seed_demo`; not in the credentials file). */
export const DISPLAY_NAMES = {
  reception: 'Rosa Reception',
  clinician: 'Dr Chidi Okafor',
  manager: 'Priya Manager',
  complaints: 'Colm Complaints',
  guardian: 'Gwen Guardian',
  admin: 'Alex Admin',
};

/** The demo login for a username, e.g. `login('guardian')` → { role, username, password }. */
export function login(username) {
  const found = credentials.staff.find((s) => s.username === username);
  assert.ok(found, `no demo login for "${username}" in ${credentialsPath}`);
  return found;
}

/** `/staff/login` → `http://127.0.0.1:PORT/staff/login`. */
export function url(path) {
  return BASE_URL + path;
}

/** The path of the page the browser is on now. */
export function pathOf(page) {
  return new URL(page.url()).pathname;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh page in its own browser context (own cookies, so own session), British English, a laptop-sized
 * window. Close it with `page.context().close()`.
 */
export async function newPage(browser) {
  const context = await browser.newContext({
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context.newPage();
}

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Readable report of axe violations: rule id, impact, help, help URL and each failing node. */
export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => {
          const summary = (n.failureSummary ?? '').replace(/\s+/g, ' ').trim();
          return `    - ${JSON.stringify(n.target)} ${n.html}\n      ${summary}`;
        })
        .join('\n');
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
}

/** Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page and fail with the details if it finds anything. */
export async function assertNoAxeViolations(page, label) {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const where = `${label ?? pathOf(page)} (${page.url()})`;
  assert.equal(
    results.violations.length,
    0,
    `axe-core found ${results.violations.length} accessibility violation(s) on ${where}:\n` +
      formatViolations(results.violations),
  );
  return results;
}

/** Fill in and submit the sign-in form as a mouse user would; resolves when the next page has loaded. */
export async function signIn(page, username, password = login(username).password) {
  await page.goto(url('/staff/login'));
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/staff/login'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

/** Sign in and check it worked: on the staff home page, greeted by name. */
export async function signInOk(page, username) {
  await signIn(page, username);
  assert.equal(pathOf(page), '/staff', `signing in as ${username} should land on /staff`);
  const h1 = await page.getByRole('heading', { level: 1 }).innerText();
  assert.ok(h1.includes(DISPLAY_NAMES[username]), `h1 "${h1}" should greet ${DISPLAY_NAMES[username]}`);
}

/** A short description of the focused element, for assertion messages. */
export async function describeFocus(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  });
}
