// One enrolment through the relay page in Chromium (playwright-core),
// with JavaScript off as the page requires: the number, the code from the
// SMS log, the result and the chain. Run by test_relay_eab.sh with the
// harness's environment (IDP_PORT, IDP_SMS_LOG, IDP_TOP) and RELAY_TN, the
// number (digits). Prints TAP lines numbered from TAP_START + 1; the chain
// it downloaded goes to RELAY_CHAIN.
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.env.IDP_TOP || path.resolve(__dirname, '../..');
const { chromium } = require(path.join(top, 'tests/node_modules/playwright-core'));

const base = `https://localhost:${process.env.IDP_PORT}/relay`;
const TN = process.env.RELAY_TN;
let n = Number(process.env.TAP_START || 0);
let fails = 0;

function ok(cond, name, diag) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${name}`);
  } else {
    fails++;
    console.log(`not ok ${n} - ${name}`);
    if (diag !== undefined) console.log(`#   ${String(diag).replace(/\n/g, '\n#   ')}`);
  }
  return cond;
}

// The code of the newest SMS to tn: the only run of exactly six digits.
function smsFor(tn) {
  let lines = [];
  try {
    lines = fs.readFileSync(process.env.IDP_SMS_LOG, 'utf8').split('\n').filter((l) => l !== '');
  } catch (e) {
    return { count: 0, code: null };
  }
  const mine = lines.map((l) => JSON.parse(l)).filter((m) => m.to === tn);
  if (mine.length === 0) return { count: 0, code: null };
  const runs = mine[mine.length - 1].text.match(/(?<!\d)\d{6}(?!\d)/g);
  return { count: mine.length, code: runs && runs.length === 1 ? runs[0] : null };
}

async function waitSms(tn, count) {
  for (let i = 0; i < 50; i++) {
    const s = smsFor(tn);
    if (s.count >= count && s.code !== null) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return smsFor(tn);
}

async function text(page, sel) {
  const el = await page.$(sel);
  return el ? (await el.textContent()).trim() : '';
}

async function submit(page, button) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
}

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

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true, chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--no-first-run', '--disable-sync', '--disable-extensions', '--no-proxy-server'],
  });
  try {
    await enrol(browser);
  } catch (e) {
    ok(false, 'browser: the enrolment ran to its end', e.stack);
  } finally {
    await browser.close();
  }
  process.exit(fails === 0 ? 0 : 1);
})();
