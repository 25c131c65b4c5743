// What the relay's browser tests share: TAP lines numbered from
// TAP_START + 1, the code of the newest SMS to a number in the file
// gateway's log (IDP_SMS_LOG), page helpers, and Chromium started as the
// tests run it.
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.env.IDP_TOP || path.resolve(__dirname, '../..');
const { chromium } = require(path.join(top, 'tests/node_modules/playwright-core'));

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

// Submit a form and wait for the page the redirect leads to.
async function submit(page, button) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
}

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true, chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--no-first-run', '--disable-sync', '--disable-extensions', '--no-proxy-server'],
  });
}

// Run the steps in one browser; a step that throws is one failed check
// (named what). Exits 0 when every check passed.
async function run(what, steps) {
  const browser = await launch();
  try {
    for (const step of steps) await step(browser);
  } catch (e) {
    ok(false, what, e.stack);
  } finally {
    await browser.close();
  }
  process.exit(fails === 0 ? 0 : 1);
}

module.exports = { top, ok, smsFor, waitSms, text, submit, run };
