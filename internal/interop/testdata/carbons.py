"""XEP-0280: bob is online at "desk", which enables carbons, and at
"phone"; alice talks with bob/phone. Report the carbons desk gets. Each
private message (section 7) is followed by a plain one on the same path,
whose carbon would come after the private one's."""

import xml.etree.ElementTree as ET

import common

NS_CARBONS = "urn:xmpp:carbons:2"


def private_message(sender, to, body):
    msg = sender.make_message(mto=to, mbody=body, mtype="chat")
    msg.xml.append(ET.Element("{%s}private" % NS_CARBONS))
    msg.xml.append(ET.Element("{urn:xmpp:hints}no-copy"))
    return msg


def carbon_of(carbon):
    """A carbon as sent, read from its XML whatever the namespace of the
    copy, and whether slixmpp found the copy where XEP-0297 puts it (a
    jabber:client stanza inside <forwarded/>)."""
    kind = "sent" if carbon.xml.find("{%s}sent" % NS_CARBONS) is not None else "received"
    out = {"kind": kind, "from": carbon["from"].full, "to": carbon["to"].full,
           "slixmpp_found_copy": bool(carbon["carbon_" + kind])}
    forwarded = carbon.xml.find(".//{urn:xmpp:forward:0}forwarded")
    if forwarded is not None and len(forwarded):
        copy = forwarded[0]
        ns, _, name = copy.tag[1:].partition("}")
        body = next((c.text for c in copy if c.tag.endswith("}body")), None)
        out.update(copy_ns=ns, copy_name=name, copy_from=copy.get("from"), copy_to=copy.get("to"),
                   copy_type=copy.get("type", "normal"), body=body)
    return out


async def main():
    alice = await common.new_session("alice", resource="a")
    jb, password = await common.new_account("bob")
    desk = await common.login(jb + "/desk", password, mech="PLAIN", plugins=["xep_0280"])
    phone = await common.login(jb + "/phone", password, mech="PLAIN")
    carbons = common.Inbox(desk, "carbon_sent", "carbon_received")
    direct = common.Inbox(desk, "message")
    for c in (alice, desk, phone):
        c.send_presence()
        await common.sync(c)
    await desk["xep_0280"].enable(timeout=common.STEP)

    phone.send_message(mto=alice.boundjid.full, mbody="sent by phone", mtype="chat")
    alice.send_message(mto=phone.boundjid.full, mbody="received by phone", mtype="chat")
    private_message(phone, alice.boundjid.full, "private, sent by phone").send()
    phone.send_message(mto=alice.boundjid.full, mbody="sent by phone after private", mtype="chat")
    private_message(alice, phone.boundjid.full, "private, received by phone").send()
    alice.send_message(mto=phone.boundjid.full, mbody="received by phone after private", mtype="chat")
    for body in ("sent by phone after private", "received by phone after private"):
        await carbons.wait(lambda m, body=body: body in str(m), "desk: carbon of " + repr(body))
    await common.sync(desk)

    result = {"alice": alice.boundjid.full, "desk": desk.boundjid.full, "phone": phone.boundjid.full,
              "carbons": [carbon_of(m) for m in carbons.items],
              "direct": [m["body"] for m in direct.items]}
    for c in (alice, desk, phone):
        await common.close(c)
    return result


common.run(main)
