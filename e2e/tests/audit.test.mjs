// The Caldicott guardian's audit log: accessible, and it shows the guardian's own sign-in.

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

/** The audit table as an array of { column heading: cell text } rows. */
async function auditRows(page) {
  return page.evaluate(() => {
    const table = document.querySelector('table.app-table');
    if (!table) return [];
    const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...table.querySelectorAll('tbody tr')].map((tr) => {
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim());
      return Object.fromEntries(headings.map((h, i) => [h, cells[i] ?? '']));
    });
  });
}

test('the guardian sees an accessible audit log that includes their own sign-in', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'guardian');

    const navLink = page.locator('header').getByRole('link', { name: 'Audit log', exact: true });
    assert.equal(await navLink.count(), 1, 'the guardian should have an "Audit log" link in the header');
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/staff/audit'),
      navLink.click(),
    ]);
    await page.waitForLoadState('load');
    assert.equal(response.status(), 200);
    assert.equal(pathOf(page), '/staff/audit');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Audit log');

    const table = page.getByRole('table', { name: /Audit events/ });
    assert.equal(await table.count(), 1, 'there should be one audit events table');

    let rows = await auditRows(page);
    assert.ok(rows.length > 0, 'the audit log should not be empty');
    for (const column of ['Who', 'Action', 'Record', 'Outcome']) {
      assert.ok(column in rows[0], `the audit table should have a "${column}" column`);
    }

    // The log names staff by display name and username, not by id.
    const guardian = 'Gwen Guardian (guardian)';
    // Looking at the log is recorded too (after the page is built), so it shows on a reload.
    await page.reload({ waitUntil: 'load' });
    rows = await auditRows(page);
    const view = rows.find((r) => r.Action.includes('view_audit_log') && r.Outcome === 'allowed');
    assert.ok(view, 'looking at the audit log should itself be recorded');
    assert.equal(view.Who, guardian, 'the viewer is named');
    const ownSignIn = rows.find((r) => r.Action.includes('sign_in') && r.Who === guardian && r.Outcome === 'allowed');
    assert.ok(
      ownSignIn,
      `there should be a successful sign_in row by the guardian; rows:\n` +
        rows.map((r) => `  ${r['#']} ${r.Who} ${r.Action} ${r.Outcome}`).join('\n'),
    );
    assert.match(ownSignIn.Record, /^user\/[0-9a-f-]{36}$/, 'the sign-in is recorded against a user record');

    await assertNoAxeViolations(page, 'audit log');
  } finally {
    await page.context().close();
  }
});

test('the guardian\'s break-glass review page is accessible', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'guardian');
    const response = await page.goto(url('/staff/audit/break-glass'));
    assert.equal(response.status(), 200);
    await assertNoAxeViolations(page, 'break-glass reviews');
  } finally {
    await page.context().close();
  }
});

test('the receptionist cannot open the audit log', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    const response = await page.goto(url('/staff/audit'));
    assert.equal(response.status(), 403, 'reception should be refused the audit log with 403');
    assert.equal(await page.getByRole('table').count(), 0, 'no audit rows should be shown to reception');
  } finally {
    await page.context().close();
  }
});
