"""RFC 6121 section 3.1: alice and bob subscribe to each other's presence,
one direction after the other, each approving the other's request. Report
the roster pushes and subscription presence each side received, and each
side's roster at the end."""

import common


def pushed(iq):
    return [dict(i, ver=iq["roster"]["ver"]) for i in common.roster_items(iq)]


async def main():
    alice = await common.new_session("alice", resource="a")
    bob = await common.new_session("bob", resource="b")
    ja, jb = alice.boundjid.bare, bob.boundjid.bare
    pushes = {c: common.Inbox(c, "roster_update", keep=lambda iq: iq["type"] == "set") for c in (alice, bob)}
    presences = {c: common.Inbox(c, "presence") for c in (alice, bob)}
    for c in (alice, bob):
        await common.roster_get(c)  # an interested resource (section 2.1.6)
        c.send_presence()
        await common.sync(c)

    # Section 3.1.1-3.1.6, alice asks, bob approves; then the other way.
    alice.send_presence(pto=jb, ptype="subscribe")
    await presences[bob].wait(common.presence_from(ja, "subscribe"), "bob: subscribe from alice")
    bob.send_presence(pto=ja, ptype="subscribed")
    await presences[alice].wait(common.presence_from(jb, "subscribed"), "alice: subscribed from bob")
    bob.send_presence(pto=ja, ptype="subscribe")
    await presences[alice].wait(common.presence_from(jb, "subscribe"), "alice: subscribe from bob")
    alice.send_presence(pto=jb, ptype="subscribed")
    await presences[bob].wait(common.presence_from(ja, "subscribed"), "bob: subscribed from alice")

    # The last pushes are 'both' on each side.
    await pushes[alice].wait(common.push_of(jb, "both"), "alice: push of bob with subscription both")
    await pushes[bob].wait(common.push_of(ja, "both"), "bob: push of alice with subscription both")
    for c in (alice, bob):
        await common.sync(c)

    result = {"alice": alice.boundjid.full, "bob": bob.boundjid.full}
    for name, c in (("alice", alice), ("bob", bob)):
        result[name + "_pushes"] = [p for iq in pushes[c].items for p in pushed(iq)]
        result[name + "_presence"] = [common.presence_of(p) for p in presences[c].items]
        result[name + "_roster"] = common.roster_items(await common.roster_get(c))
    await common.close(alice)
    await common.close(bob)
    return result


common.run(main)
