'use strict';
/*
 * The whole enrolment with npm's acme-client (PROTOCOL §1): account, order
 * with a TNAuthList identifier, authorization, the {} step and the digest
 * step of sms-link-00, finalize with a CSR carrying the TNAuthList
 * extension, certificate download.
 *
 * Environment (set by test_node_client.sh):
 *   IDP_DIRECTORY_URL, IDP_TLS_CA, IDP_SMS_LOG   the server under test
 *   NODE_TN            the telephone number (digits)
 *   NODE_TN_VALUE      base64url DER TNAuthList of that number
 *   NODE_CSR           PEM CSR (EC P-256) with the TNAuthList extension
 *   NODE_CSR_KEY       its private key (PEM)
 *   NODE_OUT           where the PEM chain is written
 *   NODE_EAB           optional "KID HMAC-KEY": newAccount binds the
 *                      account to that platform (externalAccountBinding)
 *   NODE_SMS_API       optional: read the SMS from the SMSC simulator's
 *                      control API instead of IDP_SMS_LOG
 * Prints TAP lines "ok N - name" / "not ok N - name"; exit 1 on failure.
 */
const acme = require('acme-client');
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');

const env = (name) => {
    const v = process.env[name];
    if (!v) {
        console.error(`missing ${name}`);
        process.exit(2);
    }
    return v;
};

const directoryUrl = env('IDP_DIRECTORY_URL');
const caPath = env('IDP_TLS_CA');
const smsLog = env('IDP_SMS_LOG');
const tn = env('NODE_TN');
const tnValue = env('NODE_TN_VALUE');
const csrPem = fs.readFileSync(env('NODE_CSR'));
const outPath = env('NODE_OUT');
const base = directoryUrl.replace(/\/directory$/, '');

let n = 0;
let failed = 0;
function ok(cond, name, diag) {
    n += 1;
    if (cond) {
        console.log(`ok ${n} - ${name}`);
    } else {
        failed += 1;
        console.log(`not ok ${n} - ${name}`);
        if (diag !== undefined) {
            String(typeof diag === 'string' ? diag : JSON.stringify(diag))
                .split('\n').forEach((l) => console.log(`#   ${l}`));
        }
    }
    return !!cond;
}

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();

/* RFC 7638 thumbprint from the JWK acme-client exported once for its key
 * (Node 20: export each key once; see TOOLING §12). */
function thumbprint(jwk) {
    const members = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'],
        OKP: ['crv', 'kty', 'x'] }[jwk.kty];
    const canon = {};
    members.forEach((m) => { canon[m] = jwk[m]; });
    return b64u(sha256(JSON.stringify(canon)));
}

let smsApiMessages = [];

async function smsApiPoll() {
    const api = process.env.NODE_SMS_API;
    if (!api) return;
    const body = await new Promise((resolve, reject) => {
        require('http').get(`${api}/messages`, (res) => {
            let b = '';
            res.on('data', (c) => { b += c; });
            res.on('end', () => resolve(b));
        }).on('error', reject);
    });
    smsApiMessages = JSON.parse(body);
}

function smsLines(number) {
    if (process.env.NODE_SMS_API) {
        return smsApiMessages.filter((m) => String(m.to).replace(/^\+/, '')
            === number);
    }
    let text = '';
    try {
        text = fs.readFileSync(smsLog, 'utf8');
    } catch (e) {
        return [];
    }
    return text.split('\n').filter((l) => l.trim()).map((l) => {
        try { return JSON.parse(l); } catch (e) { return null; }
    }).filter((m) => m && String(m.to).replace(/^\+/, '') === number);
}

async function waitCode(number, seen, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        await smsApiPoll();
        const msgs = smsLines(number);
        if (msgs.length > seen) {
            const codes = String(msgs[msgs.length - 1].text)
                .match(/(?<![0-9])[0-9]{6}(?![0-9])/g) || [];
            return codes.length === 1 ? codes[0] : null;
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    return null;
}

async function main() {
    /* Only the test CA, no proxy from the environment. */
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: fs.readFileSync(caPath) });
    acme.axios.defaults.proxy = false;

    const accountKey = await acme.crypto.createPrivateEcdsaKey('P-256');
    const eab = process.env.NODE_EAB ? process.env.NODE_EAB.split(' ') : null;
    const client = new acme.Client({
        directoryUrl, accountKey, backoffMin: 100, backoffMax: 1000,
        backoffAttempts: 10,
        externalAccountBinding: eab ? { kid: eab[0], hmacKey: eab[1] }
            : undefined,
    });

    /* Account. */
    const account = await client.createAccount({
        termsOfServiceAgreed: true, contact: ['mailto:node@example.test'],
    });
    const kid = client.getAccountUrl();
    ok(account.status === 'valid', 'newAccount: status valid', account);
    ok(kid.startsWith(`${base}/acct/`), 'newAccount: account URL from Location', kid);

    /* Order with a TNAuthList identifier, passed through verbatim. */
    const ident = { type: 'TNAuthList', value: tnValue };
    const order = await client.createOrder({ identifiers: [ident] });
    ok(order.status === 'pending', 'newOrder: pending', order);
    ok(JSON.stringify(order.identifiers) === JSON.stringify([ident]),
        'newOrder: the TNAuthList identifier echoed', order.identifiers);
    ok(typeof order.url === 'string' && order.url.startsWith(`${base}/order/`),
        'newOrder: order URL', order.url);

    /* Authorization and its sms-link-00 challenge. */
    const authzs = await client.getAuthorizations(order);
    ok(authzs.length === 1, 'one authorization', authzs);
    const authz = authzs[0];
    ok(authz.status === 'pending', 'authz: pending', authz);
    ok(JSON.stringify(authz.identifier) === JSON.stringify(ident),
        'authz: identifier is the TNAuthList', authz.identifier);
    const chall = (authz.challenges || []).find((c) => c.type === 'sms-link-00');
    ok(chall && authz.challenges.length === 1, 'authz: one sms-link-00 challenge',
        authz.challenges);
    ok(/^[A-Za-z0-9_-]{43}$/.test(chall.token), 'challenge: 43-character token',
        chall.token);

    /* Step 1: {} (acme-client's completeChallenge sends exactly that). */
    await smsApiPoll();
    const seen = smsLines(tn).length;
    const c1 = await client.completeChallenge(chall);
    ok(c1.status === 'processing', 'challenge {}: processing', c1);
    const code = await waitCode(tn, seen, 10000);
    ok(code !== null, 'SMS with one 6-digit code to the number', smsLines(tn));

    /* Step 2: the digest, through the signed request API. */
    const thumb = thumbprint(client.http.getJwk());
    const digest = (c) => b64u(sha256(`${c}${chall.token}.${thumb}`));
    const wrongCode = String((Number(code) + 1) % 1000000).padStart(6, '0');
    const bad = await client.api.apiRequest(chall.url,
        { keyAuthorization: digest(wrongCode) }, []);
    ok(bad.status === 400 && bad.data && bad.data.type ===
        'urn:ietf:params:acme:error:incorrectResponse' &&
        bad.data.remainingTries === 4,
    'a wrong code: 400 incorrectResponse, remainingTries 4',
    { status: bad.status, data: bad.data });
    ok(/^[A-Za-z0-9_-]+$/.test(bad.headers['replay-nonce'] || ''),
        'the error carries a Replay-Nonce', bad.headers);
    const good = await client.api.apiRequest(chall.url,
        { keyAuthorization: digest(code) }, [200]);
    ok(good.data.status === 'valid', 'challenge response: valid', good.data);
    ok(typeof good.data.validated === 'string', 'challenge: validated', good.data);

    const vAuthz = await client.waitForValidStatus(authz);
    ok(vAuthz.status === 'valid', 'authz: valid', vAuthz);
    const ready = await client.waitForValidStatus(order);
    ok(ready.status === 'ready', 'order: ready', ready);

    /* Finalize with the CSR; download the chain. */
    const fin = await client.finalizeOrder(order, csrPem);
    ok(fin.status === 'valid' && typeof fin.certificate === 'string',
        'finalize: valid with a certificate URL', fin);
    const chain = await client.getCertificate(fin);
    const blocks = String(chain).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || [];
    ok(blocks.length >= 2, 'certificate: a PEM chain with the issuing CA',
        `${blocks.length} blocks`);
    fs.writeFileSync(outPath, chain);
    const leaf = new crypto.X509Certificate(blocks[0]);
    ok(leaf.subject.includes(`CN=${tn}`), 'certificate: subject CN is the number',
        leaf.subject);
    const csrKey = crypto.createPublicKey(crypto.createPrivateKey(
        fs.readFileSync(env('NODE_CSR_KEY'))));
    ok(leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(
        csrKey.export({ type: 'spki', format: 'der' })),
    'certificate: the CSR key');
}

main().then(() => {
    console.log(`# acme-client: ${n - failed} of ${n} checks passed`);
    process.exit(failed ? 1 : 0);
}).catch((e) => {
    ok(false, 'acme-client flow raised', (e && e.stack) || String(e));
    process.exit(1);
});
