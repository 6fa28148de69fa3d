"""A gateway instance for the component scripts: slixmpp's ComponentXMPP
(XEP-0114) connected to the server's component port, recording what it
receives. The Go test passes the component port and secret as the
script's first two arguments; the component domain is XMPPD_COMPONENT
(default gw.localhost)."""

import asyncio
import os
import sys
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import common

DOMAIN = os.environ.get("XMPPD_COMPONENT", "gw.localhost")
NS_ACCEPT = "jabber:component:accept"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"


def port_and_secret():
    return int(sys.argv[1]), sys.argv[2]


class Gateway(slixmpp.ComponentXMPP):
    """One instance of a gateway serving DOMAIN. messages and presences
    collect every message (with a body) and presence it receives; it
    answers disco#info about itself as an ICQ gateway."""

    def __init__(self, name, port, secret):
        super().__init__(DOMAIN, secret, common.HOST, port)
        self.name = name
        self.messages = common.Inbox(self, "message")
        self.presences = common.Inbox(self, "presence")
        self.register_handler(Callback(
            "disco#info", MatchXPath("{%s}iq/{%s}query" % (NS_ACCEPT, NS_DISCO_INFO)), self._disco_info))

    async def get_dns_records(self, domain, port=None):
        return [(domain, self.address[0], self.address[1])]

    def _disco_info(self, iq):
        if iq["type"] != "get":
            return
        r = iq.reply(clear=True)
        q = ET.SubElement(r.xml, "{%s}query" % NS_DISCO_INFO)
        ET.SubElement(q, "{%s}identity" % NS_DISCO_INFO, category="gateway", type="icq", name="ICQ (%s)" % self.name)
        r.send()


async def connect(name, port, secret):
    """Connect a Gateway and wait (bounded) for the handshake to succeed."""
    gw = Gateway(name, port, secret)
    gw.connect()
    await common.first_event(gw, "session_start", ["connection_failed", "disconnected", "stream_error"],
                             "gateway %s handshake" % name)
    return gw


async def disconnect(gw):
    """Close the gateway's stream and wait (bounded) for the server's."""
    await asyncio.wait_for(gw.disconnect(wait=common.STEP), common.STEP + 1)
