"""Two clients send each other a chat message by full JID; report what each
received."""

import asyncio

import common

BODY = "héllo <b>&amp;</b> ☃ '\""


async def send_and_receive(sender, receiver):
    loop = asyncio.get_running_loop()
    got = loop.create_future()

    def handler(msg):
        if not got.done():
            got.set_result(msg)

    receiver.add_event_handler("message", handler)
    try:
        sender.send_message(mto=receiver.boundjid.full, mbody=BODY, mtype="chat")
        msg = await asyncio.wait_for(got, common.STEP)
    except asyncio.TimeoutError:
        raise common.Failure("%s got nothing from %s within %ss" % (receiver.boundjid, sender.boundjid, common.STEP))
    finally:
        receiver.del_event_handler("message", handler)
    return {"from": msg["from"].full, "to": msg["to"].full, "type": msg["type"], "body": msg["body"]}


async def main():
    alice = await common.new_session("alice", resource="a")
    bob = await common.new_session("bob", resource="b")
    result = {
        "alice": alice.boundjid.full,
        "bob": bob.boundjid.full,
        "sent_body": BODY,
        "alice_to_bob": await send_and_receive(alice, bob),
        "bob_to_alice": await send_and_receive(bob, alice),
    }
    await common.close(alice)
    await common.close(bob)
    return result


common.run(main)
