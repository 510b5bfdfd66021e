// The account page (password change, sign out everywhere) is accessible.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, pathOf, assertNoAxeViolations, signInOk } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the account page has no WCAG 2.2 AA violations', async () => {
  const page = await newPage(browser);
  try {
    // The practice manager is not used by any other test, so nothing here disturbs other sessions.
    await signInOk(page, 'manager');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/staff/account', { waitUntil: 'load' }),
      page.locator('header').getByRole('link', { name: 'Your account', exact: true }).click(),
    ]);
    assert.equal(pathOf(page), '/staff/account');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your account');
    assert.equal(await page.getByRole('heading', { name: 'Change your password' }).count(), 1);
    assert.equal(await page.getByLabel('Current password').count(), 1);
    assert.equal(await page.getByLabel('New password', { exact: true }).count(), 1);
    assert.equal(await page.getByLabel('Confirm new password').count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Sign out everywhere' }).count(), 1);
    await assertNoAxeViolations(page, 'account page');
  } finally {
    await page.context().close();
  }
});
