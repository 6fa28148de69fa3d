"""XEP-0049: alice stores private XML, reads it back on a new connection,
reads a namespace she never stored; bob tries to read hers."""

import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

import common

NS_PRIVATE = "jabber:iq:private"
NS_PREFS = "interop:prefs"


async def private(client, typ, payload, to=None):
    iq = client.Iq()
    iq["type"] = typ
    if to:
        iq["to"] = to
    ET.SubElement(iq.xml, "{%s}query" % NS_PRIVATE).append(payload)
    try:
        reply = await iq.send(timeout=common.STEP)
    except IqError as e:
        return {"type": "error", "condition": e.iq["error"]["condition"]}
    q = reply.xml.find("{%s}query" % NS_PRIVATE)
    return {"type": "result", "data": [element_of(e) for e in (q if q is not None else [])]}


def element_of(e):
    return {"tag": e.tag, "text": (e.text or "").strip(), "children": [element_of(c) for c in e]}


async def main():
    jid, password = await common.new_account("alice")
    alice = await common.login(jid, password, mech="PLAIN")
    prefs = ET.Element("{%s}prefs" % NS_PREFS)
    ET.SubElement(prefs, "{%s}nick" % NS_PREFS).text = "Ålice <&>"
    ET.SubElement(prefs, "{%s}color" % NS_PREFS).text = "blue"
    result = {"stored": element_of(prefs), "set": await private(alice, "set", prefs)}
    await common.close(alice)

    alice = await common.login(jid, password, mech="PLAIN")
    result["get"] = await private(alice, "get", ET.Element("{%s}prefs" % NS_PREFS))
    result["get_never_stored"] = await private(alice, "get", ET.Element("{interop:other}other"))
    bob = await common.new_session("bob")
    result["get_by_other_user"] = await private(bob, "get", ET.Element("{%s}prefs" % NS_PREFS), to=jid)
    await common.close(alice)
    await common.close(bob)
    return result


common.run(main)
