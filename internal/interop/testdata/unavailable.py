"""RFC 6121 section 4.5: alice and bob are subscribed to each other. bob
goes offline twice while alice watches: once by dropping the TCP connection
without closing the stream, once by sending unavailable presence with a
status."""

import common


async def main():
    a, b = await common.new_account("alice"), await common.new_account("bob")
    await common.befriend(a, b)
    ja, jb = a[0], b[0]
    alice, _, seen = await common.available((ja + "/a", a[1]))

    dropped, _, _ = await common.available((jb + "/dropped", b[1]))
    await seen.wait(common.presence_from(dropped.boundjid.full, "available"), "alice: presence of bob/dropped")
    dropped.abort()  # no </stream:stream>: the server sees the connection end
    await seen.wait(common.presence_from(dropped.boundjid.full, "unavailable"), "alice: bob/dropped gone")

    explicit, _, _ = await common.available((jb + "/explicit", b[1]))
    await seen.wait(common.presence_from(explicit.boundjid.full, "available"), "alice: presence of bob/explicit")
    explicit.send_presence(ptype="unavailable", pstatus="gone fishing")
    await seen.wait(common.presence_from(explicit.boundjid.full, "unavailable"), "alice: bob/explicit gone")
    await common.close(explicit)
    await common.close(alice)
    return {"alice": alice.boundjid.full, "bob": jb, "seen_by_alice": [common.presence_of(p) for p in seen.items]}


common.run(main)
