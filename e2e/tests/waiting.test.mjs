// The waiting list and referrals, as the receptionist uses them: the waiting list by priority with each
// offer chain; the referrals list with the warning list on top (near or past target said in words, not
// only colour); recording a referral for a patient found by NHS number (mistakes explained in an error
// summary, nothing typed lost), landing on the referral's page. Every page and error state is checked with
// axe-core. Other test files share the demo server, so this one only adds its own referral.

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

const REFERRAL_PATH = /^\/staff\/referrals\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Click and wait for the next page to load. */
async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

/** The headings (level 1 and 2) of the main content, in order. */
function headings(page) {
  return page.locator('main h1, main h2').allInnerTexts();
}

/** A table's rows (in the region labelled by the heading with this id) as arrays of cell text. */
function tableRows(page, headingId) {
  return page.evaluate((id) => {
    const table = document.querySelector(`[aria-labelledby="${id}"] table`);
    if (!table) return [];
    return [...table.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim()),
    );
  }, headingId);
}

/** A date `days` days before today, as dd/mm/yyyy. */
function daysAgo(days) {
  const d = new Date(Date.now() - days * 86_400_000);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}`;
}

test('the waiting list shows patients by priority, each with its offers', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await page.goto(url('/staff/waiting-list'));
    assert.equal(pathOf(page), '/staff/waiting-list');
    assert.equal(await page.locator('h1').count(), 1, 'one h1');
    const hs = await headings(page);
    assert.equal(hs[0], 'Waiting list');
    for (const priority of ['Urgent', 'Soon', 'Routine']) {
      assert.ok(hs.includes(priority), `a section for ${priority} patients in ${JSON.stringify(hs)}`);
    }
    const urgent = await tableRows(page, 'urgent');
    assert.ok(urgent.length > 0, 'the demo has urgent patients waiting');
    // Patient, service, added, target, can come, status, offers.
    assert.ok(urgent.every((r) => r.length === 7 && r[6].length > 0), 'every row says what was offered (or no offers yet)');
    const flagged = await page.locator('.app-waiting-table .app-target').allInnerTexts();
    assert.ok(
      flagged.every((t) => /^(Past target by \d+ days?|Due today|Due in \d+ days?)$/.test(t.trim())),
      `targets near or past are said in words: ${JSON.stringify(flagged)}`,
    );
    await assertNoAxeViolations(page, 'waiting list');
  } finally {
    await page.context().close();
  }
});

test('the referrals list puts the warning list on top, in words as well as colour', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await page.goto(url('/staff/referrals'));
    assert.equal(await page.locator('h1').count(), 1, 'one h1');
    const hs = await headings(page);
    assert.deepEqual(hs.slice(0, 3), ['Referrals', 'Near or past their target date', 'All referrals']);
    const warnings = await tableRows(page, 'warnings');
    assert.ok(warnings.length > 0, 'the demo has referrals near or past their target');
    for (const row of warnings) {
      assert.match(row[4], /^(Past target by \d+ days?|Due today|Due in \d+ days?)$/, `the warning is in words: ${row}`);
    }
    // The highlighted cells carry text, so nothing depends on colour alone.
    const highlighted = await page.locator('.app-target--past, .app-target--approaching').allInnerTexts();
    assert.ok(highlighted.length > 0 && highlighted.every((t) => t.trim().length > 0));
    const all = await tableRows(page, 'all-referrals');
    assert.ok(all.length >= 15, `every referral is listed (${all.length})`);
    await assertNoAxeViolations(page, 'referrals list');

    // A referral's page.
    await clickAndLoad(page, page.locator('[aria-labelledby="warnings"] tbody tr a').first());
    assert.match(pathOf(page), REFERRAL_PATH);
    assert.equal(await page.locator('h1').count(), 1);
    assert.match(await page.locator('h1').innerText(), /^Referral for /);
    await assertNoAxeViolations(page, 'a referral');
  } finally {
    await page.context().close();
  }
});

test('recording a referral: mistakes explained, then it is on the waiting list', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    // An NHS number of a demo patient, from a referral's page.
    await page.goto(url('/staff/referrals'));
    await clickAndLoad(page, page.locator('[aria-labelledby="all-referrals"] tbody tr a').first());
    const nhs = await page.evaluate(() => {
      const dt = [...document.querySelectorAll('main dt')].find((d) => d.textContent.trim() === 'NHS number');
      return dt?.nextElementSibling?.textContent.trim() ?? '';
    });
    assert.match(nhs, /^\d{3} \d{3} \d{4}$/, `the referral page shows the patient's NHS number (${nhs})`);

    await page.goto(url('/staff/referrals/new'));
    assert.equal(await page.locator('h1').innerText(), 'Record a referral');
    await assertNoAxeViolations(page, 'new referral form');

    // Nothing filled in but where it came from: every problem listed, the typed text kept.
    await page.getByLabel('Date received').fill('');
    await page.getByLabel('Where the referral came from').fill('Bristol Eye Hospital');
    await clickAndLoad(page, page.getByRole('button', { name: 'Record referral' }));
    assert.equal(pathOf(page), '/staff/referrals/new', 'the form is shown again');
    const summary = page.locator('.app-error-summary');
    assert.equal(await summary.count(), 1, 'an error summary');
    const problems = await summary.locator('a').allInnerTexts();
    assert.ok(problems.includes('Enter the patient’s NHS number'), JSON.stringify(problems));
    assert.equal(await page.getByLabel('Where the referral came from').inputValue(), 'Bristol Eye Hospital');
    assert.ok((await page.title()).startsWith('Error: '));
    await assertNoAxeViolations(page, 'new referral form with errors');

    // Following a link in the summary lands on the field.
    await summary.locator('a', { hasText: 'Enter the patient’s NHS number' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'nhs_number');

    // A date in the future and no priority: said beside the fields.
    await page.getByLabel('Patient’s NHS number').fill(nhs);
    await page.getByLabel('Who made the referral').fill('Dr Priya Nair');
    await page.getByLabel('Date received').fill(daysAgo(-2));
    await page.getByLabel('Reason for the referral').fill('Raised intraocular pressure; please check blood pressure');
    await page.locator('#service_id').selectOption({ index: 1 });
    await clickAndLoad(page, page.getByRole('button', { name: 'Record referral' }));
    const again = await page.locator('.app-error-summary a').allInnerTexts();
    assert.ok(again.some((t) => /today or in the past/.test(t)), JSON.stringify(again));
    assert.ok(again.includes('Choose the referral’s priority'), JSON.stringify(again));
    await assertNoAxeViolations(page, 'new referral form with date and priority errors');

    // Put right: recorded, and the address is the referral's id, nothing about the patient.
    await page.getByLabel('Date received').fill(daysAgo(1));
    await page.getByLabel('Routine').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Record referral' }));
    assert.match(pathOf(page), REFERRAL_PATH, `on the referral's page, not ${page.url()}`);
    assert.ok(!page.url().includes(nhs.replace(/ /g, '')) && new URL(page.url()).search === '');
    assert.match(await page.locator('main [role="status"]').innerText(), /Referral recorded/);
    await assertNoAxeViolations(page, 'the new referral');
  } finally {
    await page.context().close();
  }
});
