"""RFC 6121 section 4: alice and bob are subscribed to each other. alice
comes online while bob is offline (her probe is answered for him), then bob
comes online: his initial presence is broadcast to alice, and the probe his
login sends is answered with alice's presence."""

import common


async def main():
    a, b = await common.new_account("alice"), await common.new_account("bob")
    await common.befriend(a, b)
    ja, jb = a[0], b[0]

    alice, _, seen_by_alice = await common.available((ja + "/a", a[1]), pshow="away", pstatus="at lunch")
    await seen_by_alice.wait(common.presence_from(jb, "unavailable"), "alice: probe answer for offline bob")
    bob, _, seen_by_bob = await common.available((jb + "/b", b[1]), pshow="dnd", pstatus="in a meeting", ppriority=3)
    await seen_by_alice.wait(common.presence_from(jb + "/b"), "alice: bob's initial presence")
    await seen_by_bob.wait(common.presence_from(ja + "/a"), "bob: alice's presence at his login")
    result = {
        "alice": alice.boundjid.full,
        "bob": bob.boundjid.full,
        "seen_by_alice": [common.presence_of(p) for p in seen_by_alice.items],
        "seen_by_bob": [common.presence_of(p) for p in seen_by_bob.items],
    }
    await common.close(bob)
    await common.close(alice)
    return result


common.run(main)
