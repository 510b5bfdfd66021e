// The rota and service editors as the practice manager uses them: from the home page to a practitioner's
// rota, a weekly session added with a mistake first (an error summary that links to the box), and the
// service list and form. Every page is checked with axe-core.

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

test('the practice manager adds a weekly session after fixing a mistake', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'manager');
    await loadsPage(page, () => page.getByRole('link', { name: 'Rotas and services', exact: true }).click());
    assert.equal(pathOf(page), '/staff/rota');
    await assertNoAxeViolations(page, 'rotas');
    await loadsPage(page, () => page.locator('main ul.app-list a').first().click());
    assert.match(pathOf(page), /^\/staff\/rota\/[0-9a-f-]{36}$/);
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /^Rota: /);
    await assertNoAxeViolations(page, 'a practitioner’s rota');

    // Sunday evening is free in the demo's rotas. First without a site or a service.
    await page.getByRole('radio', { name: 'Sunday' }).check();
    await page.getByLabel('Starts').fill('18:00');
    await page.getByLabel('Ends').fill('19:00');
    await page.locator('#valid_from').fill(new Date(Date.now() + 86400000).toISOString().slice(0, 10));
    await loadsPage(page, () => page.getByRole('button', { name: 'Add weekly session', exact: true }).click());
    const summary = page.locator('.app-error-summary');
    assert.match(await summary.innerText(), /Choose the site/);
    assert.match(await summary.innerText(), /Choose at least one service/);
    assert.equal(await page.getByLabel('Starts').inputValue(), '18:00', 'what was typed is kept');
    await assertNoAxeViolations(page, 'rota with mistakes');

    await page.locator('input[name="site_id"]').first().check();
    await page.locator('input[name="services"]').first().check();
    await loadsPage(page, () => page.getByRole('button', { name: 'Add weekly session', exact: true }).click());
    assert.match(await page.locator('main [role="status"]').innerText(), /Weekly session added/);
    assert.ok((await page.locator('main table').first().innerText()).includes('18:00 to 19:00'));
  } finally {
    await page.context().close();
  }
});

test('the service list and form are accessible, and a mistake is explained', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'manager');
    await page.goto(url('/staff/services'));
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Services');
    assert.match(await page.locator('main table').innerText(), /Physiotherapy/);
    await assertNoAxeViolations(page, 'services');
    await loadsPage(page, () => page.getByRole('link', { name: 'Add a service', exact: true }).click());
    await assertNoAxeViolations(page, 'add a service');
    await page.getByLabel('Length, in minutes').fill('ten');
    await loadsPage(page, () => page.getByRole('button', { name: 'Add service', exact: true }).click());
    const summary = page.locator('.app-error-summary');
    assert.match(await summary.innerText(), /Enter a whole number/);
    await assertNoAxeViolations(page, 'add a service with mistakes');
  } finally {
    await page.context().close();
  }
});
