"""XEP-0160: alice sends bob, who is not logged in, chat and normal
messages (one to a full JID of his that is offline), a headline, and a
subscription request. bob logs in twice; report what each login received
after its initial presence."""

import time

import common

COUNT = 50  # enough that storing them out of order would show


def sent():
    """(type, to-resource or None, body) in the order alice sends them."""
    out = []
    for i in range(COUNT):
        typ = ("chat", "normal")[i % 2]
        out.append((typ, "gone" if i == 5 else None, "offline %02d %s" % (i, typ)))
    out.insert(7, ("headline", None, "offline headline"))
    return out


def message_of(msg):
    return {"from": msg["from"].full, "to": msg["to"].full, "type": msg.xml.get("type", "normal"),
            "body": msg["body"], "delay": common.delay_of(msg)}


async def login_and_collect(account):
    """Log in, send initial presence, and collect until quiet."""
    client = await common.login(*account, mech="PLAIN")
    messages = common.Inbox(client, "message")
    presences = common.Inbox(client, "presence")
    await common.sync(client)
    before = len(messages.items) + len(presences.items)
    client.send_presence()
    await messages.settle()
    got = {"before_presence": before,
           "messages": [message_of(m) for m in messages.items],
           "presence": [common.presence_of(p) for p in presences.items]}
    await common.close(client)
    return got


async def main():
    alice = await common.new_session("alice", resource="a")
    pushes = common.Inbox(alice, "roster_update")
    await common.roster_get(alice)
    bob = await common.new_account("bob")
    result = {"alice": alice.boundjid.full, "bob": bob[0], "sent_at": time.time(), "sent": []}
    for typ, resource, body in sent():
        to = bob[0] + ("/" + resource if resource else "")
        alice.send_message(mto=to, mbody=body, mtype=typ)
        result["sent"].append({"type": typ, "to": to, "body": body})
    alice.send_presence(pto=bob[0], ptype="subscribe")
    # Pushed to alice just before bob's side of the request is stored.
    await pushes.wait(common.push_of(bob[0], "none+ask"), "alice: push of bob with ask")
    await common.close(alice)

    result["first_login"] = await login_and_collect(bob)
    result["second_login"] = await login_and_collect(bob)
    result["done_at"] = time.time()
    return result


common.run(main)
