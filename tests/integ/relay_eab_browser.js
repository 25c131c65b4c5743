// One enrolment through the relay page in Chromium (playwright-core),
// with JavaScript off as the page requires: the number, the code from the
// SMS log, the result and the chain. Run by test_relay_eab.sh with the
// harness's environment (IDP_PORT, IDP_SMS_LOG, IDP_TOP) and RELAY_TN, the
// number (digits). Prints TAP lines numbered from TAP_START + 1; the chain
// it downloaded goes to RELAY_CHAIN.
'use strict';

const fs = require('fs');
const { ok, smsFor, waitSms, text, submit, run } = require('./relay_page');

const base = `https://localhost:${process.env.IDP_PORT}/relay`;
const TN = process.env.RELAY_TN;

async function enrol(browser) {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true, javaScriptEnabled: false, acceptDownloads: true,
  });
  const page = await ctx.newPage();
  const resp = await page.goto(base);
  ok(resp.status() === 200, 'browser: the number step answers 200', resp.status());
  const before = smsFor(TN).count;
  await page.fill('#tn', `+${TN}`);
  await submit(page, 'button:has-text("Send the code")');
  ok((await text(page, 'h1')) === 'Enter the code', 'browser: the code step follows',
    await text(page, 'main'));
  const sms = await waitSms(TN, before + 1);
  ok(sms.count === before + 1 && sms.code !== null, 'browser: one SMS with a code reached the log',
    JSON.stringify(sms));
  await page.fill('#code', sms.code || '000000');
  await submit(page, 'button:has-text("Confirm")');
  ok((await text(page, 'h1')) === 'Your number is confirmed', 'browser: the result step follows',
    await text(page, 'main'));
  ok((await text(page, '#cert-tn')) === `+${TN}`, 'browser: the result names the number',
    await text(page, '#cert-tn'));
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#chain')]);
  const pem = fs.readFileSync(await dl.path(), 'utf8');
  fs.writeFileSync(process.env.RELAY_CHAIN, pem);
  ok(/-----BEGIN CERTIFICATE-----/.test(pem), 'browser: the chain downloads', dl.suggestedFilename());
  await ctx.close();
}

run('browser: the enrolment ran to its end', [enrol]);
