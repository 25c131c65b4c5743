// The relay page in Chromium (playwright-core), as an end user on a phone
// uses it: number, code from the SMS log, certificate. Run by
// test_relay.sh with the harness's environment (IDP_PORT, IDP_SMS_LOG,
// IDP_TOP). Prints TAP lines numbered from TAP_START + 1. Screenshots go
// to tests/artifacts/relay-*.png, the result page at a phone viewport
// (390x844) too; with RELAY_DOCS=1 that one also replaces the README's
// docs/relay-result.png (each run's differs: dates), so that test runs do
// not dirty the tree.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const { top, ok, smsFor, waitSms, text, submit, run } = require('./relay_page');

const base = `https://localhost:${process.env.IDP_PORT}/relay`;
const artifacts = path.join(top, 'tests/artifacts');
const docs = path.join(top, 'docs');
const TN = '12025550123';
const phone = { width: 390, height: 844 };

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `relay-${name}.png`), fullPage: true });
}

async function xss(browser) {
  // JavaScript on here, to see that nothing runs.
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: phone });
  const page = await ctx.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await page.fill('#tn', '<script>alert(1)</script>');
  await submit(page, 'button:has-text("Send the code")');
  await shot(page, '2-xss');
  const alert = await text(page, '[role=alert]');
  ok(/not a phone number/.test(alert), 'XSS in the number: a clear error', alert);
  ok(dialogs.length === 0, 'XSS in the number: no dialog opened', dialogs.join(', '));
  const html = await page.content();
  ok(!html.includes('<script>alert(1)') && !html.includes('alert(1)'),
    'XSS in the number: the input is not echoed');
  const scripts = await page.evaluate(() => document.scripts.length);
  ok(scripts === 0, 'the page has no script at all', scripts);
  ok(errors.length === 0, 'no page errors', errors.join(', '));
  ok((await page.title()).includes('confirm your phone number'), 'still on the number step');
  await ctx.close();
}

async function enrol(browser) {
  // JavaScript off: the page must work with plain forms.
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true, javaScriptEnabled: false, viewport: phone,
    isMobile: true, hasTouch: true, acceptDownloads: true,
  });
  const page = await ctx.newPage();
  const resp = await page.goto(base);
  const h = resp.headers();
  ok(resp.status() === 200, 'the number step answers 200', resp.status());
  ok(/default-src 'self'/.test(h['content-security-policy'] || ''), 'CSP on the page',
    h['content-security-policy']);
  ok(/^max-age=\d+/.test(h['strict-transport-security'] || ''), 'HSTS on the page',
    h['strict-transport-security']);
  const sessionCookie = async () => (await ctx.cookies()).find((c) => c.name === '__Host-idp_relay');
  const cookie = await sessionCookie();
  ok(cookie && cookie.httpOnly && cookie.secure && cookie.sameSite === 'Strict' &&
    cookie.path === '/' && !cookie.domain.startsWith('.'),
  'the browser holds a __Host- cookie: HttpOnly, Secure, SameSite=Strict, Path=/',
  JSON.stringify(cookie));
  ok(await page.$('input#tn[type=tel][autocomplete=tel]') !== null, 'a telephone input for the number');
  await shot(page, '1-number');

  // The number: an SMS goes out, the code step shows.
  const before = smsFor(TN).count;
  await page.fill('#tn', '+1 202 555 0123');
  await submit(page, 'button:has-text("Send the code")');
  await shot(page, '3-code');
  ok((await text(page, 'h1')) === 'Enter the code', 'the code step follows', await text(page, 'h1'));
  ok((await text(page, 'main strong.tn')) === `+${TN}`, 'it names the number');
  const input = await page.$('input#code[autocomplete="one-time-code"][inputmode=numeric][pattern]');
  ok(input !== null, 'the code input has one-time-code autofill, a numeric keyboard and a pattern');
  const sms = await waitSms(TN, before + 1);
  ok(sms.count === before + 1 && sms.code !== null, 'one SMS with a six-digit code reached the log',
    JSON.stringify(sms));

  // A resend at once: the interval is 60 s, the page says to wait.
  await submit(page, 'button:has-text("Send a new code")');
  await shot(page, '4-resend-wait');
  const wait = await text(page, '[role=alert]');
  ok(/wait \d+ seconds? before asking for a new one/.test(wait), 'an early resend says how long to wait', wait);
  ok(smsFor(TN).count === before + 1, 'an early resend sends no SMS');

  // A wrong code (typed with a space): the tries left.
  const wrong = String((Number(sms.code) + 1) % 1000000).padStart(6, '0');
  await page.fill('#code', `${wrong.slice(0, 3)} ${wrong.slice(3)}`);
  await submit(page, 'button:has-text("Confirm")');
  await shot(page, '5-wrong-code');
  const bad = await text(page, '[role=alert]');
  ok(/not right\. You have 4 tries left\./.test(bad), 'a wrong code: the tries left', bad);
  ok((await text(page, 'h1')) === 'Enter the code', 'a wrong code: still on the code step');

  // The right code: the certificate, under a new session id.
  const codeCookie = await sessionCookie();
  await page.fill('#code', sms.code);
  await submit(page, 'button:has-text("Confirm")');
  await shot(page, '6-result');
  ok((await text(page, 'h1')) === 'Your number is confirmed', 'the result step follows',
    await text(page, 'main'));
  ok((await text(page, '#cert-tn')) === `+${TN}`, 'the result shows the number', await text(page, '#cert-tn'));
  const doneCookie = await sessionCookie();
  ok(codeCookie && doneCookie && doneCookie.value !== codeCookie.value,
    'the session id is new after the code step');
  ok((await text(page, '#cert-subject')) === `CN=${TN}`, 'the result shows the subject',
    await text(page, '#cert-subject'));
  const expiry = await text(page, '#cert-expiry');
  const days = (Date.parse(expiry.replace(',', '')) - Date.now()) / 86400e3;
  ok(/^\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC$/.test(expiry) && days > 25 && days < 35,
    'the result shows the expiry, about 30 days ahead', expiry);
  // Renew after: the start of the renewal window (RFC 9773), in the last
  // third of the lifetime.
  const renew = await text(page, '#cert-renew');
  const rdays = (Date.parse(renew.replace(',', '')) - Date.now()) / 86400e3;
  ok(/^\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC$/.test(renew) && rdays > 18 && rdays < days,
    'the result shows "renew after", in the last third before the expiry', renew);

  // The download link.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#chain')]);
  ok(dl.suggestedFilename() === `${TN}.pem`, 'the chain downloads as a file', dl.suggestedFilename());
  const pem = fs.readFileSync(await dl.path(), 'utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) || [];
  ok(blocks.length === 2, 'the chain holds the certificate and its issuer', blocks.length);
  if (blocks.length === 2) {
    const leaf = new crypto.X509Certificate(blocks[0]);
    const ca = new crypto.X509Certificate(blocks[1]);
    ok(leaf.subject === `CN=${TN}` && leaf.checkIssued(ca) && leaf.verify(ca.publicKey),
      'the downloaded certificate is for the number and signed by its issuer', leaf.subject);
    ok(Math.abs(Date.parse(leaf.validTo) - Date.parse(expiry.replace(',', ''))) < 60000,
      'the page shows the certificate\'s own expiry', `${leaf.validTo} / ${expiry}`);
  }

  // The result stays on reload, without the messages of before.
  await page.reload();
  ok((await text(page, '#cert-tn')) === `+${TN}` && (await page.$('[role=alert]')) === null,
    'the result stays on reload');

  // The result at a phone viewport, for the README.
  const phoneShot = path.join(artifacts, 'relay-result-phone.png');
  const state = await ctx.storageState();
  const docCtx = await browser.newContext({
    ignoreHTTPSErrors: true, javaScriptEnabled: false, viewport: phone,
    deviceScaleFactor: 2, isMobile: true, storageState: state,
  });
  const docPage = await docCtx.newPage();
  await docPage.goto(base);
  await docPage.screenshot({ path: phoneShot });
  ok(fs.statSync(phoneShot).size > 0, 'the result at a phone viewport');
  if (process.env.RELAY_DOCS === '1') fs.copyFileSync(phoneShot, path.join(docs, 'relay-result.png'));
  await docCtx.close();

  // Another number after a restart: the number step again.
  await submit(page, 'button:has-text("Confirm another number")');
  ok((await text(page, 'h1')) === 'Confirm your phone number', 'restart leads back to the number step');
  await ctx.close();
}

run('the browser test ran to its end', [xss, enrol]);
