// strophe.js under node, driven by bosh/interop_test.go.
//
// Usage: node interop.mjs BOSH_URL
// Commands arrive on stdin, one JSON object a line; events leave on stdout,
// one JSON object a line. Nothing here decides whether a test passed: the Go
// side does, from the events.
//
//   {"cmd":"connect","jid":"alice@localhost/strophe","pass":"secret"}
//   {"cmd":"attach","jid":"...","sid":"...","rid":123}
//   {"cmd":"send","to":"bob@localhost/tcp","body":"hi"}
//   {"cmd":"badrid"}        skip ahead of the rid window, then send
//   {"cmd":"disconnect"}
//   {"cmd":"exit"}
//
// Events: {"event":"status","status":"CONNECTED",...}, {"event":"message",
// "from":...,"body":...}, {"event":"error","error":...}.
import { createInterface } from 'node:readline';
import XHR2 from 'xhr2';
import { Strophe, $msg, $pres } from 'strophe.js';

// Strophe's node build brings a DOM (xmldom) but no XMLHttpRequest; xhr2
// provides one without responseXML, which Strophe reads, so parse the text
// with the DOMParser the node build installed.
class XHR extends XHR2 {
    get responseXML() {
        if (this._parsedXML === undefined) {
            const text = this.responseText;
            this._parsedXML = text ? new DOMParser().parseFromString(text, 'text/xml') : null;
        }
        return this._parsedXML;
    }
}
globalThis.XMLHttpRequest = XHR;

// Strophe logs to the console; stdout carries only events.
const trace = (...a) => { if (process.env.STROPHE_TRACE) process.stderr.write(a.join(' ') + '\n'); };
console.log = console.debug = console.info = trace;
console.warn = console.error = (...a) => process.stderr.write(a.join(' ') + '\n');

const url = process.argv[2];
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const statusName = Object.fromEntries(Object.entries(Strophe.Status).map(([k, v]) => [v, k]));

let conn = null;

function newConnection() {
    const c = new Strophe.Connection(url, { keepalive: false });
    c.rawInput = (data) => { if (process.env.STROPHE_TRACE) emit({ event: 'in', data }); };
    c.rawOutput = (data) => { if (process.env.STROPHE_TRACE) emit({ event: 'out', data }); };
    c.addHandler((m) => {
        const body = m.getElementsByTagName('body')[0];
        emit({
            event: 'message',
            from: m.getAttribute('from'),
            xmlns: m.getAttribute('xmlns'),
            body: body ? body.textContent : null,
        });
        return true;
    }, null, 'message');
    return c;
}

function onStatus(status, condition) {
    const ev = { event: 'status', status: statusName[status] || String(status) };
    if (condition) ev.condition = String(condition);
    if (conn) {
        ev.jid = conn.jid;
        if (status === Strophe.Status.CONNECTED || status === Strophe.Status.ATTACHED) {
            ev.sid = conn._proto.sid;
            ev.rid = conn._proto.rid;
            ev.mechanism = conn._sasl_mechanism ? conn._sasl_mechanism.mechname : null;
            conn.send($pres());
        }
    }
    emit(ev);
}

const handlers = {
    connect(c) {
        conn = newConnection();
        conn.connect(c.jid, c.pass, onStatus, 60, 1);
    },
    attach(c) {
        conn = newConnection();
        conn.attach(c.jid, c.sid, c.rid, onStatus, 60, 1);
    },
    send(c) {
        conn.send($msg({ to: c.to, type: 'chat', id: c.id || undefined }).c('body').t(c.body));
    },
    badrid() {
        conn._proto.rid += 10;
        conn.send($msg({ to: conn.jid, type: 'chat' }).c('body').t('lost'));
    },
    disconnect() {
        conn.disconnect('bye');
    },
    exit() {
        process.exit(0);
    },
};

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
    let c;
    try {
        c = JSON.parse(line);
        handlers[c.cmd](c);
    } catch (e) {
        emit({ event: 'error', error: String(e && e.stack ? e.stack : e), line });
    }
});
rl.on('close', () => process.exit(0));
process.on('uncaughtException', (e) => emit({ event: 'error', error: String(e && e.stack ? e.stack : e) }));
emit({ event: 'ready', version: Strophe.VERSION || 'unknown' });
