"""XEP-0191: bob blocks alice. alice's message to bob is not delivered;
bob's message to alice is refused with an error; after bob unblocks her,
her messages arrive again. Ordering makes the negative checks exact: an
IQ alice sends bob after her message is answered only after the message
was routed, and bob's ping is answered only after everything routed to
him before."""

import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

import common

NS_BLOCKING_ERRORS = "urn:xmpp:blocking:errors"


async def probe_iq(sender, to):
    """An IQ get to a full JID: its answer orders what sender sent before."""
    iq = sender.Iq()
    iq["type"] = "get"
    iq["to"] = to
    iq.xml.append(ET.Element("{urn:xmpp:ping}ping"))
    try:
        await iq.send(timeout=common.STEP)
        return "result"
    except IqError as e:
        return e.iq["error"]["condition"]


def error_of(msg):
    err = msg.xml.find("{%s}error" % common.NS_CLIENT)
    if err is None:
        return None
    return {"from": msg["from"].full, "type": err.get("type"), "condition": msg["error"]["condition"],
            "blocked": err.find("{%s}blocked" % NS_BLOCKING_ERRORS) is not None}


async def main():
    alice = await common.new_session("alice", resource="a", plugins=["xep_0199"])
    bob = await common.new_session("bob", resource="b", plugins=["xep_0191"])
    ja, jb = alice.boundjid, bob.boundjid
    to_bob = common.Inbox(bob, "message")
    alice_errors = common.Inbox(alice, "message_error")
    bob_errors = common.Inbox(bob, "message_error")
    block_pushes = common.Inbox(bob, "blocked")
    for c in (alice, bob):
        c.send_presence()
        await common.sync(c)
    result = {"alice": ja.full, "bob": jb.full}

    await bob["xep_0191"].get_blocked(timeout=common.STEP)  # asks for pushes (section 3.2)
    await bob["xep_0191"].block([ja.bare], timeout=common.STEP)
    result["blocklist"] = [str(j) for j in
                           (await bob["xep_0191"].get_blocked(timeout=common.STEP))["blocklist"]["items"]]
    await block_pushes.wait(lambda iq: True, "bob: block push")
    result["block_push"] = [str(j) for j in block_pushes.items[0]["block"]["items"]]

    alice.send_message(mto=jb.full, mbody="while blocked, to full JID", mtype="chat")
    alice.send_message(mto=jb.bare, mbody="while blocked, to bare JID", mtype="chat")
    result["alice_iq_while_blocked"] = await probe_iq(alice, jb.full)
    await common.sync(bob)
    bob.send_message(mto=ja.full, mbody="to someone I block", mtype="chat")
    await bob_errors.wait(lambda m: True, "bob: error for his message to alice")
    result["bob_send_error"] = error_of(bob_errors.items[0])
    await common.sync(alice)
    result["alice_got_errors"] = [error_of(m) for m in alice_errors.items]

    await bob["xep_0191"].unblock([ja.bare], timeout=common.STEP)
    alice.send_message(mto=jb.full, mbody="after unblock", mtype="chat")
    await to_bob.wait(lambda m: m["body"] == "after unblock", "bob: alice's message after unblock")
    result["bob_got"] = [m["body"] for m in to_bob.items]
    await common.close(alice)
    await common.close(bob)
    return result


common.run(main)
