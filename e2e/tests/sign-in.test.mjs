// Staff sign-in: the page is accessible, a wrong password is explained and focus goes to the explanation,
// and someone using only a keyboard can skip the header and sign in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser,
  newPage,
  url,
  pathOf,
  login,
  DISPLAY_NAMES,
  assertNoAxeViolations,
  signIn,
  describeFocus,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the sign-in page has no WCAG 2.2 AA violations', async () => {
  const page = await newPage(browser);
  try {
    const response = await page.goto(url('/staff/login'));
    assert.equal(response.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in to Carefront');
    assert.match(await page.title(), /^Sign in/);
    assert.match(await page.locator('html').getAttribute('lang') ?? '', /^en\b/, 'the page language should be English');
    await assertNoAxeViolations(page, 'sign-in page');
  } finally {
    await page.context().close();
  }
});

test('a wrong password shows an error summary that takes focus and links to the username field', async () => {
  const page = await newPage(browser);
  try {
    // The clinician is used here so failed attempts never count against the receptionist used below.
    const response = await signIn(page, 'clinician', 'not-the-right-password');
    assert.equal(response.status(), 401, 'a wrong password should be answered with 401');
    assert.equal(pathOf(page), '/staff/login', 'a wrong password should stay on the sign-in page');
    assert.match(await page.title(), /^Error: /, 'the page title should start with "Error: " so screen readers announce it');

    const summary = page.locator('.app-error-summary');
    assert.equal(await summary.count(), 1, 'there should be one error summary');
    assert.ok(await summary.isVisible(), 'the error summary should be visible');
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.equal(
      await summary.getByRole('heading', { level: 2 }).innerText(),
      'There is a problem',
      'the error summary should have the standard title',
    );

    // Focus moves to the summary (autofocus, and /static/app.js as a fallback), so screen reader and
    // keyboard users meet the problem first. Give the browser a moment to run autofocus and DOMContentLoaded.
    const focused = await page
      .waitForFunction(() => document.activeElement?.matches('.app-error-summary'), null, { timeout: 3_000 })
      .then(() => true, () => false);
    assert.ok(focused, `the error summary should have focus, but focus is on ${await describeFocus(page)}`);

    const links = summary.getByRole('link');
    assert.equal(await links.count(), 1, 'the summary should list exactly one problem');
    const link = summary.getByRole('link', { name: 'Enter a correct username and password', exact: true });
    assert.equal(await link.count(), 1, `the summary link should read "Enter a correct username and password", got "${await links.first().innerText()}"`);
    assert.equal(await link.getAttribute('href'), '#username');

    // The message is repeated next to the field, the field is marked invalid and keeps what was typed;
    // the password is not echoed back.
    const username = page.locator('#username');
    assert.equal(await username.inputValue(), 'clinician', 'the username should be kept');
    assert.equal(await page.locator('#password').inputValue(), '', 'the password should not be sent back');
    assert.equal(await username.getAttribute('aria-invalid'), 'true');
    assert.equal(await username.getAttribute('aria-describedby'), 'username-error');
    assert.match(await page.locator('#username-error').innerText(), /Enter a correct username and password/);

    await assertNoAxeViolations(page, 'sign-in page with a wrong password');

    await link.click();
    const onUsername = await page
      .waitForFunction(() => document.activeElement?.id === 'username', null, { timeout: 3_000 })
      .then(() => true, () => false);
    assert.ok(onUsername, `clicking the summary link should focus #username, but focus is on ${await describeFocus(page)}`);
  } finally {
    await page.context().close();
  }
});

test('a keyboard-only user can skip to the form and sign in as the receptionist', async () => {
  const page = await newPage(browser);
  const { username, password } = login('reception');
  try {
    await page.goto(url('/staff/login'));
    await page.bringToFront();
    await page.locator('body').focus().catch(() => {});

    // The first Tab reaches the skip link, which is the first focusable thing on the page and comes into view.
    const skip = page.locator('a.skip-link');
    const hiddenBox = await skip.boundingBox();
    assert.ok(hiddenBox && hiddenBox.x + hiddenBox.width <= 0, 'the skip link should be off screen until it is focused');

    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => {
      const focusable = [...document.querySelectorAll(
        'a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], [contenteditable="true"]',
      )].filter((el) => {
        if (el.disabled || el.type === 'hidden') return false;
        if (el.getAttribute('tabindex') !== null && el.tabIndex < 0) return false;
        const style = getComputedStyle(el);
        return style.display !== 'none' && style.visibility !== 'hidden';
      });
      const active = document.activeElement;
      return {
        activeIsFirst: focusable[0] === active,
        firstFocusable: focusable[0]?.outerHTML.slice(0, 120),
        activeIsSkipLink: active?.matches('a.skip-link') ?? false,
        href: active?.getAttribute('href'),
        text: active?.textContent?.trim(),
      };
    });
    assert.ok(first.activeIsSkipLink, `the first Tab should reach the skip link, but focus is on ${await describeFocus(page)}`);
    assert.ok(first.activeIsFirst, `the skip link should be the first focusable element, but the first is ${first.firstFocusable}`);
    assert.equal(first.href, '#main-content', 'the skip link should target #main-content');
    assert.equal(first.text, 'Skip to main content');
    assert.equal(await page.locator('#main-content').count(), 1, 'the skip link target #main-content should exist');
    const shownBox = await skip.boundingBox();
    assert.ok(shownBox && shownBox.x >= 0 && shownBox.y >= 0, 'the focused skip link should be on screen');

    // Using the skip link moves focus to the main content; the next Tab is the username field.
    await page.keyboard.press('Enter');
    const inMain = await page
      .waitForFunction(() => document.activeElement?.id === 'main-content', null, { timeout: 3_000 })
      .then(() => true, () => false);
    assert.ok(inMain, `Enter on the skip link should move focus to #main-content, but focus is on ${await describeFocus(page)}`);

    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', `Tab after skipping should reach the username field, but focus is on ${await describeFocus(page)}`);
    await page.keyboard.type(username);

    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password', `Tab from username should reach the password field, but focus is on ${await describeFocus(page)}`);
    await page.keyboard.type(password);

    await Promise.all([
      page.waitForURL((u) => u.pathname === '/staff', { waitUntil: 'load' }),
      page.keyboard.press('Enter'),
    ]);
    assert.equal(pathOf(page), '/staff');
    const h1 = await page.getByRole('heading', { level: 1 }).innerText();
    assert.ok(h1.includes(DISPLAY_NAMES.reception), `the staff home h1 "${h1}" should include "${DISPLAY_NAMES.reception}"`);
    assert.match(await page.locator('.app-header__user').innerText(), /Rosa Reception/);
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0, 'reception should not be offered the audit log');

    await assertNoAxeViolations(page, 'staff home (receptionist)');
  } finally {
    await page.context().close();
  }
});
