// The pages patients reach from the links in their messages, end to end on the demo server: reception
// books a patient who reads Urdu, the outbox sends the confirmation to the demo's mail catcher
// (/staff/dev/mail), and the patient follows its cancel link in a browser with JavaScript switched off:
// the page is in Urdu, right to left, asks before acting, and the button cancels. An English-speaking
// patient booked two days ahead gets a reminder within a minute or two, with a confirm link: they confirm,
// see the cancel page, and a tampered link gets a clear page. Every state of every page is checked with
// axe-core (in a second, JavaScript-enabled browser context on the same address: opening a link never
// acts), and so is the mail catcher page, with an email's HTML version open.
//
// Other test files use the same demo server, so this one makes its own practitioners, service, sessions
// and patients.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import {
  launchBrowser,
  newPage,
  url,
  pathOf,
  assertNoAxeViolations,
  signInOk,
  formatViolations,
  BASE_URL,
  WCAG_TAGS,
} from './helpers.mjs';

let browser;
/** The practice manager's signed-in page, and the JSON API through its session. */
let manager;
let managerApi;
/** Reception's signed-in page (reads the caught mail), and the JSON API through its session. */
let desk;
let deskApi;
let site;
let service;
/** Two practitioners who deliver the service: one for bookings days ahead, one for the reminder test. */
let linksGp;
let reminderGp;
const stamp = Date.now().toString(36);

/** The JSON API with a signed-in session (changes carry the page's CSRF token). */
async function apiOf(page) {
  const csrf = await page.locator('input[name="csrf_token"]').first().inputValue();
  const call = async (method, path, data) => {
    const response = await page.request.fetch(url(path), {
      method,
      headers: { 'X-CSRF-Token': csrf, ...(data ? { 'Content-Type': 'application/json' } : {}) },
      data: data ? JSON.stringify(data) : undefined,
    });
    const text = await response.text();
    return { status: response.status(), body: text ? JSON.parse(text) : null };
  };
  return {
    get: async (path) => {
      const res = await call('GET', path);
      assert.equal(res.status, 200, `GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    post: async (path, data) => {
      const res = await call('POST', path, data);
      assert.ok([200, 201].includes(res.status), `POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
}

/** An instant in London: ISO date, weekday name (`monday` …) and `HH:MM`. */
function london(instant) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: parts.weekday.toLowerCase(),
    time: `${parts.hour}:${parts.minute}`,
  };
}

/** Letters only, so the name passes the registry's checks and no other test has it. */
function randomLetters(n) {
  const a = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from({ length: n }, () => a[Math.floor(Math.random() * a.length)]).join('');
}

const DAY = 24 * 3600 * 1000;

/** Sessions for `practitioner` (who delivers the test's service), `starts`–`ends` on the given days. */
async function sessions(practitioner, weekdays, starts, ends, validFrom) {
  for (const weekday of weekdays) {
    await managerApi.post('/api/v1/rota-sessions', {
      practitioner_id: practitioner.id,
      site_id: site.id,
      weekday,
      starts,
      ends,
      valid_from: validFrom,
      opens_on_bank_holidays: true,
      services: [service.id],
    });
  }
}

/** Register a patient who gets messages by email only; returns the patient and their address. */
async function patient(language) {
  const given = `Link${randomLetters(6)}`;
  const email = `${given.toLowerCase()}@example.org`;
  const body = { given_names: given, family_name: 'Linktest', date_of_birth: '1975-04-03', email };
  if (language) body.preferred_language = language;
  const p = await deskApi.post('/api/v1/patients?confirm_possible_duplicate=true', body);
  return { id: p.id, given, email };
}

/** Book the first free time on `date` with `practitioner`, or at exactly `start` when given. */
async function book(who, practitionerId, date, start) {
  const slots = await deskApi.get(
    `/api/v1/slots?service=${service.id}&practitioner=${practitionerId}&from=${date}&to=${date}&limit=50`,
  );
  const slot = start ? slots.find((s) => Date.parse(s.start) === start.getTime()) : slots[0];
  assert.ok(slot, `a free time on ${date}${start ? ` at ${start.toISOString()}` : ''}: ${JSON.stringify(slots)}`);
  return deskApi.post('/api/v1/appointments', {
    patient_id: who.id,
    service_id: service.id,
    practitioner_id: practitionerId,
    start: slot.start,
  });
}

/**
 * Wait until the mail catcher holds an email to `to` whose subject matches `subject`; returns the hrefs of
 * the links in its text. The demo's outbox worker looks every few seconds.
 */
async function caughtMail(to, subject, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await desk.goto(url('/staff/dev/mail'));
    const mail = desk.locator('section.app-mail', { has: desk.locator('dd', { hasText: to }) }).filter({
      has: desk.locator('h2', { hasText: subject }),
    });
    if ((await mail.count()) > 0) {
      const first = mail.first();
      const links = await first.locator('.app-message-text a').evaluateAll((as) => as.map((a) => a.href));
      return { section: first, links };
    }
    assert.ok(Date.now() < deadline, `no email to ${to} with subject ${subject} after ${timeoutMs / 1000} s`);
    await desk.waitForTimeout(2000);
  }
}

/** A patient's browser with JavaScript switched off, and a second context to run axe-core in. */
async function patientBrowsers() {
  const noScript = await browser.newContext({
    javaScriptEnabled: false,
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    viewport: { width: 390, height: 844 },
  });
  noScript.setDefaultTimeout(10_000);
  return { patient: await noScript.newPage(), checker: await newPage(browser) };
}

/** Open `href` in the axe context too (opening a link changes nothing) and check it. */
async function axeAt(checker, href, label) {
  const res = await checker.goto(href);
  assert.ok(res.status() === 200 || res.status() === 404, `${label}: ${res.status()}`);
  await assertNoAxeViolations(checker, label);
}

/**
 * axe-core on the mail catcher page. An email's HTML version is in a frame sandboxed with no permissions
 * at all, so axe cannot run inside it (and would wait for it): the frames are left out, after checking
 * they are sandboxed. What is inside them is the email document the template pages serve on their own,
 * which messages.test.mjs checks with axe.
 */
async function assertMailPageAccessible(page, label) {
  for (const sandbox of await page.locator('main iframe').evaluateAll((fs) => fs.map((f) => f.getAttribute('sandbox')))) {
    assert.equal(sandbox, '', 'every frame on the mail page is fully sandboxed');
  }
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).exclude('iframe[sandbox=""]').analyze();
  assert.equal(
    results.violations.length,
    0,
    `axe-core found ${results.violations.length} accessibility violation(s) on ${label}:\n` +
      formatViolations(results.violations),
  );
}

/** Press a button that posts a form; resolves when the page it redirects to has loaded. */
async function press(page, name) {
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name, exact: true }).click()]);
}

async function h1(page) {
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim();
}

before(async () => {
  browser = await launchBrowser();
  manager = await newPage(browser);
  await signInOk(manager, 'manager');
  managerApi = await apiOf(manager);
  desk = await newPage(browser);
  await signInOk(desk, 'reception');
  deskApi = await apiOf(desk);
  const sites = await managerApi.get('/api/v1/sites');
  site = sites.find((s) => s.name.startsWith('Riverside')) ?? sites[0];
  linksGp = await managerApi.post('/api/v1/practitioners', { display_name: `Dr Links ${stamp}`, profession: 'GP' });
  reminderGp = await managerApi.post('/api/v1/practitioners', { display_name: `Dr Reminder ${stamp}`, profession: 'GP' });
  service = await managerApi.post('/api/v1/services', {
    name: `Link check ${stamp}`,
    duration_minutes: 10,
    mode: 'face_to_face',
    max_days_ahead: 60,
    practitioners: [linksGp.id, reminderGp.id],
  });
});

after(async () => {
  await browser?.close();
});

test('a patient who reads Urdu cancels from the link in their email, right to left, with no JavaScript', async () => {
  const today = london(new Date()).date;
  const week = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  await sessions(linksGp, week, '09:00', '12:00', today);
  const amina = await patient('ur');
  await book(amina, linksGp.id, london(new Date(Date.now() + 4 * DAY)).date);

  // The confirmation, in Urdu, caught by the demo; its cancel link is a link.
  const { section, links } = await caughtMail(amina.email, 'آپ کی اپائنٹمنٹ طے ہو گئی ہے');
  assert.equal(await section.locator('.app-message-text').getAttribute('dir'), 'rtl');
  const cancel = links.find((l) => new URL(l).pathname.startsWith('/l/'));
  assert.ok(cancel, `a cancel link in ${JSON.stringify(links)}`);
  assert.equal(new URL(cancel).origin, BASE_URL, 'the demo links to itself');
  assert.match(new URL(cancel).pathname, /^\/l\/[A-Za-z0-9_-]{34}$/, 'no patient data in the link');

  // The mail page passes axe with the email's HTML version open; the HTML is in a sandboxed frame.
  await section.locator('summary').click();
  const frame = section.locator('iframe');
  assert.equal(await frame.getAttribute('sandbox'), '');
  assert.equal(await frame.isVisible(), true);
  const inside = section.frameLocator('iframe');
  assert.equal(await inside.locator('h1').innerText(), 'آپ کی اپائنٹمنٹ طے ہو گئی ہے', 'the frame shows the email');
  assert.equal(await inside.locator('html').getAttribute('dir'), 'rtl');
  await assertMailPageAccessible(desk, 'mail catcher with an HTML version open');

  const { patient: page, checker } = await patientBrowsers();
  try {
    // Opening the link asks, in Urdu, right to left; it names no patient.
    const res = await page.goto(cancel);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['cache-control'], 'no-store');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ur');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await page.locator('main').evaluate((el) => getComputedStyle(el).direction), 'rtl');
    assert.equal(await h1(page), 'اپنی اپائنٹمنٹ منسوخ کریں؟');
    assert.equal((await page.locator('.skip-link').innerText()).trim(), 'مرکزی مواد پر جائیں');
    const width = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(width[0] <= width[1], `no sideways scrolling on a phone, right to left (${width[0]} > ${width[1]})`);
    const text = await page.locator('main').innerText();
    assert.ok(!text.includes(amina.given) && !text.includes('Linktest'), 'no name on a link page');
    assert.match(text, /\u2066[0-9 ]+\u2069/, 'the phone number is kept left to right');
    await axeAt(checker, cancel, 'Urdu cancel page (asks)');

    // The button cancels (a plain form post: no JavaScript here) and the page says so.
    await press(page, 'جی ہاں، میری اپائنٹمنٹ منسوخ کریں');
    assert.equal(page.url(), cancel, 'back on the same address after the post');
    assert.equal(await h1(page), 'آپ کی اپائنٹمنٹ منسوخ ہو گئی ہے');
    assert.equal(await page.locator('form[method="post"]').count(), 0, 'nothing left to press');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    await axeAt(checker, cancel, 'Urdu cancel page (cancelled)');

    // The patient is told by email, in Urdu.
    await caughtMail(amina.email, 'آپ کی اپائنٹمنٹ منسوخ ہو گئی ہے');
  } finally {
    await page.context().close();
    await checker.context().close();
  }
});

test('an English reminder’s confirm link, the cancel page and a tampered link', async (t) => {
  // A session starting just over two days from now: the two-day reminder is due within two minutes.
  const start = new Date(Math.ceil((Date.now() + 2 * DAY + 75_000) / 60_000) * 60_000);
  const at = london(start);
  const end = london(new Date(start.getTime() + 10 * 60_000));
  if (end.date !== at.date) {
    t.skip('too close to midnight in London to fit the session into one day');
    return;
  }
  await sessions(reminderGp, [at.weekday], at.time, end.time, at.date);
  const ben = await patient(null);
  await book(ben, reminderGp.id, at.date, start);

  const confirmation = await caughtMail(ben.email, 'Your appointment is booked');
  const cancel = confirmation.links.find((l) => new URL(l).pathname.startsWith('/l/'));
  assert.ok(cancel, `a cancel link in ${JSON.stringify(confirmation.links)}`);

  const { patient: page, checker } = await patientBrowsers();
  try {
    // The cancel page in English, left to right; it asks and offers a way to keep the appointment.
    await page.goto(cancel);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('html').getAttribute('dir'), 'ltr');
    assert.equal(await h1(page), 'Cancel your appointment?');
    assert.match(await page.locator('main').innerText(), /To keep your appointment, you do not need to do anything\./);
    await axeAt(checker, cancel, 'English cancel page (asks)');

    // A tampered link: a clear page, nothing changed.
    const token = new URL(cancel).pathname.slice(3);
    const tampered = url(`/l/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    const bad = await page.goto(tampered);
    assert.equal(bad.status(), 404);
    assert.equal(await h1(page), 'This link does not work');
    await axeAt(checker, tampered, 'tampered link page');

    // The reminder carries the confirm link as well as the cancel link.
    const reminder = await caughtMail(ben.email, /^Reminder: your appointment on/, 180_000);
    const confirm = reminder.links.find((l) => new URL(l).pathname.startsWith('/l/') && l !== cancel);
    assert.ok(confirm, `a confirm link in ${JSON.stringify(reminder.links)}`);
    assert.ok(reminder.links.includes(cancel), 'the same cancel link');

    await page.goto(confirm);
    assert.equal(await h1(page), 'Tell us you will come');
    const cancelLink = page.getByRole('link', { name: 'Cancel your appointment', exact: true });
    assert.equal(await cancelLink.getAttribute('href'), new URL(cancel).pathname, 'the way to cancel instead');
    await axeAt(checker, confirm, 'confirm page (asks)');

    await press(page, 'Yes, I will come');
    assert.equal(page.url(), confirm);
    assert.equal(await h1(page), 'Thank you');
    assert.match(await page.locator('main').innerText(), /You have told us you will come\./);
    assert.equal(await page.locator('.app-inset--success').count(), 1);
    assert.equal(await page.locator('form[method="post"]').count(), 0, 'nothing left to press');
    await axeAt(checker, confirm, 'confirm page (confirmed)');

    // The appointment is still booked: the cancel page still asks.
    await page.goto(cancel);
    assert.equal(await h1(page), 'Cancel your appointment?');
  } finally {
    await page.context().close();
    await checker.context().close();
  }
});

test('the mail catcher page is for signed-in staff and passes axe', async () => {
  const page = await newPage(browser);
  try {
    await page.goto(url('/staff/dev/mail'));
    assert.equal(pathOf(page), '/staff/login', 'strangers are sent to sign in');
    await signInOk(page, 'reception');
    await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Messages', exact: true }).click()]);
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('link', { name: 'Mail caught by the demo', exact: true }).click(),
    ]);
    assert.equal(pathOf(page), '/staff/dev/mail');
    assert.equal(await h1(page), 'Mail caught by the demo');
    assert.ok((await page.locator('section.app-mail').count()) > 0, 'the mail of the tests above is there');
    await assertMailPageAccessible(page, 'mail catcher');
  } finally {
    await page.context().close();
  }
});
