// The scheduling pages as reception uses them: the day list (checked with axe-core on the busy demo
// day), booking a new patient who needs an interpreter through the whole flow (service → week view →
// check → book → confirmation, every page checked with axe), the same time again refused with nearby
// times offered, and the patient checked in from the day list with two keystrokes: the number beside
// their name, then Enter.
//
// Other test files use the same demo server at the same time, so this one registers its own patient and
// books three weeks ahead, past the demo's own bookings.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, url, pathOf, assertNoAxeViolations, signInOk, describeFocus } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const RECORD_PATH = new RegExp(`^/staff/patients/(${UUID})$`);
const BOOKED_PATH = new RegExp(`^/staff/appointments/(${UUID})/booked$`);

/** Do something that loads a new page and wait for it; resolves with the final response. */
async function loadsPage(page, action) {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) =>
        r.request().isNavigationRequest() &&
        r.frame() === page.mainFrame() &&
        !(r.status() >= 300 && r.status() < 400),
    ),
    page.waitForEvent('load'),
    action(),
  ]);
  return response;
}

function clickAndLoad(page, role, name) {
  return loadsPage(page, () => page.getByRole(role, { name, exact: true }).click());
}

async function h1(page) {
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim();
}

async function notice(page) {
  const status = page.locator('main [role="status"]');
  return (await status.count()) ? (await status.first().innerText()).trim() : '';
}

async function errorSummary(page) {
  const summary = page.locator('.app-error-summary');
  return (await summary.count()) ? (await summary.innerText()).replace(/\s+/g, ' ').trim() : '';
}

/** Letters only, so the name passes the registry's checks and no other test has it. */
function randomLetters(n) {
  const a = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from({ length: n }, () => a[Math.floor(Math.random() * a.length)]).join('');
}

test('the day list of the busy demo day passes axe and shows needs and numbers', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await clickAndLoad(page, 'link', 'Day list');
    assert.equal(pathOf(page), '/staff/day');
    assert.match(await h1(page), /^Day list/);
    assert.match(await h1(page), /\(today\)/, 'the day list opens on today');
    await assertNoAxeViolations(page, 'day list (today, all practitioners)');
    // Another day, through the links (no JavaScript needed).
    await clickAndLoad(page, 'link', 'Next day');
    assert.doesNotMatch(await h1(page), /\(today\)/);
    await assertNoAxeViolations(page, 'day list (tomorrow)');
    const columns = await page.locator('.app-day__column').count();
    const rows = await page.locator('.app-appt').count();
    if (rows > 0) {
      assert.ok(columns >= 1, 'one column per practitioner');
      assert.ok(await page.locator('.app-appt__number').count(), 'appointments still to arrive have check-in numbers');
    }
    // A date that does not exist: the error summary, linked to the field.
    await page.goto(url('/staff/day?date=2027-02-30'));
    assert.match(await errorSummary(page), /Enter a real date/);
    assert.equal(await page.title(), 'Error: Day list – Carefront');
    await assertNoAxeViolations(page, 'day list with a bad date');
  } finally {
    await page.context().close();
  }
});

test('book a patient who needs an interpreter through the whole flow, then check them in with two keystrokes', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    const given = `Ottoline${randomLetters(5)}`;
    const family = `Brackenbury${randomLetters(5)}`;
    await page.goto(url('/staff/patients/new'));
    await page.locator('#given_names').fill(given);
    await page.locator('#family_name').fill(family);
    await page.locator('#date_of_birth').fill('14/03/1967');
    await page.locator('input[name="gender"][value="female"]').check();
    await page.locator('#interpreter_language').fill('pl');
    await clickAndLoad(page, 'button', 'Register patient');
    const record = RECORD_PATH.exec(pathOf(page));
    assert.ok(record, `registering should open the record, not ${pathOf(page)}`);
    const patientId = record[1];

    // Step 1: the service.
    await clickAndLoad(page, 'link', 'Book an appointment');
    assert.equal(pathOf(page), `/staff/book/${patientId}`);
    assert.equal(await h1(page), 'What type of appointment?');
    assert.match(await page.locator('main').innerText(), /double length because they need a Polish interpreter/);
    await assertNoAxeViolations(page, 'booking: choose the service');
    await clickAndLoad(page, 'button', 'Continue');
    assert.match(await errorSummary(page), /Select the type of appointment/);
    await assertNoAxeViolations(page, 'booking: service not chosen');
    await page.getByLabel('GP appointment', { exact: true }).check();
    await page.getByLabel('By phone').check();
    await clickAndLoad(page, 'button', 'Continue');
    assert.equal(pathOf(page), `/staff/book/${patientId}/time`);

    // Step 2: a week of free times; one practitioner's, three weeks ahead.
    assert.equal(await h1(page), 'Choose a time');
    assert.match(await page.locator('main').innerText(), /Only times with 20 minutes free are shown/);
    await assertNoAxeViolations(page, 'booking: week view');
    const practitioner = page.getByLabel('Practitioner');
    const options = await practitioner.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent.trim()]));
    assert.ok(options.length > 1, 'practitioners who offer the service can be chosen');
    await practitioner.selectOption(options[1][0]);
    await clickAndLoad(page, 'button', 'Show times');
    for (let i = 0; i < 3; i += 1) await clickAndLoad(page, 'link', 'Next week');
    const slot = page.locator('a.app-slot').first();
    assert.ok(await slot.count(), `${options[1][1]} should have free times three weeks ahead`);
    const slotName = (await slot.innerText()).trim().slice(0, 5);
    await loadsPage(page, () => slot.click());

    // Step 3: check your answers.
    assert.equal(pathOf(page), `/staff/book/${patientId}/check`);
    const checkUrl = page.url();
    assert.equal(await h1(page), 'Check the details before booking');
    const summary = await page.locator('main dl.app-summary-list').innerText();
    assert.match(summary, /20 minutes \(double length\)/);
    assert.match(summary, /Polish interpreter/);
    assert.match(summary, /By phone/);
    assert.ok(summary.includes(slotName), `the chosen time ${slotName} is shown`);
    await assertNoAxeViolations(page, 'booking: check your answers');

    // Step 4: book; the confirmation has a reference.
    await clickAndLoad(page, 'button', 'Book appointment');
    const booked = BOOKED_PATH.exec(pathOf(page));
    assert.ok(booked, `booking should show the confirmation, not ${pathOf(page)}: ${await errorSummary(page)}`);
    assert.equal(await h1(page), 'Appointment booked');
    assert.match(await page.locator('.app-panel').innerText(), /Reference\s+[0-9A-F]{4}-[0-9A-F]{4}/);
    await assertNoAxeViolations(page, 'booking: confirmation');
    const appointmentId = booked[1];

    // The same time again: taken, with nearby free times to choose instead.
    await page.goto(checkUrl);
    const taken = await clickAndLoad(page, 'button', 'Book appointment');
    assert.equal(taken.status(), 409);
    assert.match(await errorSummary(page), /That time has just been taken/);
    assert.ok(await page.locator('#alternatives + ul a').count(), 'nearby free times are offered');
    await assertNoAxeViolations(page, 'booking: time taken');

    // The day list for that day, that practitioner: the number field has the focus.
    await page.goto(url(`/staff/appointments/${appointmentId}/booked`));
    await clickAndLoad(page, 'link', 'Go to the day list for that day');
    await page.getByLabel('Practitioner').selectOption(options[1][0]);
    await clickAndLoad(page, 'button', 'Show day list');
    await assertNoAxeViolations(page, 'day list (one practitioner)');
    const row = page.locator(`#appt-${appointmentId}`);
    assert.equal(await row.count(), 1, 'the new appointment is on the day list');
    const rowText = await row.innerText();
    assert.ok(rowText.includes(family.toUpperCase()), 'the row names the patient');
    assert.match(rowText, /born 14 Mar 1967/);
    assert.match(rowText, /Interpreter: Polish/);
    assert.match(rowText, /Longer appointment/);
    const number = (await row.locator('.app-appt__number').innerText()).replace('No.', '').trim();
    assert.match(number, /^[1-9]$/, `the first appointment of the day should have a one-digit number, not ${number}`);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'number',
      `the check-in number field should have the focus when the list opens; focus is on ${await describeFocus(page)}`,
    );

    // Two keystrokes: the number, then Enter.
    await page.keyboard.press(number);
    await loadsPage(page, () => page.keyboard.press('Enter'));
    assert.match(await notice(page), /is checked in\./);
    assert.ok((await notice(page)).includes(family.toUpperCase()), 'the notice names the patient checked in');
    assert.match(await row.innerText(), /Arrived/);
    if (await page.locator('#number').count()) {
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'number', 'ready for the next patient');
    }
    await assertNoAxeViolations(page, 'day list after a check-in');

    // The appointment page: the next allowed action and the history.
    await loadsPage(page, () => row.getByRole('link').first().click());
    assert.equal(pathOf(page), `/staff/appointments/${appointmentId}`);
    assert.ok(await page.getByRole('button', { name: 'Call in', exact: true }).count(), 'a checked-in patient can be called in');
    assert.equal(await page.getByRole('button', { name: 'Check in', exact: true }).count(), 0, 'no second check-in');
    assert.match(await page.locator('main').innerText(), /Checked in/);
    await assertNoAxeViolations(page, 'appointment page');
    await clickAndLoad(page, 'button', 'Call in');
    assert.match(await notice(page), /called in/);
  } finally {
    await page.context().close();
  }
});
