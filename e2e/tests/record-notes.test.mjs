// The record's other identifiers, the patient's notes of disagreement and reviewing a communication need,
// as reception uses them: all reached from the patient summary, with the error summary on bad input.
// Every page visited is checked with axe-core.

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

/** Click a button or link and wait for the next page. */
async function go(page, locator) {
  await Promise.all([page.waitForLoadState('load'), locator.click()]);
}

/** The error summary is shown, takes focus, and links to each named field. */
async function assertErrorSummary(page, fields) {
  assert.ok(await page.locator('.app-error-summary').isVisible(), 'the error summary is shown');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-module')), 'error-summary');
  for (const field of fields) {
    assert.equal(await page.locator(`.app-error-summary a[href="#${field}"]`).count(), 1, `the summary links to ${field}`);
    assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true', `${field} is marked invalid`);
  }
}

test('a receptionist adds another identifier and the patient’s note of disagreement', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    const id = await register(page, 'Wren', 'Okonkwo-Hale', '06/06/1966', { mobile: '07700 900432' });

    await go(page, page.getByRole('link', { name: 'Add or see other identifiers' }));
    assert.equal(pathOf(page), `/staff/patients/${id}/identifiers`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Other identifiers');
    await assertNoAxeViolations(page, 'other identifiers');

    await page.fill('#system', 'hospital number');
    await go(page, page.getByRole('button', { name: 'Add identifier' }));
    await assertErrorSummary(page, ['system', 'value']);
    assert.equal(await page.inputValue('#system'), 'hospital number', 'what was typed is kept');
    await assertNoAxeViolations(page, 'other identifiers with errors');

    await page.fill('#system', 'https://example.nhs.uk/Id/hospital-number');
    await page.fill('#value', 'RVJ-448812');
    await go(page, page.getByRole('button', { name: 'Add identifier' }));
    assert.match(await page.locator('[role=status]').innerText(), /The identifier has been added/);
    assert.match(await page.locator('main').innerText(), /RVJ-448812\s+Issued by https:\/\/example\.nhs\.uk\/Id\/hospital-number/);
    await assertNoAxeViolations(page, 'other identifiers, one added');

    await go(page, page.getByRole('link', { name: 'Back to the record' }));
    await go(page, page.getByRole('link', { name: 'Record the patient’s note of disagreement' }));
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Notes of disagreement');
    await assertNoAxeViolations(page, 'notes of disagreement');

    await go(page, page.getByRole('button', { name: 'Record note' }));
    await assertErrorSummary(page, ['field', 'note']);
    await assertNoAxeViolations(page, 'notes of disagreement with errors');
    await page.locator('.app-error-summary a[href="#note"]').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'note', 'the summary link moves to the field');

    await page.selectOption('#field', { label: 'Date of birth' });
    await page.fill('#note', 'I was born on 7 June 1966, not 6 June.');
    await go(page, page.getByRole('button', { name: 'Record note' }));
    assert.equal(pathOf(page), `/staff/patients/${id}`);
    assert.match(await page.locator('[role=status]').innerText(), /note of disagreement has been recorded/);
    const dobRow = page.locator('.app-summary-list__row', { has: page.locator('dt', { hasText: 'Date of birth' }) });
    const shown = await dobRow.innerText();
    assert.match(shown, /6 June 1966/, 'the recorded value stays');
    assert.match(shown, /The patient disagrees: I was born on 7 June 1966, not 6 June\./, 'the note is beside the field');
    assert.match(await page.locator('main').innerText(), /RVJ-448812/);
    await assertNoAxeViolations(page, 'record with a note of disagreement');
  } finally {
    await page.context().close();
  }
});

test('a receptionist marks a communication need as reviewed', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    const id = await register(page, 'Tobias', 'Reinholt', '19/09/1951');
    await page.goto(url(`/staff/patients/${id}/needs`));
    await page.selectOption('#code', { label: 'British Sign Language interpreter needed' });
    await go(page, page.getByRole('button', { name: 'Add need' }));
    const row = page.getByRole('row', { name: /British Sign Language interpreter needed/ });
    assert.match(await row.innerText(), /Not reviewed yet/);
    await assertNoAxeViolations(page, 'needs, not reviewed');

    await go(page, page.getByRole('button', { name: 'Mark as reviewed today: British Sign Language interpreter needed' }));
    assert.equal(pathOf(page), `/staff/patients/${id}/needs`);
    assert.match(await page.locator('[role=status]').innerText(), /marked as reviewed today/);
    const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
    assert.match(await row.innerText(), new RegExp(`Reviewed on ${today}`));
    await assertNoAxeViolations(page, 'needs, reviewed');
  } finally {
    await page.context().close();
  }
});
