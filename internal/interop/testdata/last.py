"""XEP-0012: bob goes offline with a status; alice, subscribed to his
presence, asks how long ago; carol, not subscribed, asks too."""

import time
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

import common


async def last_activity(client, to):
    iq = client.Iq()
    iq["type"] = "get"
    iq["to"] = to
    iq.xml.append(ET.Element("{jabber:iq:last}query"))
    try:
        reply = await iq.send(timeout=common.STEP)
    except IqError as e:
        return {"type": "error", "condition": e.iq["error"]["condition"], "error_type": e.iq["error"]["type"]}
    q = reply.xml.find("{jabber:iq:last}query")
    return {"type": "result", "seconds": int(q.get("seconds")) if q.get("seconds") else None, "status": q.text or ""}


async def main():
    a, b = await common.new_account("alice"), await common.new_account("bob")
    await common.befriend(a, b)
    bob, _, _ = await common.available(b)
    left_at = time.time()
    bob.send_presence(ptype="unavailable", pstatus="gone fishing")
    await common.sync(bob)
    await common.close(bob)

    alice, _, seen = await common.available(a)
    # Her initial presence probes bob (RFC 6121 section 4.3.2); the answer
    # carries what last activity says.
    probe_answer = await seen.wait(common.presence_from(b[0], "unavailable"), "alice: probe answer for bob")
    carol = await common.new_session("carol")
    result = {
        "left_at": left_at,
        "probe_answer": common.presence_of(probe_answer),
        "subscribed_asks": await last_activity(alice, b[0]),
        "unsubscribed_asks": await last_activity(carol, b[0]),
        "asked_at": time.time(),
    }
    await common.close(alice)
    await common.close(carol)
    return result


common.run(main)
