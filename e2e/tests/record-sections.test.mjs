// The record's other sections and merging, as staff use them: a receptionist records a communication need
// and a carer with consent; a practice manager merges a duplicate after reviewing both records side by
// side. Every page visited is checked with axe-core.

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

/** Register a patient through the form and return the record's id. */
async function register(page, given, family, dob, extra = {}) {
  await page.goto(url('/staff/patients/new'));
  await page.fill('#given_names', given);
  await page.fill('#family_name', family);
  await page.fill('#date_of_birth', dob);
  for (const [field, value] of Object.entries(extra)) {
    await page.fill(`#${field}`, value);
  }
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Register patient' }).click()]);
  if (await page.getByRole('button', { name: 'Yes, register as a new patient' }).count()) {
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Yes, register as a new patient' }).click()]);
  }
  const match = pathOf(page).match(/^\/staff\/patients\/([0-9a-f-]{36})$/);
  assert.ok(match, `registered and shown the record, at ${pathOf(page)}`);
  return match[1];
}

test('a receptionist records a communication need and a carer who may book', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    const id = await register(page, 'Nell', 'Quarrington', '12/12/1944');
    await page.getByRole('link', { name: 'Record or change needs' }).click();
    await page.waitForLoadState('load');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Communication and information needs');
    await assertNoAxeViolations(page, 'needs page');

    // Nothing chosen: the error summary explains and takes focus.
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Add need' }).click()]);
    assert.ok(await page.locator('.app-error-summary').isVisible());
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-module')), 'error-summary');
    await assertNoAxeViolations(page, 'needs page with an error');

    await page.selectOption('#code', { label: 'Requires large print, 24 point or more' });
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Add need' }).click()]);
    assert.match(await page.locator('[role=status]').innerText(), /The need has been recorded/);
    await page.goto(url(`/staff/patients/${id}`));
    assert.match(await page.locator('section[aria-label="Patient"]').innerText(), /Communication needs: Requires large print, 24 point or more/);

    await page.getByRole('link', { name: 'Add a carer or other person' }).click();
    await page.waitForLoadState('load');
    await assertNoAxeViolations(page, 'add a carer');
    await page.fill('#name', 'Ivy Quarrington');
    await page.check('#relationship');
    await page.check('#may_book');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Add person' }).click()]);
    assert.equal(await page.locator('.app-error-summary').count(), 1, 'a carer who may book needs the patient’s consent');
    await assertNoAxeViolations(page, 'add a carer, with an error');
    assert.equal(await page.inputValue('#name'), 'Ivy Quarrington', 'what was typed is kept');
    await page.fill('#consent_source', 'patient, at the desk');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Add person' }).click()]);
    assert.equal(pathOf(page), `/staff/patients/${id}`);
    assert.match(await page.locator('main').innerText(), /Ivy Quarrington – carer/);
  } finally {
    await page.context().close();
  }
});

test('a practice manager merges a duplicate after checking both records side by side', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'manager');
    const keep = await register(page, 'Orla', 'Fenwick-Hale', '03/03/1983', { mobile: '07700 900876' });
    await register(page, 'Orla', 'Fenwick Hale', '03/03/1983', { nhs_number: '999 123 4500', email: 'orla@example.com' });
    await page.goto(url(`/staff/patients/${keep}`));
    await page.getByRole('link', { name: 'Merge a duplicate into this record' }).click();
    await page.waitForLoadState('load');
    await assertNoAxeViolations(page, 'merge: find the duplicate');

    await page.fill('#other', 'not a number');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Continue' }).click()]);
    assert.equal(await page.locator('.app-error-summary').count(), 1);
    await assertNoAxeViolations(page, 'merge: error');

    await page.fill('#other', '999 123 4500');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Continue' }).click()]);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Check and choose what to keep');
    await assertNoAxeViolations(page, 'merge: review');
    await page.check('#nhs_number-take');
    await page.check('#email-take');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Merge the records' }).click()]);
    assert.equal(pathOf(page), `/staff/patients/${keep}`);
    const main = await page.locator('main').innerText();
    assert.match(main, /The records have been merged/);
    assert.match(main, /999 123 4500/);
    assert.match(main, /orla@example.com/);
    assert.match(main, /07700 900876/, 'the kept record’s own mobile stays');
    await assertNoAxeViolations(page, 'merged record');
  } finally {
    await page.context().close();
  }
});
