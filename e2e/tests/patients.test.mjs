// The patient pages, as the people at the practice use them: the receptionist finds patients (typos and
// accents forgiven, nothing about the patient in the address bar, Back from a record returns to the
// results), registers one (mistakes explained, nothing lost, a likely duplicate questioned, a clashing NHS
// number refused), changes details with a reason that the clinician later sees in the history; babies' ages
// in weeks and months; a keyboard-only search; and a clinician breaking the glass on a deregistered patient's
// record, the reason covering that record for a while and reaching the Caldicott guardian. Every page
// visited is checked with axe-core.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser,
  newPage,
  url,
  pathOf,
  assertNoAxeViolations,
  signInOk,
  describeFocus,
  DISPLAY_NAMES,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const RECORD_PATH = /^\/staff\/patients\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** Where the results of the session's last search are shown (the search form posts, then redirects here). */
const RESULTS_PATH = '/staff/patients/results';

/**
 * Do something that loads a new page (click, Enter) and wait until that page has loaded. Resolves with the
 * response for the page finally shown (after any redirect); `response.request().redirectedFrom()` is the
 * POST that was redirected, if there was one. Works when the address does not change (search, pagination).
 */
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

/** Click the button or link with this accessible name (exact) and wait for the next page. */
function clickAndLoad(page, role, name) {
  return loadsPage(page, () => page.getByRole(role, { name, exact: true }).click());
}

/** Resolves true once `predicate` (run in the page) holds, false after 3 s. */
function eventually(page, predicate, arg) {
  return page.waitForFunction(predicate, arg, { timeout: 3_000 }).then(() => true, () => false);
}

/** The page number in the address (`?page=N`), 1 when there is none. */
function pageNumberOf(page) {
  return Number(new URL(page.url()).searchParams.get('page') ?? 1);
}

/** Search from the "Find a patient" form as a mouse user would; stays on the page if already there. */
async function search(page, q) {
  if (!['/staff/patients', '/staff/patients/search', RESULTS_PATH].includes(pathOf(page))) {
    await page.goto(url('/staff/patients'));
  }
  await page.locator('#q').fill(q);
  return clickAndLoad(page, 'button', 'Search');
}

/** The results table as [{ Name, 'Date of birth', 'NHS number', Postcode, Status, link, href }]. */
async function resultRows(page) {
  return page.evaluate(() => {
    const table = document.querySelector('[aria-labelledby="results"] table');
    if (!table) return [];
    const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...table.querySelectorAll('tbody tr')].map((tr) => {
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim());
      const a = tr.querySelector('a');
      return {
        ...Object.fromEntries(headings.map((h, i) => [h, cells[i] ?? ''])),
        link: a?.textContent.trim() ?? '',
        href: a?.getAttribute('href') ?? '',
      };
    });
  });
}

/** A summary list (the <dl> after the h2 with this text) as { term: description }. */
async function summaryList(page, heading) {
  return page.evaluate((heading) => {
    const h2 = [...document.querySelectorAll('main h2')].find((h) => h.textContent.trim() === heading);
    const dl = h2?.nextElementSibling;
    if (!dl || dl.tagName !== 'DL') return null;
    return Object.fromEntries(
      [...dl.querySelectorAll('dt')].map((dt) => [
        dt.textContent.trim(),
        dt.nextElementSibling?.textContent.replace(/\s+/g, ' ').trim() ?? '',
      ]),
    );
  }, heading);
}

/** The patient banner: { name, facts: { Born, 'NHS number', Status }, flags: [text] }. */
async function banner(page) {
  const section = page.getByRole('region', { name: 'Patient', exact: true });
  assert.equal(await section.count(), 1, 'there should be one patient banner (a region named "Patient")');
  return section.evaluate((s) => ({
    name: s.querySelector('.app-banner__name')?.textContent.replace(/\s+/g, ' ').trim() ?? '',
    facts: Object.fromEntries(
      [...s.querySelectorAll('dt')].map((dt) => [dt.textContent.trim(), dt.nextElementSibling?.textContent.trim() ?? '']),
    ),
    flags: [...s.querySelectorAll('.app-banner__flag')].map((p) => p.textContent.replace(/\s+/g, ' ').trim()),
  }));
}

/** The text of the role="status" notice on the page (the "has been saved" kind), or ''. */
async function notice(page) {
  const status = page.locator('main [role="status"]');
  return (await status.count()) ? (await status.first().innerText()).trim() : '';
}

/** The gender radio with this value (the first one, Female, has the id "gender"; the others "gender-VALUE"). */
function genderRadio(page, value) {
  return page.locator(`input[type="radio"][name="gender"][value="${value}"]`);
}

/** Fill the register / change-details form. Keys are field ids; `gender` is the radio value. */
async function fillPatientForm(page, fields) {
  for (const [field, value] of Object.entries(fields)) {
    if (field === 'gender') await genderRadio(page, value).check();
    else await page.locator(`#${field}`).fill(value);
  }
}

/** Check the register form holds these fields (as given to fillPatientForm). */
async function assertFormHolds(page, fields, when) {
  for (const [field, value] of Object.entries(fields)) {
    if (field === 'gender') assert.ok(await genderRadio(page, value).isChecked(), `${when}: the gender "${value}" should be kept`);
    else assert.equal(await page.locator(`#${field}`).inputValue(), value, `${when}: #${field} should keep "${value}"`);
  }
}

/** A date `days` days before today, as dd/mm/yyyy (the form's format). */
function daysAgo(days) {
  const d = new Date(Date.now() - days * 86_400_000);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

/** "30/04/1990" → "30 April 1990", as the record page writes dates. */
function inWords(ddmmyyyy) {
  const [d, m, y] = ddmmyyyy.split('/').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** "NGUYỄN, Abdi" (a results link) → "Abdi NGUYỄN" (the record's heading). */
function headingFor(resultLink) {
  const comma = resultLink.indexOf(', ');
  return `${resultLink.slice(comma + 2)} ${resultLink.slice(0, comma)}`;
}

/** Check nothing the person typed has leaked into the address bar. */
function assertQueryNotInUrl(page, q) {
  const address = decodeURIComponent(page.url()).toLowerCase();
  assert.ok(!address.includes(q.toLowerCase()), `the search text "${q}" must not be in the address ${page.url()}`);
}

/** Register a patient through the form, expecting no errors and no duplicate warning; returns the record id. */
async function registerPatient(page, fields) {
  await page.goto(url('/staff/patients/new'));
  await fillPatientForm(page, fields);
  const response = await clickAndLoad(page, 'button', 'Register patient');
  const match = RECORD_PATH.exec(pathOf(page));
  assert.ok(
    match,
    `registering ${fields.given_names} ${fields.family_name} should open the new record, but the page is ` +
      `${pathOf(page)} (${response.status()}): ${(await page.locator('main').innerText()).slice(0, 300)}`,
  );
  assert.equal(await notice(page), 'The patient has been registered.');
  return match[1];
}

/** Where a keyboard user's focus is: enough to know whether it is in the results table, and which link. */
function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = el ? getComputedStyle(el) : null;
    return {
      id: el?.id ?? '',
      tag: el?.tagName.toLowerCase() ?? '',
      text: (el?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      href: el?.getAttribute('href') ?? '',
      inResults: !!el?.closest('[aria-labelledby="results"] tbody'),
      // A focus indicator the person can see: the yellow box-shadow, or a real outline.
      indicated:
        !!style &&
        ((style.boxShadow && style.boxShadow !== 'none') ||
          (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 && !/rgba\(.*, 0\)|transparent/.test(style.outlineColor))),
    };
  });
}

/** Press Tab until `wanted(focus)` holds (at most `limit` presses); returns the focus and the path taken. */
async function tabUntil(page, wanted, limit = 25) {
  const path = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focus = await focusInfo(page);
    path.push(focus.id ? `#${focus.id}` : `<${focus.tag}> "${focus.text.slice(0, 30)}"`);
    if (wanted(focus)) return { focus, path };
  }
  return { focus: null, path };
}

test('the receptionist finds patients by a misspelt name and without accents, and nothing typed is in the address', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');

    // From the header, as a receptionist would.
    const nav = page.getByRole('navigation', { name: 'Staff' });
    await loadsPage(page, () => nav.getByRole('link', { name: 'Patients', exact: true }).click());
    assert.equal(pathOf(page), '/staff/patients');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Find a patient');
    assert.equal(await page.locator('#results').count(), 0, 'no results before searching');
    await assertNoAxeViolations(page, 'find a patient');

    // "smth": one letter missing from Smith. Posted (so not in the address), then shown at a plain address.
    let response = await search(page, 'smth');
    assert.equal(response.status(), 200);
    assert.equal(response.request().redirectedFrom()?.method(), 'POST', 'the search should be posted, not put in the address');
    assert.equal(response.request().redirectedFrom()?.url(), url('/staff/patients/search'));
    assert.equal(response.request().method(), 'GET', 'the results should be shown by a GET after the post');
    assert.equal(pathOf(page), RESULTS_PATH);
    assertQueryNotInUrl(page, 'smth');
    assert.equal(await page.locator('#q').inputValue(), 'smth', 'the search box should keep what was typed, to refine it');
    const found = (await page.locator('h2#results').innerText()).trim();
    const total = Number(/^(\d+) patients? found$/.exec(found)?.[1]);
    assert.ok(total > 0, `"smth" should find the Smiths, but the heading says "${found}"`);
    let rows = await resultRows(page);
    assert.ok(rows.length > 0 && rows.length <= 20, `the first page should show 1 to 20 rows, not ${rows.length}`);
    for (const r of rows) {
      assert.match(r.link, /SMITH/, `every result for "smth" should be a Smith, got "${r.link}"`);
      assert.match(r.href, /^\/staff\/patients\/[0-9a-f-]{36}$/, 'each result links to its record');
      assert.match(r['Date of birth'], /^\d{2}\/\d{2}\/\d{4}$/, 'dates of birth are shown as dd/mm/yyyy');
    }
    await assertNoAxeViolations(page, 'results for "smth"');

    // More than one page: plain links that carry only the page number, so the search text stays out of the
    // address; the search box still holds it.
    if (total > rows.length) {
      const pages = page.getByRole('navigation', { name: 'Results pages' });
      assert.match(await pages.innerText(), /Page 1 of \d+/);
      assert.equal(await pages.getByRole('button').count(), 0, 'pagination should be links, not form buttons');
      assert.equal(await pages.getByRole('link', { name: 'Previous page', exact: true }).count(), 0, 'no "Previous page" on page 1');
      const firstPage = rows.map((r) => r.href);
      response = await loadsPage(page, () => pages.getByRole('link', { name: 'Next page', exact: true }).click());
      assert.equal(response.status(), 200);
      assert.equal(response.request().method(), 'GET');
      assert.equal(pathOf(page), RESULTS_PATH);
      assert.equal(pageNumberOf(page), 2);
      assertQueryNotInUrl(page, 'smth');
      assert.equal(await page.locator('#q').inputValue(), 'smth', 'the search box should still hold the search on page 2');
      assert.match(await pages.innerText(), /Page 2 of \d+/);
      assert.equal((await page.locator('h2#results').innerText()).trim(), found, 'page 2 is of the same search');
      rows = await resultRows(page);
      assert.ok(rows.length > 0, 'the second page should have rows');
      assert.ok(rows.every((r) => !firstPage.includes(r.href)), 'the second page should not repeat the first');
      assert.equal(
        await pages.getByRole('link', { name: 'Previous page', exact: true }).getAttribute('href'),
        `${RESULTS_PATH}?page=1`,
      );
      await assertNoAxeViolations(page, 'results for "smth", page 2');

      // Previous page goes back to the first page's rows.
      await loadsPage(page, () => pages.getByRole('link', { name: 'Previous page', exact: true }).click());
      assert.equal(pageNumberOf(page), 1);
      assert.deepEqual((await resultRows(page)).map((r) => r.href), firstPage, '"Previous page" should show page 1 again');
    }

    // "nguyen" finds Nguyễn: accents do not have to be typed.
    response = await search(page, 'nguyen');
    assert.equal(response.status(), 200);
    assert.equal(pathOf(page), RESULTS_PATH);
    assert.equal(pageNumberOf(page), 1, 'a new search starts on page 1');
    assertQueryNotInUrl(page, 'nguyen');
    rows = await resultRows(page);
    assert.ok(rows.length > 0, `"nguyen" should find patients, heading: "${await page.locator('#results').innerText()}"`);
    assert.ok(
      rows.some((r) => r.link.startsWith('NGUYỄN, ')),
      `"nguyen" should find the Nguyễn family; the first rows are ${rows.slice(0, 5).map((r) => r.link).join('; ')}`,
    );
    await assertNoAxeViolations(page, 'results for "nguyen"');

    // Open one: the record is the person in the row.
    const chosen = rows.find((r) => r.link.startsWith('NGUYỄN, ')) ?? rows[0];
    response = await loadsPage(page, () => page.getByRole('link', { name: chosen.link, exact: true }).first().click());
    assert.equal(response.status(), 200);
    assert.equal(pathOf(page), chosen.href);
    assertQueryNotInUrl(page, 'nguyen');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), headingFor(chosen.link));
    const b = await banner(page);
    assert.ok(b.name.startsWith(headingFor(chosen.link)), `the banner "${b.name}" should name ${headingFor(chosen.link)}`);
    assert.match(b.facts.Born, new RegExp(`^${inWords(chosen['Date of birth'])} \\(\\d+ years?\\)$`), 'the banner gives the date of birth and age');
    assert.equal(b.facts['NHS number'], chosen['NHS number'] || 'Not recorded');
    assert.equal(b.facts.Status, chosen.Status);
    await assertNoAxeViolations(page, 'a record opened from the results');
  } finally {
    await page.context().close();
  }
});

test('Back from a record returns to the search results, on the page the record was opened from', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await search(page, 'smth');
    const found = (await page.locator('h2#results').innerText()).trim();
    let rows = await resultRows(page);
    assert.ok(rows.length > 0, `"smth" should find patients, heading: "${found}"`);

    // From page 1.
    const first = rows[0];
    await loadsPage(page, () => page.locator(`[aria-labelledby="results"] a[href="${first.href}"]`).click());
    assert.equal(pathOf(page), first.href);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), headingFor(first.link));
    let back = await page.goBack({ waitUntil: 'load' });
    assert.ok(back, 'Back should load a page');
    assert.equal(back.status(), 200, 'Back should show the results, not an error or a "Confirm form resubmission" page');
    assert.equal(pathOf(page), RESULTS_PATH);
    assertQueryNotInUrl(page, 'smth');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Find a patient');
    assert.equal((await page.locator('h2#results').innerText()).trim(), found, 'Back should show the same results');
    assert.deepEqual((await resultRows(page)).map((r) => r.href), rows.map((r) => r.href), 'the same rows, in the same order');
    assert.equal(await page.locator('#q').inputValue(), 'smth', 'the search box should still hold the search');
    await assertNoAxeViolations(page, 'results after Back from a record');

    // From page 2, Back returns to page 2.
    const nextPage = page.getByRole('navigation', { name: 'Results pages' }).getByRole('link', { name: 'Next page', exact: true });
    if (await nextPage.count()) {
      await loadsPage(page, () => nextPage.click());
      rows = await resultRows(page);
      const onPage2 = rows[rows.length - 1];
      await loadsPage(page, () => page.locator(`[aria-labelledby="results"] a[href="${onPage2.href}"]`).click());
      assert.equal(pathOf(page), onPage2.href);
      back = await page.goBack({ waitUntil: 'load' });
      assert.equal(back?.status(), 200);
      assert.equal(pathOf(page), RESULTS_PATH);
      assert.equal(pageNumberOf(page), 2, 'Back should return to page 2 of the results');
      assert.match(await page.getByRole('navigation', { name: 'Results pages' }).innerText(), /Page 2 of \d+/);
      assert.deepEqual((await resultRows(page)).map((r) => r.href), rows.map((r) => r.href));
    }
  } finally {
    await page.context().close();
  }
});

test('the receptionist fixes a mistake, registers a patient, then confirms a near-duplicate as a different person', async () => {
  const page = await newPage(browser);
  const patient = {
    title: 'Ms',
    given_names: '',
    family_name: 'Quillfeather',
    preferred_name: 'Mari',
    pronouns: 'she/her',
    date_of_birth: '31/04/1990', // April has 30 days
    gender: 'female',
    address_line_1: '12 Harbour Walk',
    address_line_2: 'Flat 3',
    town: 'Bristol',
    postcode: 'bs1 4st',
    email: 'marisol.quillfeather@example.com',
    preferred_language: 'pl',
    interpreter_language: 'pl',
  };
  try {
    await signInOk(page, 'reception');
    await page.goto(url('/staff/patients'));
    await clickAndLoad(page, 'link', 'Register a new patient');
    assert.equal(pathOf(page), '/staff/patients/new');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Register a new patient');
    assert.ok(await page.locator('#gender-unknown').isChecked(), 'gender should start as "Not known"');
    // The first radio carries the field's own id, so an error summary link to #gender lands on a radio.
    const genderIds = await page.locator('input[name="gender"]').evaluateAll((radios) =>
      radios.map((r) => ({ id: r.id, value: r.value, label: r.labels?.[0]?.textContent.trim() ?? '' })),
    );
    assert.deepEqual(
      genderIds,
      [
        { id: 'gender', value: 'female', label: 'Female' },
        { id: 'gender-male', value: 'male', label: 'Male' },
        { id: 'gender-other', value: 'other', label: 'Other' },
        { id: 'gender-unknown', value: 'unknown', label: 'Not known' },
      ],
      'the gender radios, in order, with their ids and labels',
    );
    assert.equal(await page.locator('#gender').count(), 1, 'exactly one element has the id "gender"');
    assert.equal(await page.locator('#preferred_language').inputValue(), 'en', 'preferred language should start as en');
    await assertNoAxeViolations(page, 'register a new patient');

    // First attempt: given names left blank and a date that does not exist.
    await fillPatientForm(page, patient);
    let response = await clickAndLoad(page, 'button', 'Register patient');
    assert.equal(response.status(), 422, 'a form with mistakes should be answered with 422');
    assert.equal(pathOf(page), '/staff/patients/new');
    assert.match(await page.title(), /^Error: /, 'the page title should start with "Error: "');

    const summary = page.locator('.app-error-summary');
    assert.equal(await summary.count(), 1, 'there should be one error summary');
    assert.ok(
      await eventually(page, () => document.activeElement?.matches('.app-error-summary')),
      `the error summary should have focus, but focus is on ${await describeFocus(page)}`,
    );
    const problems = await summary.getByRole('link').evaluateAll((links) =>
      links.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })),
    );
    assert.deepEqual(
      problems.map((p) => p.href),
      ['#given_names', '#date_of_birth'],
      `the summary should list the given names and the date of birth, in form order; it lists ${JSON.stringify(problems)}`,
    );
    for (const { href, text } of problems) {
      const field = page.locator(href);
      assert.ok(text.length > 0, `the summary link to ${href} should say what is wrong`);
      assert.equal(await field.getAttribute('aria-invalid'), 'true', `${href} should be marked invalid`);
      assert.match(await field.getAttribute('aria-describedby') ?? '', new RegExp(`\\b${href.slice(1)}-error\\b`), `${href} should be described by its error`);
      assert.equal(
        (await page.locator(`${href}-error`).innerText()).replace(/^Error:\s*/, ''),
        text,
        `the message beside ${href} should match the summary`,
      );
    }
    assert.match(problems[1].text, /real date/i, 'the date problem should say the date is not a real one');

    // Nothing typed is lost.
    for (const [field, value] of Object.entries(patient)) {
      if (field === 'gender') continue;
      assert.equal(await page.locator(`#${field}`).inputValue(), value, `#${field} should keep "${value}"`);
    }
    assert.ok(await page.locator('#gender').isChecked(), 'the chosen gender (Female, the first radio) should be kept');
    await assertNoAxeViolations(page, 'register a new patient, with errors');

    // The summary link takes the person to the field.
    await summary.getByRole('link', { name: problems[1].text, exact: true }).click();
    assert.ok(
      await eventually(page, () => document.activeElement?.id === 'date_of_birth'),
      `the date of birth link should focus #date_of_birth, but focus is on ${await describeFocus(page)}`,
    );

    // Fix both and register.
    await fillPatientForm(page, { given_names: 'Marisol', date_of_birth: '30/04/1990' });
    response = await clickAndLoad(page, 'button', 'Register patient');
    assert.equal(response.request().redirectedFrom()?.method(), 'POST', 'registering should redirect to the record');
    assert.equal(response.status(), 200);
    const firstId = RECORD_PATH.exec(pathOf(page))?.[1];
    assert.ok(firstId, `registering should open the new record, but the page is ${pathOf(page)}`);
    assert.equal(await notice(page), 'The patient has been registered.');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Marisol QUILLFEATHER');

    const b = await banner(page);
    assert.equal(b.name, 'Marisol QUILLFEATHER (known as Mari)');
    assert.match(b.facts.Born, /^30 April 1990 \(\d+ years\)$/);
    assert.equal(b.facts['NHS number'], 'Not recorded');
    assert.equal(b.facts.Status, 'Registered');
    assert.ok(
      b.flags.some((f) => /Prefers Polish/.test(f) && /interpreter: Polish/.test(f)),
      `the banner should warn that the patient prefers Polish and needs an interpreter; flags: ${JSON.stringify(b.flags)}`,
    );

    const details = await summaryList(page, 'Details');
    assert.ok(details, 'the record should have a Details list');
    assert.deepEqual(
      {
        Title: details.Title,
        'Given names': details['Given names'],
        'Family name': details['Family name'],
        'Preferred name': details['Preferred name'],
        Pronouns: details.Pronouns,
        'Date of birth': details['Date of birth'],
        Gender: details.Gender,
        Registration: details.Registration,
      },
      {
        Title: 'Ms',
        'Given names': 'Marisol',
        'Family name': 'Quillfeather',
        'Preferred name': 'Mari',
        Pronouns: 'she/her',
        'Date of birth': '30 April 1990',
        Gender: 'Female',
        Registration: 'Registered',
      },
    );
    const contact = await summaryList(page, 'Contact');
    assert.ok(contact, 'the record should have a Contact list');
    assert.equal(contact.Address, '12 Harbour Walk, Flat 3, Bristol, BS1 4ST', 'the postcode typed in lower case is tidied');
    assert.equal(contact.Email, 'marisol.quillfeather@example.com');
    assert.equal(contact['Preferred language'], 'Polish (pl)');
    assert.equal(contact.Interpreter, 'Polish (pl)');
    assert.equal(await page.getByRole('link', { name: 'Change details', exact: true }).count(), 1);
    await assertNoAxeViolations(page, 'the new record');

    // A second patient with the same date of birth and a name one letter different: probably the same person.
    const second = {
      given_names: 'Marysol',
      family_name: 'Quillfeather',
      date_of_birth: '30/04/1990',
      gender: 'female',
      address_line_1: '40 Gloucester Road',
      town: 'Bristol',
      postcode: 'BS7 8AA',
    };
    await page.goto(url('/staff/patients/new'));
    await fillPatientForm(page, second);
    response = await clickAndLoad(page, 'button', 'Register patient');
    assert.equal(response.status(), 409, 'a likely duplicate should be answered with 409');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'This patient may already be registered');
    const table = page.getByRole('region', { name: 'Records that may be the same patient' });
    assert.equal(await table.count(), 1, 'the possible duplicates should be listed in a labelled table');
    const existing = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()),
        href: tr.querySelector('a')?.getAttribute('href'),
      })),
    );
    const earlier = existing.find((r) => r.href === `/staff/patients/${firstId}`);
    assert.ok(earlier, `the warning should link to Marisol's record; it lists ${JSON.stringify(existing)}`);
    assert.equal(earlier.cells[0], 'Marisol Quillfeather');
    assert.equal(earlier.cells[1], '30/04/1990', 'the date of birth is shown as dd/mm/yyyy');
    assert.match(earlier.cells[3], /same date of birth and a similar name/);
    for (const r of existing) assert.match(r.cells[1], /^\d{2}\/\d{2}\/\d{4}$/, `dates are dd/mm/yyyy, not "${r.cells[1]}"`);
    assert.equal(await page.getByRole('button', { name: 'Yes, register as a new patient', exact: true }).count(), 1);
    assert.equal(await page.getByRole('link', { name: 'Go back and change the details', exact: true }).count(), 1);
    await assertNoAxeViolations(page, 'possible duplicate warning');

    // Going back to check brings back everything typed, and registering again asks again.
    await clickAndLoad(page, 'link', 'Go back and change the details');
    assert.equal(pathOf(page), '/staff/patients/new');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Register a new patient');
    await assertFormHolds(page, second, 'after "Go back and change the details"');
    await assertNoAxeViolations(page, 'register form after going back from the duplicate warning');
    response = await clickAndLoad(page, 'button', 'Register patient');
    assert.equal(response.status(), 409, 'the same details should be questioned again');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'This patient may already be registered');

    // The receptionist has checked: this is a different person.
    response = await clickAndLoad(page, 'button', 'Yes, register as a new patient');
    assert.equal(response.status(), 200);
    const secondId = RECORD_PATH.exec(pathOf(page))?.[1];
    assert.ok(secondId, `confirming should open the new record, but the page is ${pathOf(page)}`);
    assert.notEqual(secondId, firstId, 'confirming should create a second record, not reuse the first');
    assert.equal(await notice(page), 'The patient has been registered.');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Marysol QUILLFEATHER');
    assert.equal((await summaryList(page, 'Contact')).Address, '40 Gloucester Road, Bristol, BS7 8AA');
    await assertNoAxeViolations(page, 'the record registered after the duplicate warning');

    // Both are now found.
    await search(page, 'quillfeather');
    const names = (await resultRows(page)).map((r) => r.link).sort();
    assert.deepEqual(names, ['QUILLFEATHER, Marisol', 'QUILLFEATHER, Marysol']);
    await assertNoAxeViolations(page, 'results for "quillfeather"');
  } finally {
    await page.context().close();
  }
});

test('an NHS number that is already registered is refused, with no way to register anyway', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await search(page, 'jones');
    const taken = (await resultRows(page)).find((r) => /^999 \d{3} \d{4}$/.test(r['NHS number']));
    assert.ok(taken, 'a Jones with an NHS number should be in the demo');

    const typed = {
      given_names: 'Ottoline',
      family_name: 'Brackenbury',
      date_of_birth: '02/02/1952',
      gender: 'other',
      nhs_number: taken['NHS number'],
      address_line_1: '7 Mill Lane',
      town: 'Bristol',
      postcode: 'BS3 1AA',
    };
    await page.goto(url('/staff/patients/new'));
    await fillPatientForm(page, typed);
    const response = await clickAndLoad(page, 'button', 'Register patient');
    assert.equal(response.status(), 409);
    assert.equal(
      await page.getByRole('heading', { level: 1 }).innerText(),
      'This patient is already registered',
      'a clashing NHS number is not a "may be": the heading should say the patient is already registered',
    );
    assert.match(await page.locator('main').innerText(), new RegExp(`NHS number ${taken['NHS number']} is already registered`));
    const row = page.getByRole('region', { name: 'Records that may be the same patient' }).locator('tbody tr');
    assert.equal(await row.count(), 1, 'the one record with that NHS number should be listed');
    assert.equal(await row.locator('a').getAttribute('href'), taken.href);
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0].toUpperCase(), headingFor(taken.link).toUpperCase(), 'the record listed is the Jones found');
    assert.equal(cells[1], taken['Date of birth'], 'the date of birth is shown as dd/mm/yyyy, as in the results');
    assert.equal(cells[2].trim(), taken['NHS number']);
    assert.match(cells[3], /same NHS number/);
    assert.equal(
      await page.getByRole('button', { name: 'Yes, register as a new patient' }).count(),
      0,
      'a clash of NHS numbers must not be overridable',
    );
    assert.equal(await page.getByRole('link', { name: 'Go back and change the details', exact: true }).count(), 1);
    await assertNoAxeViolations(page, 'duplicate NHS number');

    // Going back brings back what was typed, to correct the NHS number.
    await clickAndLoad(page, 'link', 'Go back and change the details');
    assert.equal(pathOf(page), '/staff/patients/new');
    await assertFormHolds(page, typed, 'after "Go back and change the details"');
  } finally {
    await page.context().close();
  }
});

test('the receptionist changes a postcode with a reason, and the clinician sees who changed it and why', async () => {
  const page = await newPage(browser);
  const clinicianPage = await newPage(browser);
  const reason = 'Moved house, told us at the desk';
  try {
    await signInOk(page, 'reception');
    const id = await registerPatient(page, {
      given_names: 'Tobias',
      family_name: 'Fenwright',
      date_of_birth: '14/02/1975',
      gender: 'male',
      address_line_1: '3 Station Road',
      town: 'Bristol',
      postcode: 'BS1 4ST',
    });
    const record = `/staff/patients/${id}`;
    assert.equal(
      await page.getByRole('link', { name: 'See the history of changes' }).count(),
      0,
      'the receptionist should not be offered the history',
    );

    await clickAndLoad(page, 'link', 'Change details');
    assert.equal(pathOf(page), `${record}/edit`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Change details');
    assert.ok((await banner(page)).name.startsWith('Tobias FENWRIGHT'), 'the banner should say whose details these are');
    assert.equal(await page.locator('#given_names').inputValue(), 'Tobias');
    assert.equal(await page.locator('#date_of_birth').inputValue(), '14/02/1975');
    assert.equal(await page.locator('#postcode').inputValue(), 'BS1 4ST');
    assert.ok(await page.locator('#gender-male').isChecked());
    await assertNoAxeViolations(page, 'change details');

    await fillPatientForm(page, { postcode: 'bs6 5qa', reason });
    const response = await clickAndLoad(page, 'button', 'Save changes');
    assert.equal(response.request().redirectedFrom()?.method(), 'POST', 'saving should redirect to the record');
    assert.equal(pathOf(page), record);
    assert.equal(await notice(page), 'The changes have been saved.');
    const address = (await summaryList(page, 'Contact')).Address;
    assert.equal(address, '3 Station Road, Bristol, BS6 5QA', 'the record should show the new postcode');
    await assertNoAxeViolations(page, 'the record after a change');

    // The history is for clinical and management staff.
    const refused = await page.goto(url(`${record}/history`));
    assert.equal(refused.status(), 403, 'the receptionist should be refused the history');
    assert.equal(await page.getByRole('table').count(), 0);
    await assertNoAxeViolations(page, 'history refused to the receptionist');

    await signInOk(clinicianPage, 'clinician');
    await clinicianPage.goto(url(record));
    await clickAndLoad(clinicianPage, 'link', 'See the history of changes');
    assert.equal(pathOf(clinicianPage), `${record}/history`);
    assert.equal(await clinicianPage.getByRole('heading', { level: 1 }).innerText(), 'History of changes');
    const history = await clinicianPage.getByRole('region', { name: 'Changes, newest first' }).evaluate((region) => {
      const headings = [...region.querySelectorAll('thead th')].map((th) => th.textContent.trim());
      return [...region.querySelectorAll('tbody tr')].map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [headings[i], td.textContent.trim()])),
      );
    });
    const change = history.find((h) => h.What === 'Postcode');
    assert.ok(change, `the history should list the postcode change; it has ${JSON.stringify(history)}`);
    assert.equal(change.Was, 'BS1 4ST');
    assert.equal(change.Now, 'BS6 5QA');
    assert.equal(change.Who, `${DISPLAY_NAMES.reception} (reception)`);
    assert.equal(change.Why, reason);
    assert.match(change['When (UTC)'], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    assert.equal(history.length, 1, `only the postcode changed, but the history has ${JSON.stringify(history)}`);
    await assertNoAxeViolations(clinicianPage, 'history of changes');

    // A change to the given names is labelled as people say it, not as a field name.
    await page.goto(url(`${record}/edit`));
    await fillPatientForm(page, { given_names: 'Tobias James', reason: 'Middle name added at the desk' });
    await clickAndLoad(page, 'button', 'Save changes');
    assert.equal(await notice(page), 'The changes have been saved.');
    await clinicianPage.reload({ waitUntil: 'load' });
    const whats = await clinicianPage
      .getByRole('region', { name: 'Changes, newest first' })
      .locator('tbody tr td:nth-child(2)')
      .allInnerTexts();
    assert.deepEqual(whats, ['Given names', 'Postcode'], 'the history names what changed in words, newest first');
    for (const w of whats) assert.ok(!/_/.test(w), `"${w}" should be a label, not a field name`);
  } finally {
    await page.context().close();
    await clinicianPage.context().close();
  }
});

test('a baby\'s age is given in weeks, then months, and a toddler\'s in years', async () => {
  const page = await newPage(browser);
  const stamp = Date.now().toString(36).replace(/\d/g, (d) => 'abcdefghij'[d]);
  try {
    await signInOk(page, 'reception');
    // 24 days old: 3 weeks whichever side of midnight the server's "today" falls.
    const cases = [
      { days: 24, age: '3 weeks' },
      { days: 7 * 30 + 12, age: '7 months' },
      { days: 3 * 365 + 40, age: '3 years' },
    ];
    for (const [i, { days, age }] of cases.entries()) {
      const born = daysAgo(days);
      await registerPatient(page, {
        given_names: `Baby${'ABC'[i]}`,
        family_name: `Ageworth${stamp}`,
        date_of_birth: born,
        gender: 'unknown',
        address_line_1: `${i + 1} Cradle Row`,
        town: 'Bristol',
        postcode: 'BS2 0AA',
      });
      const b = await banner(page);
      assert.equal(b.facts.Born, `${inWords(born)} (${age})`, `born ${born} (${days} days ago) should be shown as ${age}`);
    }
    await assertNoAxeViolations(page, 'record of a toddler');
  } finally {
    await page.context().close();
  }
});

test('a keyboard-only user can search with Tab and Enter, page through and open a result', async () => {
  const page = await newPage(browser);
  try {
    await signInOk(page, 'reception');
    await page.bringToFront();

    // From the staff home page, Tab to "Patients" in the header.
    await page.locator('body').focus().catch(() => {});
    let { focus, path } = await tabUntil(page, (f) => f.tag === 'a' && f.text === 'Patients', 10);
    assert.ok(focus, `Tab should reach the "Patients" link; focus went ${path.join(' → ')}`);
    assert.ok(focus.indicated, 'the focused "Patients" link should show a focus indicator');
    await loadsPage(page, () => page.keyboard.press('Enter'));
    assert.equal(pathOf(page), '/staff/patients');

    // Skip link, then straight into the search box.
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement?.matches('a.skip-link')), `the first Tab should reach the skip link, not ${await describeFocus(page)}`);
    await page.keyboard.press('Enter');
    assert.ok(await eventually(page, () => document.activeElement?.id === 'main-content'), 'the skip link should move focus to the main content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'q', `Tab after skipping should reach the search box, not ${await describeFocus(page)}`);
    await page.keyboard.type('nguyen');
    const response = await loadsPage(page, () => page.keyboard.press('Enter'));
    assert.equal(response.status(), 200, 'Enter in the search box should search');
    assert.equal(response.request().redirectedFrom()?.method(), 'POST', 'Enter should post the search');
    assert.equal(pathOf(page), RESULTS_PATH);
    assertQueryNotInUrl(page, 'nguyen');
    const rows = await resultRows(page);
    assert.ok(rows.length > 0, 'the keyboard search should find patients');

    // Tab reaches the first result, after the form (a sensible order), with a visible focus indicator.
    ({ focus, path } = await tabUntil(page, (f) => f.inResults && f.tag === 'a', 25));
    assert.ok(focus, `Tab should reach a result link; focus went ${path.join(' → ')}`);
    assert.equal(focus.href, rows[0].href, 'the first result link reached should be the first row');
    assert.ok(path.indexOf('#q') !== -1 && path.indexOf('#q') < path.length - 1, `the search box should come before the results; focus went ${path.join(' → ')}`);
    assert.ok(focus.indicated, 'the focused result link should show a focus indicator');

    // The pagination links are reachable too, and Enter follows them.
    if (await page.getByRole('link', { name: 'Next page', exact: true }).count()) {
      ({ focus, path } = await tabUntil(page, (f) => f.tag === 'a' && f.text === 'Next page', 30));
      assert.ok(focus, `Tab should reach "Next page"; focus went ${path.join(' → ')}`);
      assert.equal(focus.href, `${RESULTS_PATH}?page=2`);
      assert.ok(focus.indicated, 'the focused "Next page" link should show a focus indicator');
      await loadsPage(page, () => page.keyboard.press('Enter'));
      assert.equal(pathOf(page), RESULTS_PATH);
      assert.equal(pageNumberOf(page), 2);
      assert.match(await page.getByRole('navigation', { name: 'Results pages' }).innerText(), /Page 2 of \d+/);
      assertQueryNotInUrl(page, 'nguyen');
      await page.locator('body').focus().catch(() => {});
      ({ focus, path } = await tabUntil(page, (f) => f.inResults && f.tag === 'a', 25));
      assert.ok(focus, `Tab should reach a result link on page 2; focus went ${path.join(' → ')}`);
    }

    // Enter on the focused result opens that record.
    const target = focus;
    await loadsPage(page, () => page.keyboard.press('Enter'));
    assert.equal(pathOf(page), target.href, 'Enter on a result link should open that record');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), headingFor(target.text));
    await assertNoAxeViolations(page, 'record opened by keyboard');
  } finally {
    await page.context().close();
  }
});

test('a clinician breaks the glass on a deregistered patient\'s record and the guardian sees the reason', async () => {
  const page = await newPage(browser);
  const guardianPage = await newPage(browser);
  const reason = `Seen in the minor injuries unit, need allergies before prescribing (e2e ${Date.now()})`;
  try {
    await signInOk(page, 'clinician');

    // A deregistered patient (about 1 in 80 of the demo's): search the demo's family names, page by page,
    // for a row marked "Deregistered". Many names, so a reshuffle of the demo data does not matter.
    const families = [
      'Jones', 'Smith', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Roberts',
      'Johnson', 'Lewis', 'Walker', 'Robinson', 'Wood', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green',
      'Hall', 'Wright', 'Morgan', 'Price', "O'Brien", "O'Connor", 'Khan', 'Hussain', 'Patel', 'Singh', 'Nowak',
      'Wisniewska', 'Mohamed', 'Okafor', 'Adeyemi', 'Nguyen', 'Chen', 'Wang', 'Li', 'Murphy', 'Kelly',
    ];
    let chosen = null;
    const searched = [];
    search: for (const family of families) {
      await search(page, family);
      for (let pageNo = 1; pageNo <= 5; pageNo++) {
        searched.push(`${family} p${pageNo}`);
        chosen = (await resultRows(page)).find((r) => r.Status === 'Deregistered');
        if (chosen) break search;
        if (!(await page.getByRole('link', { name: 'Next page', exact: true }).count())) break;
        await clickAndLoad(page, 'link', 'Next page');
        assert.equal(pageNumberOf(page), pageNo + 1);
      }
    }
    assert.ok(chosen, `no deregistered patient found in ${searched.join(', ')}`);
    await assertNoAxeViolations(page, 'results with a deregistered patient (clinician)');

    // Opening it is refused, with a way through that asks why.
    let response = await loadsPage(page, () => page.locator(`a[href="${chosen.href}"]`).click());
    assert.equal(response.status(), 403, 'a clinician should need to break the glass for a deregistered patient');
    assert.equal(pathOf(page), chosen.href);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'You do not usually have access to this record');
    assert.equal(await page.getByRole('region', { name: 'Patient' }).count(), 0, 'no patient details before the glass is broken');
    assert.ok(!(await page.locator('main').innerText()).includes(headingFor(chosen.link)), 'the patient is not named before the glass is broken');
    assert.equal(await page.getByLabel('Why do you need to open this record?').count(), 1);
    await assertNoAxeViolations(page, 'break-glass form');

    // No reason, no access.
    response = await clickAndLoad(page, 'button', 'Open the record');
    assert.equal(response.status(), 422);
    assert.ok(
      await eventually(page, () => document.activeElement?.matches('.app-error-summary')),
      `the error summary should have focus, but focus is on ${await describeFocus(page)}`,
    );
    assert.equal(await page.locator('.app-error-summary a').getAttribute('href'), '#reason');
    assert.equal(await page.locator('#reason').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByRole('region', { name: 'Patient' }).count(), 0, 'still no patient details');
    await assertNoAxeViolations(page, 'break-glass form without a reason');

    // With a reason: the reason is posted, then the record is shown at its own address.
    await page.locator('#reason').fill(reason);
    response = await clickAndLoad(page, 'button', 'Open the record');
    assert.equal(response.request().redirectedFrom()?.method(), 'POST', 'the reason should be posted, then redirected');
    assert.equal(response.status(), 200);
    assert.equal(pathOf(page), chosen.href, 'the record is shown at its own address');
    const name = headingFor(chosen.link);
    /** The record is open (with the break-glass notice in the banner unless `notice` is false). */
    async function assertOpenedByBreakingGlass(where, { notice = true } = {}) {
      const b = await banner(page);
      assert.ok(b.name.startsWith(name), `${where}: the banner "${b.name}" should name ${name}`);
      assert.equal(b.facts.Status, 'Deregistered', where);
      assert.equal(b.facts['NHS number'], chosen['NHS number'] || 'Not recorded', where);
      if (notice) {
        assert.ok(
          b.flags.some((f) => f.startsWith('You opened this record outside your usual access')),
          `${where}: the banner should say the glass was broken; flags: ${JSON.stringify(b.flags)}`,
        );
      }
      assert.equal(await page.getByLabel('Why do you need to open this record?').count(), 0, `${where}: no reason asked for again`);
    }
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), name);
    await assertOpenedByBreakingGlass('after giving the reason');
    assert.match(
      (await summaryList(page, 'Details')).Registration,
      /^Deregistered on \d{1,2} [A-Z][a-z]+ \d{4}(: .+)?$/,
      'the record says when (and why, if known) the patient was deregistered',
    );
    await assertNoAxeViolations(page, 'record opened by breaking the glass');

    // The Caldicott guardian has it to review: who, which patient (by name), and the reason as given.
    await signInOk(guardianPage, 'guardian');
    const nav = guardianPage.getByRole('navigation', { name: 'Staff' });
    await loadsPage(guardianPage, () => nav.getByRole('link', { name: 'Break-glass reviews', exact: true }).click());
    assert.equal(pathOf(guardianPage), '/staff/audit/break-glass');
    const cards = guardianPage.locator('section.app-card').filter({ hasText: reason });
    // Every look is audited: checking the reason and then showing the record each count as one.
    const afterOpening = await cards.count();
    assert.ok(afterOpening >= 1, 'the break-glass review page should list the clinician\'s reason');
    /** Each card for this reason names the clinician and the patient, and gives the reason once, as typed. */
    async function assertCardsDescribeTheLook() {
      for (const card of await cards.all()) {
        assert.match(await card.getByRole('heading', { level: 2 }).innerText(), new RegExp(DISPLAY_NAMES.clinician));
        const text = await card.innerText();
        assert.ok(text.includes(`patient ${name}`), `the review should name the patient ("patient ${name}"): ${text}`);
        assert.ok(!/patient\/[0-9a-f-]{36}/.test(text), `the review should name the patient, not a record id: ${text}`);
        const reasons = await card.locator('p').filter({ hasText: /^Reason given:/ }).allInnerTexts();
        assert.deepEqual(reasons, [`Reason given: ${reason}`], 'the reason is given once, exactly as typed, with no repeated prefix');
        assert.equal(await card.getByLabel('Your review').count(), 1, 'the guardian can record a review');
      }
    }
    await assertCardsDescribeTheLook();
    await assertNoAxeViolations(guardianPage, 'break-glass reviews with the new event');

    // The reason covers this record for a while: reload, "Change details" and the history open without
    // asking again.
    response = await page.reload({ waitUntil: 'load' });
    assert.equal(response.status(), 200, 'reloading the record should not ask for a reason again');
    await assertOpenedByBreakingGlass('after reloading');

    response = await clickAndLoad(page, 'link', 'Change details');
    assert.equal(response.status(), 200, '"Change details" should open without asking for a reason again');
    assert.equal(pathOf(page), `${chosen.href}/edit`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Change details');
    await assertOpenedByBreakingGlass('on "Change details"');
    await assertNoAxeViolations(page, 'change details after breaking the glass');
    await clickAndLoad(page, 'link', 'Cancel');
    assert.equal(pathOf(page), chosen.href);

    response = await clickAndLoad(page, 'link', 'See the history of changes');
    assert.equal(response.status(), 200, 'the history should open without asking for a reason again');
    assert.equal(pathOf(page), `${chosen.href}/history`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'History of changes');
    // (The history page's banner does not repeat the break-glass notice; only that the record is open is checked.)
    await assertOpenedByBreakingGlass('on the history', { notice: false });
    await assertNoAxeViolations(page, 'history after breaking the glass');

    // Each of those looks is still audited under the same reason: reload, "Change details", "Cancel"
    // (the record again) and the history.
    await guardianPage.reload({ waitUntil: 'load' });
    assert.equal(await cards.count(), afterOpening + 4, 'each further look should be audited with the reason');
    await assertCardsDescribeTheLook();

    // The reason belongs to this clinician's session: signed in afresh, they are asked again.
    const freshPage = await newPage(browser);
    try {
      await signInOk(freshPage, 'clinician');
      response = await freshPage.goto(url(chosen.href));
      assert.equal(response.status(), 403, 'a new session should have to give its own reason');
      assert.equal(await freshPage.getByLabel('Why do you need to open this record?').count(), 1);
    } finally {
      await freshPage.context().close();
    }
  } finally {
    await page.context().close();
    await guardianPage.context().close();
  }
});
