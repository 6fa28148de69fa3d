"""Connect and timeout logic shared by the interop scripts.

The Go tests in internal/interop start xmppd and run each script with
Debian's /usr/bin/python3, passing the server's addresses in the
environment (XMPPD_HOST, XMPPD_C2S_PORT, XMPPD_C2S_TLS_PORT,
XMPPD_DOMAIN). A script prints one JSON line with what it observed and
exits 0, or exits 1 with the reason on stderr; the Go side judges the
observations. Every wait is bounded, so a silent server fails a step
instead of hanging the script.
"""

import asyncio
import json
import logging
import os
import ssl
import sys
import uuid
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

STEP = 10.0  # seconds one exchange may take
TOTAL = 45.0  # seconds a whole script may take (the Go side kills at 60)

HOST = os.environ.get("XMPPD_HOST", "127.0.0.1")
DOMAIN = os.environ.get("XMPPD_DOMAIN", "localhost")
PORTS = {
    "starttls": int(os.environ.get("XMPPD_C2S_PORT", "5222")),
    "plain": int(os.environ.get("XMPPD_C2S_PORT", "5222")),
    "direct": int(os.environ.get("XMPPD_C2S_TLS_PORT", "5223")),
}


class Failure(Exception):
    """A step did not go as the script expected; the message says why."""


def unique_user(prefix):
    """A fresh localpart, so scripts never collide on one server."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


class Client(slixmpp.ClientXMPP):
    """A ClientXMPP pinned to the test server that trusts its self-signed
    certificate. mech forces one SASL mechanism; tls_max caps the TLS
    version (e.g. ssl.TLSVersion.TLSv1_2)."""

    def __init__(self, jid, password, mech=None, tls_max=None):
        super().__init__(jid, password, sasl_mech=mech)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        if tls_max is not None:
            self.ssl_context.maximum_version = tls_max
        # Allowed only so the server's plain_in_clear can be tested; slixmpp
        # still refuses PLAIN in the clear unless told.
        self["feature_mechanisms"].unencrypted_plain = True
        # slixmpp answers subscription requests by itself (approve, and
        # subscribe back) unless told not to; the scripts answer them.
        self.auto_authorize = None
        self.auto_subscribe = False

    def send(self, data, use_filters=True):
        # slixmpp 1.8.3 holds back every IQ before the session starts except
        # bind and session, so XEP-0077 registration would never leave the
        # client; later releases let register IQs through too, as here.
        early_register = (not self._session_started and isinstance(data, slixmpp.Iq)
                          and data.get_plugin("register", check=True) is not None)
        self._always_send_everything = early_register
        try:
            super().send(data, use_filters)
        finally:
            self._always_send_everything = False

    async def get_dns_records(self, domain, port=None):
        # slixmpp resolves the JID's domain even when given an address
        # (localhost may resolve to ::1 first); the server has one address.
        return [(domain, self.address[0], self.address[1])]

    def encrypted(self):
        return isinstance(self.socket, (ssl.SSLObject, ssl.SSLSocket))

    def tls_version(self):
        return self.socket.version() if self.encrypted() else None

    def mechanism(self):
        mech = self["feature_mechanisms"].mech
        return mech.name if mech is not None else None


async def first_event(client, ok, failures, what):
    """Wait at most STEP for event ok; any event in failures, or the
    timeout, raises Failure."""
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    def settle(name):
        def handler(data):
            if fut.done():
                return
            if name == ok:
                fut.set_result(data)
            else:
                fut.set_exception(Failure("%s: got %s (%s)" % (what, name, describe(data))))
        return handler

    handlers = [(name, settle(name)) for name in [ok] + failures]
    for name, h in handlers:
        client.add_event_handler(name, h)
    try:
        return await asyncio.wait_for(fut, STEP)
    except asyncio.TimeoutError:
        raise Failure("%s: no %s within %ss" % (what, ok, STEP)) from None
    finally:
        for name, h in handlers:
            client.del_event_handler(name, h)


def describe(data):
    try:
        return str(data)[:300]
    except Exception:  # an event payload that cannot print itself
        return repr(data)


LOGIN_FAILURES = ["failed_auth", "failed_all_auth", "no_auth", "connection_failed",
                  "stream_error", "disconnected", "ssl_invalid_chain"]


class AuthFailed(Failure):
    """The server answered SASL with <failure/>."""

    def __init__(self, mechanism, condition, text):
        super().__init__("%s refused: %s (%s)" % (mechanism, condition, text))
        self.mechanism, self.condition, self.text = mechanism, condition, text


class RegistrationRefused(Failure):
    """The server answered the XEP-0077 set with an error."""

    def __init__(self, condition):
        super().__init__("registration refused: " + condition)
        self.condition = condition


async def login(jid, password, transport="starttls", mech=None, tls_max=None, plugins=()):
    """Connect over transport (starttls, direct or plain), authenticate,
    bind, and return the Client once its session has started. A SASL
    <failure/> raises AuthFailed."""
    client = Client(jid, password, mech=mech, tls_max=tls_max)
    for p in plugins:
        client.register_plugin(p)
    refused = []
    client.add_event_handler("failed_auth", lambda f: refused.append(
        AuthFailed(client.mechanism(), f["condition"], f["text"])))
    connect(client, transport)
    try:
        await first_event(client, "session_start", LOGIN_FAILURES, "login of %s over %s" % (jid, transport))
    except Failure:
        client.abort()
        if refused:
            raise refused[0] from None
        raise
    return client


def connect(client, transport):
    address = (HOST, PORTS[transport])
    if transport == "direct":
        client.connect(address, use_ssl=True, disable_starttls=True)
    elif transport == "plain":
        client.connect(address, force_starttls=False, disable_starttls=True)
    elif transport == "starttls":
        client.connect(address)
    else:
        raise ValueError("unknown transport " + transport)


async def register(user, password):
    """Create user@DOMAIN in-band (XEP-0077) over STARTTLS. slixmpp handles
    the register stream feature before SASL, then logs in with the new
    account on the same stream. Returns that logged-in Client; its
    registration_form lists the fields the server asked for."""
    jid = "%s@%s" % (user, DOMAIN)
    # PLAIN: slixmpp 1.8.3 cannot complete SCRAM on TLS 1.3 here (see login.py).
    client = Client(jid, password, mech="PLAIN")
    client.register_plugin("xep_0077")
    client.registration_form = None
    refused = []

    async def on_register(form):
        client.registration_form = sorted(form["register"]["fields"])
        iq = client.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = user
        iq["register"]["password"] = password
        try:
            await iq.send(timeout=STEP)
        except IqError as e:
            refused.append(RegistrationRefused(e.iq["error"]["condition"]))
            client.abort()
        except IqTimeout:
            refused.append(Failure("registration of %s: no answer within %ss" % (jid, STEP)))
            client.abort()

    client.add_event_handler("register", on_register)
    connect(client, "starttls")
    try:
        await first_event(client, "session_start", LOGIN_FAILURES + ["killed"], "registration of " + jid)
    except Failure:
        client.abort()
        if refused:
            raise refused[0] from None
        raise
    if client.registration_form is None:
        raise Failure("registration of %s: logged in without registering (no register feature?)" % jid)
    return client


async def new_account(prefix, password="secret-Pa55"):
    """Register a fresh account and close that connection; returns
    (jid, password)."""
    client = await register(unique_user(prefix), password)
    jid = client.boundjid.bare
    await close(client)
    return jid, password


async def new_session(prefix, resource=None, plugins=()):
    """A fresh account logged in over STARTTLS with PLAIN."""
    jid, password = await new_account(prefix)
    if resource:
        jid += "/" + resource
    return await login(jid, password, mech="PLAIN", plugins=plugins)


async def close(client):
    """Close our stream and wait (bounded) for the server to close its own,
    which RFC 6120 section 4.4 requires before the TCP connection goes."""
    if client.transport is None:
        return
    await asyncio.wait_for(client.disconnect(wait=STEP), STEP + 1)
    # slixmpp's own mark for "the server's </stream:stream> arrived"; after
    # a timeout it aborts the connection without setting it.
    if client.disconnect_reason != "End of stream":
        raise Failure("%s: server did not close its stream within %ss of ours" % (client.boundjid, STEP))


QUIET = 1.0  # seconds of silence taken to mean "nothing more is coming"

NS_CLIENT = "jabber:client"


class Inbox:
    """Every stanza a client receives for some slixmpp events, in arrival
    order, from the moment the Inbox is made: so nothing that arrives
    between a send and the wait for its effect is missed. keep, when
    given, filters what is kept."""

    def __init__(self, client, *events, keep=None):
        self.items = []
        self.keep = keep
        self._arrived = asyncio.Event()
        self._client, self._events = client, events
        for event in events:
            client.add_event_handler(event, self._add)

    def close(self):
        """Stop collecting."""
        for event in self._events:
            self._client.del_event_handler(event, self._add)

    def _add(self, stanza):
        if self.keep is None or self.keep(stanza):
            self.items.append(stanza)
            self._arrived.set()

    async def wait(self, match, what):
        """Return the first item match accepts, waiting at most STEP for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP
        while True:
            for item in self.items:
                if match(item):
                    return item
            left = deadline - loop.time()
            if left <= 0:
                raise Failure("%s: not within %ss; last arrivals: %s" % (what, STEP, [describe(i) for i in self.items[-10:]]))
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def settle(self):
        """Wait until nothing has arrived for QUIET seconds (at most STEP)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP
        while loop.time() < deadline:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), QUIET)
            except asyncio.TimeoutError:
                return


async def sync(client):
    """Ping the server (XEP-0199) and wait for the answer: the server handles
    a stream's stanzas in order, so everything the client sent before has
    then been acted on, and everything routed to it before the answer has
    been received."""
    iq = client.Iq()
    iq["type"] = "get"
    iq["to"] = DOMAIN
    iq.xml.append(ET.Element("{urn:xmpp:ping}ping"))
    await iq.send(timeout=STEP)


async def roster_get(client, ver=None):
    """Send a roster get (RFC 6121 section 2.1.3), with ver when not None,
    and return the result IQ. slixmpp's own get_roster picks ver itself."""
    iq = client.Iq()
    iq["type"] = "get"
    iq.enable("roster")
    if ver is not None:
        iq["roster"]["ver"] = ver
    return await iq.send(timeout=STEP)


def roster_items(iq):
    """The <item/>s of a roster result or push, in document order."""
    out = []
    query = iq.xml.find("{jabber:iq:roster}query")
    for item in (query if query is not None else []):
        out.append({
            "jid": item.get("jid"),
            "name": item.get("name", ""),
            "subscription": item.get("subscription", ""),
            "ask": item.get("ask", ""),
            "groups": [g.text or "" for g in item.findall("{jabber:iq:roster}group")],
        })
    return out


def presence_of(pres):
    """What a presence stanza says, read from its XML: slixmpp's own 'type'
    reports <show/> in place of an absent type."""
    x = pres.xml

    def text(name):
        e = x.find("{%s}%s" % (NS_CLIENT, name))
        return None if e is None else (e.text or "")

    return {"from": pres["from"].full, "type": x.get("type", "available"),
            "show": text("show"), "status": text("status"), "priority": text("priority"),
            "delay": delay_of(pres)}


def delay_of(msg):
    """The XEP-0203 delay of a stanza as sent, or None."""
    d = msg.xml.find("{urn:xmpp:delay}delay")
    return None if d is None else {"from": d.get("from"), "stamp": d.get("stamp")}


def presence_from(jid, typ=None):
    """A match for Inbox.wait: presence from jid (full, or any resource of
    a bare jid) of the given type (None: any)."""
    def match(p):
        sender = p["from"].full if "/" in jid else p["from"].bare
        return sender == jid and (typ is None or p.xml.get("type", "available") == typ)
    return match


def push_of(jid, state):
    """A match for an Inbox of "roster_update": a push of jid whose
    subscription (with "+ask" when pending out) is state."""
    def match(iq):
        return iq["type"] == "set" and any(
            i["jid"] == jid and i["subscription"] + ("+ask" if i["ask"] else "") == state
            for i in roster_items(iq))
    return match


async def available(account, **presence):
    """Log in to account (jid, password), ask for the roster, which makes
    the session an interested resource (RFC 6121 section 2.1.6), and send
    initial presence. Returns (client, roster push Inbox, presence Inbox)."""
    client = await login(*account, mech="PLAIN")
    pushes = Inbox(client, "roster_update")
    presences = Inbox(client, "presence")
    await roster_get(client)
    client.send_presence(**presence)
    await sync(client)
    return client, pushes, presences


async def befriend(a, b):
    """Subscribe accounts a and b, given as (jid, password) and both logged
    out, to each other's presence (subscription 'both'). Every request and
    approval is sent while its recipient is offline, requests being answered
    at the next login (RFC 6121 section 3.1.3): the online handshake is
    subscribe.py's subject, and at the time of writing xmppd sends
    subscription stanzas to an online recipient with two 'to' attributes,
    which no XML parser accepts. Each step ends on the acting side's roster
    push; the server updates the other side's roster right after it, well
    before the next login completes."""
    ja, jb = bare_of(a[0]), bare_of(b[0])
    client, pushes, _ = await available(a)
    client.send_presence(pto=jb, ptype="subscribe")
    await pushes.wait(push_of(jb, "none+ask"), "%s: push of %s with ask" % (ja, jb))
    await close(client)
    client, pushes, presences = await available(b)
    await presences.wait(presence_from(ja, "subscribe"), "%s at login: subscribe from %s" % (jb, ja))
    client.send_presence(pto=ja, ptype="subscribed")
    client.send_presence(pto=ja, ptype="subscribe")
    await pushes.wait(push_of(ja, "from+ask"), "%s: push of %s with from+ask" % (jb, ja))
    await close(client)
    client, pushes, presences = await available(a)
    await presences.wait(presence_from(jb, "subscribe"), "%s at login: subscribe from %s" % (ja, jb))
    client.send_presence(pto=jb, ptype="subscribed")
    await pushes.wait(push_of(jb, "both"), "%s: push of %s with both" % (ja, jb))
    await close(client)


def bare_of(jid):
    return jid.split("/", 1)[0]


def run(main):
    """Run coroutine function main under TOTAL; print its result as one
    JSON line, or the failure on stderr with exit status 1."""
    level = logging.DEBUG if os.environ.get("XMPPD_INTEROP_DEBUG") else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = asyncio.run(asyncio.wait_for(main(), TOTAL))
    except asyncio.TimeoutError:
        print("FAIL: script exceeded %ss" % TOTAL, file=sys.stderr)
        sys.exit(1)
    except (Failure, IqError, IqTimeout) as e:
        print("FAIL: %s" % describe_error(e), file=sys.stderr)
        sys.exit(1)
    print(json.dumps(result, sort_keys=True))


def describe_error(e):
    if isinstance(e, IqError):
        return "iq error %s/%s: %s" % (e.iq["error"]["type"], e.iq["error"]["condition"], e.iq["error"]["text"])
    if isinstance(e, IqTimeout):
        return "iq timed out"
    return str(e)
