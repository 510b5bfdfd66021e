// The outbox as reception uses it: the demo's first patient reads Braille, and a referral letter for them
// arrived as the demo started, so the outbox worker left a task for staff. The receptionist finds it under
// "Needs attention", opens the patient's record and their messages from it, is told what is missing when
// they try to mark it done without saying what they did, then marks it done. Every page passes axe-core.

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

async function loadsPage(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** The row of the "needs attention" table about the Braille task, waiting (bounded) for the worker's pass. */
async function brailleTask(page) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = page.locator('#jobs tbody tr', { hasText: 'Braille' });
    if ((await row.count()) > 0) return row.first();
    if (Date.now() > deadline) assert.fail('the Braille task did not appear in the outbox within 30 s');
    await page.waitForTimeout(1000);
    await page.reload();
  }
}

test('the receptionist finds the Braille task in the outbox, is told what is missing, and marks it done', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await loadsPage(page, () => page.getByRole('link', { name: 'Outbox', exact: true }).click());
    assert.equal(pathOf(page), '/staff/messages/outbox');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Outbox');
    const counts = page.getByRole('table', { name: 'Messages at a glance' });
    assert.match(await counts.innerText(), /Waiting for staff\s+\d+/);

    const row = await brailleTask(page);
    const text = await row.innerText();
    assert.match(text, /Referral received/);
    assert.match(text, /Waiting for staff/);
    assert.match(text, /Requires information in Braille grade 2: arrange this message in that format/);
    assert.ok(!/@|07\d{3}/.test(text), 'no address or phone number in the outbox list');
    await assertNoAxeViolations(page, 'outbox, needs attention');

    // The patient's record and messages, from the task.
    const recordHref = await row.getByRole('link', { name: /^Record/ }).getAttribute('href');
    await page.goto(url(recordHref));
    assert.match(await page.locator('.app-banner').innerText(), /Braille grade 2/);
    await loadsPage(page, () => page.getByRole('link', { name: 'See messages sent', exact: true }).click());
    assert.equal(pathOf(page), `${recordHref}/messages`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Messages sent');
    assert.match(await page.locator('.app-banner').innerText(), /Communication needs:.*Braille/);
    await assertNoAxeViolations(page, 'a patient’s messages');

    // Mark done without saying what was done: an error summary that links to the box.
    await page.goto(url('/staff/messages/outbox'));
    await loadsPage(page, async () => (await brailleTask(page)).getByRole('link', { name: /^Mark done/ }).click());
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Mark a message done');
    await assertNoAxeViolations(page, 'mark done form');
    await loadsPage(page, () => page.getByRole('button', { name: 'Mark done', exact: true }).click());
    const summary = page.locator('.app-error-summary');
    assert.match(await summary.innerText(), /Enter what was done/);
    assert.equal(await summary.evaluate((el) => el === document.activeElement), true, 'the summary takes focus');
    await summary.getByRole('link', { name: /Enter what was done/ }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'note');
    await assertNoAxeViolations(page, 'mark done form with an error');

    await page.getByLabel('What was done').fill('Braille letter posted by hand');
    await loadsPage(page, () => page.getByRole('button', { name: 'Mark done', exact: true }).click());
    assert.equal(pathOf(page), '/staff/messages/outbox');
    assert.match(await page.locator('main [role="status"]').innerText(), /Referral received marked done/);
    assert.equal(await page.locator('#jobs tbody tr', { hasText: 'Braille' }).count(), 0, 'the task has gone');

    // The sent tab shows it, with the note.
    await loadsPage(page, () => page.getByRole('link', { name: /^Sent \(\d+\)$/ }).click());
    assert.match(await page.locator('main [aria-current="page"]').innerText(), /^Sent \(\d+\)$/);
    assert.match(await page.locator('main').innerText(), /Braille letter posted by hand/);
    await assertNoAxeViolations(page, 'outbox, sent');
  } finally {
    await page.context().close();
  }
});

test('a clinician has no outbox', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'clinician');
    assert.equal(await page.getByRole('link', { name: 'Outbox', exact: true }).count(), 0);
    const res = await page.goto(url('/staff/messages/outbox'));
    assert.equal(res.status(), 403);
  } finally {
    await page.context().close();
  }
});
