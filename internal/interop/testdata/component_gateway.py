"""One gateway (slixmpp ComponentXMPP) and two users: the XEP-0114
handshake, stanzas both ways, a bounce, disco, the presence the gateway
gets when a user with the gateway in the roster logs in and out (the
gateway login flow), the server's answer to the gateway's probe, and a
user's bounce once the gateway is gone. Arguments: component port,
secret, and the name and password of the provisioned user."""

import sys
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

import common
import gateway

NS_ITEMS = "http://jabber.org/protocol/disco#items"
NS_INFO = "http://jabber.org/protocol/disco#info"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def message_of(m):
    body = None
    for child in m.xml:
        if child.tag.endswith("}body"):
            body = child.tag
    return {"from": m["from"].full, "to": m["to"].full, "tag": m.xml.tag, "body_tag": body,
            "body": m["body"], "type": m.xml.get("type", "")}


def error_of(stanza):
    """The error child's tag and its stanza error condition, as received."""
    for child in stanza.xml:
        if child.tag.endswith("}error"):
            conds = [c.tag.split("}", 1)[1] for c in child if c.tag.startswith("{%s}" % NS_STANZAS)]
            return {"tag": child.tag, "type": child.get("type"), "condition": conds[0] if conds else None}
    return None


def pres_of(p):
    return {"from": p["from"].full, "to": p["to"].full, "type": p.xml.get("type", "available"),
            "status": p["status"]}


async def main():
    port, secret = gateway.port_and_secret()
    provisioned_user, provisioned_password = sys.argv[3], sys.argv[4]
    gw = await gateway.connect("gw1", port, secret)
    result = {}

    password = "secret-Pa55"
    alice = await common.register(common.unique_user("gwuser"), password)
    ja = alice.boundjid
    messages = common.Inbox(alice, "message")
    await common.roster_get(alice)
    alice.send_presence()
    await common.sync(alice)

    # User to gateway, and back.
    alice.send_message(mto="icq-1@" + gateway.DOMAIN, mbody="to ICQ", mtype="chat")
    m = await gw.messages.wait(lambda m: m["body"] == "to ICQ", "gateway: alice's message")
    result["to_gateway"] = message_of(m)
    gw.send_message(mto=ja.full, mfrom="icq-1@" + gateway.DOMAIN, mbody="from ICQ", mtype="chat")
    m = await messages.wait(lambda m: m["body"] == "from ICQ", "alice: the gateway's message")
    result["to_user"] = message_of(m)

    # The gateway asks something of a user who is not there: an error back.
    iq = gw.Iq()
    iq["type"] = "get"
    iq["from"] = gateway.DOMAIN
    iq["to"] = "nobody-%s@%s/x" % (common.unique_user("n"), common.DOMAIN)
    iq.xml.append(ET.Element("{jabber:iq:version}query"))
    try:
        await iq.send(timeout=common.STEP)
        result["gateway_iq_error"] = None
    except IqError as e:
        # Read from the XML: slixmpp's error plugin looks for
        # {jabber:client}error only, even on a component stream.
        result["gateway_iq_error"] = error_of(e.iq)

    # The server lists the gateway; the gateway answers its own disco#info.
    iq = alice.Iq()
    iq["type"] = "get"
    iq["to"] = common.DOMAIN
    iq.xml.append(ET.Element("{%s}query" % NS_ITEMS))
    res = await iq.send(timeout=common.STEP)
    result["server_items"] = [i.get("jid") for i in res.xml.find("{%s}query" % NS_ITEMS)]
    iq = alice.Iq()
    iq["type"] = "get"
    iq["to"] = gateway.DOMAIN
    iq.xml.append(ET.Element("{%s}query" % NS_INFO))
    res = await iq.send(timeout=common.STEP)
    result["gateway_identities"] = [dict(i.attrib) for i in res.xml.find("{%s}query" % NS_INFO)]

    # The gateway login flow, with a user the portal provisioned (the Go
    # test writes the account and its roster item for the gateway, with
    # subscription both, before the server starts). The gateway holds its
    # own record of the user, as a real one keeps its registrations.
    jaques = "%s@%s" % (provisioned_user, common.DOMAIN)
    item = gw.roster[gateway.DOMAIN][jaques]
    item["from"], item["to"] = True, True
    first = len(gw.presences.items)
    user = await common.login(jaques + "/r", provisioned_password, mech="PLAIN")
    presences = common.Inbox(user, "presence")
    user.send_presence(pstatus="on")
    full = user.boundjid.full
    await gw.presences.wait(lambda p: p["from"].full == full and p.xml.get("type") is None,
                            "gateway: the user's presence at login")
    await gw.presences.wait(lambda p: p["from"].full == jaques and p.xml.get("type") == "probe",
                            "gateway: the user's probe at login")
    # slixmpp's roster answers the probe with the gateway's presence.
    await presences.wait(common.presence_from(gateway.DOMAIN, "available"), "user: the gateway's presence")
    # The gateway probes the user: the server answers for the user.
    answers = common.Inbox(gw, "presence")
    gw.send_presence(pto=jaques, pfrom=gateway.DOMAIN, ptype="probe")
    answer = await answers.wait(lambda p: p["from"].full == full, "gateway: the answer to its probe")
    answers.close()
    result["probe_answer"] = pres_of(answer)
    await common.close(user)
    await gw.presences.wait(lambda p: p["from"].full == full and p.xml.get("type") == "unavailable",
                            "gateway: the user's unavailable presence at logout")
    result["gateway_presence_log"] = [pres_of(p) for p in gw.presences.items[first:]]
    result["provisioned_full"] = full

    # The gateway leaves: alice's message to it bounces.
    await gateway.disconnect(gw)
    errors = common.Inbox(alice, "message_error")
    alice.send_message(mto="icq-1@" + gateway.DOMAIN, mbody="anyone?", mtype="chat")
    err = await errors.wait(lambda m: True, "alice: an error for the message to the departed gateway")
    result["after_disconnect"] = {"from": err["from"].full, "condition": err["error"]["condition"]}
    await common.close(alice)
    return result


common.run(main)
