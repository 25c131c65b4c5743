#!/usr/bin/env node
// SMSC simulator for tests: an SMPP 3.4 server on 127.0.0.1:$SMSC_PORT
// (npm "smpp" in server mode) and a control API on 127.0.0.1:$SMSC_HTTP_PORT.
//
//   GET    /messages  every submit_sm received, as a JSON array
//   DELETE /messages  forget them
//   GET    /stats     {"binds", "unbinds", "sessions", "enquire_links"
//                     (received), "enquire_resps" (to ours)}
//   POST   /mode      body: ok | reject-dest | throttle | bindfail |
//                     expiry (refuse a validity_period with 0x62) |
//                     silent (never answer submit_sm) |
//                     enquire-first (enquire_link before each submit_sm_resp) |
//                     no-enquire (leave enquire_link unanswered)
//   POST   /kick      close every SMPP session without unbind
'use strict';

const http = require('http');
const smpp = require('smpp');
const defs = require('smpp/lib/defs');

// Keep short_message and times as received: we decode them ourselves.
defs.filters.message.decode = (v) => v;
defs.filters.time.decode = (v) => v;

const HOST = '127.0.0.1';
const ESME_RINVDSTADR = 0x0b;
const ESME_RBINDFAIL = 0x0d;
const ESME_RTHROTTLED = 0x58;
const ESME_RINVEXPIRY = 0x62;
const MODES = ['ok', 'reject-dest', 'throttle', 'bindfail', 'expiry',
	'silent', 'enquire-first', 'no-enquire'];

// GSM 03.38 default alphabet, indexed by septet; 0x1B escapes.
const GSM = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./' +
	'0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿' +
	'abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = { 0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\',
	0x3c: '[', 0x3d: '~', 0x3e: ']', 0x40: '|', 0x65: '€' };

let mode = 'ok';
let messages = [];
const stats = { binds: 0, unbinds: 0, sessions: 0, enquire_links: 0,
	enquire_resps: 0 };
const sessions = new Set();

function port(name) {
	const p = Number(process.env[name]);
	if (!Number.isInteger(p) || p < 1 || p > 65535) {
		console.error(`smsc_sim: set ${name} to a port number`);
		process.exit(64);
	}
	return p;
}

function gsmDecode(buf) {
	let s = '';
	for (let i = 0; i < buf.length; i++) {
		if (buf[i] === 0x1b && i + 1 < buf.length) {
			i++;
			s += GSM_EXT[buf[i]] !== undefined ? GSM_EXT[buf[i]] : '?';
		} else {
			s += buf[i] < 0x80 ? GSM[buf[i]] : '?';
		}
	}
	return s;
}

function ucs2Decode(buf) {
	const b = Buffer.from(buf);
	if (b.length % 2)
		return '?';
	return b.swap16().toString('utf16le');
}

function decodeText(dc, raw) {
	const buf = Buffer.isBuffer(raw) ? raw :
		Buffer.isBuffer(raw && raw.message) ? raw.message : Buffer.alloc(0);
	if (dc === 8)
		return { buf, text: ucs2Decode(buf) };
	if (dc === 0 || dc === 1)
		return { buf, text: gsmDecode(buf) };
	return { buf, text: buf.toString('latin1') };
}

function submitStatus(pdu) {
	if (mode === 'reject-dest')
		return ESME_RINVDSTADR;
	if (mode === 'throttle')
		return ESME_RTHROTTLED;
	if (mode === 'expiry' && pdu.validity_period)
		return ESME_RINVEXPIRY;
	return 0;
}

function onSubmit(session, pdu) {
	const { buf, text } = decodeText(pdu.data_coding, pdu.short_message);
	const status = submitStatus(pdu);
	messages.push({
		from: pdu.source_addr, to: pdu.destination_addr,
		source_ton: pdu.source_addr_ton, source_npi: pdu.source_addr_npi,
		dest_ton: pdu.dest_addr_ton, dest_npi: pdu.dest_addr_npi,
		data_coding: pdu.data_coding, validity_period: pdu.validity_period || '',
		text, octets: buf.toString('hex'), status,
	});
	if (mode === 'silent')
		return;
	const answer = () => session.send(status ? pdu.response({ command_status: status }) :
		pdu.response({ message_id: 'msg-' + messages.length }));
	if (mode === 'enquire-first')
		session.enquire_link({}, () => { stats.enquire_resps++; answer(); });
	else
		answer();
}

function onBind(session, pdu) {
	if (mode === 'bindfail') {
		session.send(pdu.response({ command_status: ESME_RBINDFAIL }));
		return;
	}
	stats.binds++;
	session.send(pdu.response({ system_id: 'SMSCSIM' }));
}

function onSession(session) {
	stats.sessions++;
	sessions.add(session);
	session.on('close', () => sessions.delete(session));
	session.on('error', () => {});
	session.on('bind_transmitter', (pdu) => onBind(session, pdu));
	session.on('bind_transceiver', (pdu) => onBind(session, pdu));
	session.on('bind_receiver', (pdu) =>
		session.send(pdu.response({ command_status: ESME_RBINDFAIL })));
	session.on('submit_sm', (pdu) => onSubmit(session, pdu));
	session.on('enquire_link', (pdu) => {
		stats.enquire_links++;
		if (mode !== 'no-enquire')
			session.send(pdu.response());
	});
	session.on('unbind', (pdu) => {
		stats.unbinds++;
		session.send(pdu.response());
		session.close();
	});
}

function reply(res, code, body) {
	res.writeHead(code, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(body) + '\n');
}

function onHttp(req, res) {
	let body = '';
	req.on('data', (c) => { body += c; if (body.length > 1024) req.destroy(); });
	req.on('end', () => {
		const key = `${req.method} ${req.url}`;
		if (key === 'GET /messages')
			return reply(res, 200, messages);
		if (key === 'DELETE /messages') {
			messages = [];
			return reply(res, 200, []);
		}
		if (key === 'GET /stats')
			return reply(res, 200, stats);
		if (key === 'POST /mode' && MODES.includes(body.trim())) {
			mode = body.trim();
			return reply(res, 200, { mode });
		}
		if (key === 'POST /kick') {
			for (const s of sessions)
				s.socket.destroy();
			return reply(res, 200, { kicked: true });
		}
		return reply(res, 400, { error: 'unknown request' });
	});
}

const smppPort = port('SMSC_PORT');
const httpPort = port('SMSC_HTTP_PORT');
const server = smpp.createServer(onSession);
server.on('error', (e) => { console.error('smsc_sim:', e.message); process.exit(1); });
server.listen(smppPort, HOST, () => {
	const api = http.createServer(onHttp);
	api.on('error', (e) => { console.error('smsc_sim:', e.message); process.exit(1); });
	api.listen(httpPort, HOST, () =>
		console.log(`smsc_sim: smpp ${HOST}:${smppPort} http ${HOST}:${httpPort}`));
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
