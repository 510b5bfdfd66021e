// The waiting-room screen, as a practice uses it: the practice manager makes the screen's secret address
// on the site settings page, a TV (not signed in) opens it, and when reception calls a checked-in patient
// the screen shows their ticket number and where to go within seconds, without reloading, and never the
// patient's name. A wrong key is a plain "Page not found". Every page is checked with axe-core.

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

/** Today in London: the ISO date and the weekday's name (`monday` …). */
function londonToday() {
  const now = new Date();
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now);
  const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long' })
    .format(now)
    .toLowerCase();
  return { date, weekday };
}

/** The JSON API with the signed-in session (changes carry the page's CSRF token). */
function apiOf(page, csrf) {
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
    get: (path) => call('GET', path),
    post: async (path, data, expected = [200, 201]) => {
      const res = await call('POST', path, data);
      assert.ok(expected.includes(res.status), `POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
}

test('a called patient appears on the waiting-room TV live, by ticket number, never by name', async (t) => {
  const staff = await newPage(browser);
  const tv = await newPage(browser);
  try {
    await signInOk(staff, 'manager');
    const csrf = await staff.locator('input[name="csrf_token"]').first().inputValue();
    const api = apiOf(staff, csrf);
    const sites = await api.get('/api/v1/sites');
    assert.equal(sites.status, 200);
    const site = sites.body.find((s) => s.name.startsWith('Riverside')) ?? sites.body[0];

    // The manager makes the screen's address on the site's settings page; it is shown once.
    await staff.goto(url(`/staff/sites/${site.id}/settings`));
    assert.match(await staff.getByRole('heading', { level: 1 }).innerText(), /reception settings/);
    await assertNoAxeViolations(staff, 'site settings page');
    await Promise.all([
      staff.waitForEvent('load'),
      staff.getByRole('button', { name: /screen address/ }).click(),
    ]);
    const link = await staff.locator('#display-link').getAttribute('href');
    assert.match(link, new RegExp(`^(https?://[^/]+)?/display/${site.id}/[A-Za-z0-9_-]{43}$`));
    await assertNoAxeViolations(staff, 'site settings page with the new address');

    // A wrong key is a plain 404 page.
    const wrong = await tv.goto(url(`/display/${site.id}/not-the-key`));
    assert.equal(wrong.status(), 404);

    // The TV opens the screen.
    const screen = await tv.goto(link.startsWith('http') ? link : url(link));
    assert.equal(screen.status(), 200);
    assert.equal(await tv.getByRole('heading', { level: 1 }).innerText(), site.name);
    await assertNoAxeViolations(tv, 'waiting-room screen');
    assert.equal(await tv.locator('noscript').count(), 1, 'a refresh fallback for TVs without JavaScript');

    // A clinic today for a new clinician, a patient booked into it and checked in at the desk.
    const { date, weekday } = londonToday();
    const stamp = Date.now().toString(36);
    const clinician = await api.post('/api/v1/practitioners', { display_name: `Dr Screen ${stamp}`, profession: 'GP' });
    const service = await api.post('/api/v1/services', {
      name: `Screen check ${stamp}`,
      duration_minutes: 5,
      mode: 'face_to_face',
      practitioners: [clinician.id],
    });
    await api.post('/api/v1/rota-sessions', {
      practitioner_id: clinician.id,
      site_id: site.id,
      weekday,
      starts: '00:00',
      ends: '23:59',
      valid_from: date,
      opens_on_bank_holidays: true,
      services: [service.id],
    });
    const slots = await api.get(
      `/api/v1/slots?service=${service.id}&practitioner=${clinician.id}&from=${date}&to=${date}&limit=1`,
    );
    assert.equal(slots.status, 200, JSON.stringify(slots.body));
    if (slots.body.length === 0) {
      t.skip('no time left today in London to book into');
      return;
    }
    const patient = await api.post('/api/v1/patients?confirm_possible_duplicate=true', {
      given_names: 'Zebedee',
      family_name: 'Screentest',
      date_of_birth: '1970-05-05',
    });
    const appointment = await api.post('/api/v1/appointments', {
      patient_id: patient.id,
      service_id: service.id,
      practitioner_id: clinician.id,
      start: slots.body[0].start,
    });
    await api.post(`/api/v1/appointments/${appointment.id}/check-in`);

    // The screen is live: mark this page load, call the patient, and wait for the screen to change.
    await tv.evaluate(() => {
      window.__sameLoad = true;
    });
    await tv.waitForTimeout(2500); // the live stream is open and has sent the state once
    await api.post(`/api/v1/appointments/${appointment.id}/call`);
    await tv.waitForFunction(
      (who) => {
        const latest = document.querySelector('.display__call--latest');
        return latest !== null && latest.textContent.includes(who);
      },
      `Dr Screen ${stamp}`,
      { timeout: 10_000 },
    );
    const latest = (await tv.locator('.display__call--latest').innerText()).replace(/\s+/g, ' ');
    assert.match(latest, /^Ticket \d+ please go to Dr Screen/, latest);
    assert.equal(await tv.evaluate(() => window.__sameLoad === true), true, 'updated live, not by reloading');
    const text = await tv.locator('body').innerText();
    assert.ok(!text.includes('Zebedee') && !text.includes('Screentest'), 'the screen never names the patient');
    assert.ok(text.includes(`Dr Screen ${stamp}`), 'the clinician is listed with their delay');
    assert.equal(pathOf(tv).startsWith(`/display/${site.id}/`), true);
    await assertNoAxeViolations(tv, 'waiting-room screen after a call');

    await api.post(`/api/v1/appointments/${appointment.id}/finish`);
  } finally {
    await staff.context().close();
    await tv.context().close();
  }
});
