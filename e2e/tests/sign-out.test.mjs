// Signing out from the header ends the session: the signed-out page says so, and staff pages then ask
// for a sign-in again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, url, pathOf, assertNoAxeViolations, signInOk } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the header "Sign out" button signs the receptionist out and /staff then asks for a sign-in', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');

    const header = page.locator('header');
    const signOut = header.getByRole('button', { name: 'Sign out', exact: true });
    assert.equal(await signOut.count(), 1, 'the header should have one "Sign out" button');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/staff/signed-out', { waitUntil: 'load' }),
      signOut.click(),
    ]);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'You have signed out');
    assert.equal(await header.getByRole('button', { name: 'Sign out' }).count(), 0, 'no sign-out button once signed out');
    assert.equal(await page.getByRole('link', { name: 'Sign in again' }).getAttribute('href'), '/staff/login');
    await assertNoAxeViolations(page, 'signed-out page');

    const response = await page.goto(url('/staff'));
    assert.equal(pathOf(page), '/staff/login', 'after signing out, /staff should redirect to the sign-in page');
    assert.equal(response.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in to Carefront');
  } finally {
    await page.context().close();
  }
});
