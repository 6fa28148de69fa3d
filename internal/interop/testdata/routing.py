"""RFC 6121 section 8.5.2.1.1: bob is online with three resources at
priorities 5, 1 and -1; alice sends chat messages to his bare JID, first
with those priorities, then after the priority-1 resource raised its own to
5. Each bare-JID message is followed by a marker to each resource's full
JID, so when a resource has its marker, it would also have the message
before it: one sender's stanzas are routed in order."""

import common


async def send_round(alice, bob, resources, body):
    alice.send_message(mto=bob, mbody=body, mtype="chat")
    for client, _ in resources.values():
        alice.send_message(mto=client.boundjid.full, mbody="marker " + body, mtype="chat")
    for name, (client, inbox) in resources.items():
        await inbox.wait(lambda m: m["body"] == "marker " + body, "%s: marker after %r" % (name, body))


async def main():
    alice = await common.new_session("alice", resource="a")
    jb, password = await common.new_account("bob")
    resources = {}
    for name, prio in (("p5", 5), ("p1", 1), ("neg", -1)):
        client = await common.login(jb + "/" + name, password, mech="PLAIN")
        resources[name] = (client, common.Inbox(client, "message"))
        client.send_presence(ppriority=prio)
        await common.sync(client)  # the server has applied the priority

    await send_round(alice, jb, resources, "to bare, priorities 5 1 -1")
    p1 = resources["p1"][0]
    p1.send_presence(ppriority=5)
    await common.sync(p1)
    await send_round(alice, jb, resources, "to bare, priorities 5 5 -1")

    result = {name: [m["body"] for m in inbox.items] for name, (_, inbox) in resources.items()}
    for client, _ in resources.values():
        await common.close(client)
    await common.close(alice)
    return result


common.run(main)
