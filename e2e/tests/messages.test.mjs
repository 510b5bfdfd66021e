// The message template pages and letters to print, as practice staff use them: the receptionist looks
// through the templates and previews a message in Urdu (right to left) and an English text message
// with its size and plain-English advice; the practice manager's wording with an unknown placeholder is
// refused with an error summary that links to the box, then good wording is saved, shown in the history
// and put back to the shipped wording; the letters-to-print page. Every page is checked with axe-core.

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

/** Do something that loads a new page and wait until that page has loaded. */
async function loadsPage(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** The text of the role="status" notice on the page, or ''. */
async function notice(page) {
  const status = page.locator('main [role="status"]');
  return (await status.count()) ? (await status.first().innerText()).trim() : '';
}

const EDITOR = '/staff/messages/templates/referral_received/email/easy_read/en/subject/edit';

test('the receptionist previews templates in every language, Urdu right to left, with SMS size and advice', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await loadsPage(page, () => page.getByRole('link', { name: 'Messages', exact: true }).click());
    assert.equal(pathOf(page), '/staff/messages/templates');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Message templates');
    await assertNoAxeViolations(page, 'template list');

    // An English reminder text message: its size and plain-English advice.
    await loadsPage(page, () =>
      page.getByRole('link', { name: /^Preview\s+Reminder, Text message \(SMS\), standard, in English$/ }).click(),
    );
    assert.equal(pathOf(page), '/staff/messages/templates/reminder/sms/standard/en');
    const main = await page.locator('main').innerText();
    assert.match(main, /Parts \(segments\)\s+[12]\b/, 'a shipped English reminder fits in 2 segments');
    assert.match(main, /GSM-7/);
    assert.match(main, /Reading grade: \d/);
    assert.match(main, /Tuesday 3 March at 9:10am/);
    assert.equal(await page.getByRole('link', { name: /^Edit the/ }).count(), 0, 'reception may not edit');
    await assertNoAxeViolations(page, 'English SMS preview');

    // The same message as a large-print letter in Urdu.
    await page.goto(url('/staff/messages/templates/reminder/letter/large_print/ur'));
    const letter = page.locator('.app-message');
    assert.equal(await letter.getAttribute('dir'), 'rtl');
    assert.equal(await letter.getAttribute('lang'), 'ur');
    assert.equal(await letter.evaluate((el) => getComputedStyle(el).direction), 'rtl');
    const size = await letter.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 26.6, `large print should be at least 20pt (26.67px), is ${size}px`);
    assert.match(await letter.evaluate((el) => getComputedStyle(el).fontFamily), /sans-serif|Arial/);
    await assertNoAxeViolations(page, 'Urdu large-print letter preview');

    // The email document on its own, as a mail program shows it.
    await page.goto(url('/staff/messages/templates/reminder/email/standard/ur/html'));
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await page.locator('body').evaluate((el) => getComputedStyle(el).direction), 'rtl');
    assert.equal(
      await page.locator('body').evaluate((el) => getComputedStyle(el).fontFamily.includes('Arial')),
      true,
      'its stylesheet is applied (inline styles would be blocked by the content security policy)',
    );
    await assertNoAxeViolations(page, 'Urdu email document');
  } finally {
    await page.context().close();
  }
});

test('the practice manager is told what is wrong with new wording, saves good wording, then puts the shipped wording back', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'manager');
    await page.goto(url(EDITOR));
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /^Edit the subject: Referral received/);
    await assertNoAxeViolations(page, 'editor');

    // An unknown placeholder: refused, explained at the top and beside the box, nothing lost.
    const box = page.getByLabel(/^Subject \(English\)/);
    await box.fill('Hello { $nmae }, we have your referral');
    await loadsPage(page, () => page.getByRole('button', { name: 'Save wording', exact: true }).click());
    const summary = page.locator('.app-error-summary');
    assert.equal(await summary.count(), 1);
    assert.match(await summary.innerText(), /Unknown placeholder \{ \$nmae \}/);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('app-error-summary')), true, 'the summary takes focus');
    assert.equal(await page.locator('#text').inputValue(), 'Hello { $nmae }, we have your referral');
    assert.equal(await page.locator('#text').getAttribute('aria-invalid'), 'true');
    assert.match(await page.title(), /^Error: /);
    await assertNoAxeViolations(page, 'editor with an error');
    await summary.getByRole('link').first().click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'text', 'the summary link goes to the box');

    // Good wording: saved, in use, with advice about jargon shown as advice.
    await page.locator('#text').fill('{ $name }, your referral has reached { $practice }');
    await loadsPage(page, () => page.getByRole('button', { name: 'Save wording', exact: true }).click());
    assert.equal(pathOf(page), EDITOR);
    assert.match(await notice(page), /^Wording saved as version \d+\./);
    const main = await page.locator('main').innerText();
    assert.match(main, /This is advice/);
    assert.match(main, /referral/);
    assert.equal(await page.locator('table').last().locator('tbody tr').first().locator('td').nth(2).innerText(), 'Priya Manager');
    await assertNoAxeViolations(page, 'editor after a save');

    // Put the shipped wording back (this is a shared demo server).
    await page.locator('summary', { hasText: 'shipped wording' }).click();
    await loadsPage(page, () => page.getByRole('button', { name: 'Use the shipped wording again', exact: true }).click());
    assert.match(await notice(page), /shipped wording is back in use/);
  } finally {
    await page.context().close();
  }
});

test('the letters-to-print page is accessible', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await page.goto(url('/staff/messages/letters'));
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Letters to print');
    await assertNoAxeViolations(page, 'letters to print');
    const print = page.getByRole('link', { name: 'Open the print view of this batch', exact: true });
    if (await print.count()) {
      await loadsPage(page, () => print.click());
      assert.equal(pathOf(page), '/staff/messages/letters/print');
      await assertNoAxeViolations(page, 'print view');
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('.app-header').isVisible(), false, 'the header is not printed');
      await page.emulateMedia({ media: 'screen' });
    }
  } finally {
    await page.context().close();
  }
});
