"""Three instances of one gateway (slixmpp ComponentXMPP, same domain and
secret) and USERS users, each sending three messages to different legacy
contacts per round. Round 1 with the three instances; round 2 after the
first instance disconnects; round 3 after a fourth instance connects.
Reports, per round, which instances each user's messages reached.
Arguments: component port, secret."""

import asyncio

import common
import gateway

USERS = 24
PER_ROUND = 3


async def round_of(n, users, gws):
    """Every user sends PER_ROUND messages; wait until the gateways have
    them all; return {user: sorted instance names}."""
    marks = {gw.name: len(gw.messages.items) for gw in gws}
    body = "round %d" % n
    for u in users:
        for k in range(PER_ROUND):
            u.send_message(mto="contact%d@%s" % (k, gateway.DOMAIN), mbody=body, mtype="chat")
    want = len(users) * PER_ROUND
    loop = asyncio.get_running_loop()
    deadline = loop.time() + common.STEP
    while True:
        got = {}
        count = 0
        for gw in gws:
            for m in gw.messages.items[marks[gw.name]:]:
                if m["body"] == body:
                    got.setdefault(m["from"].bare, set()).add(gw.name)
                    count += 1
        if count >= want:
            return {u: sorted(names) for u, names in got.items()}, count
        if loop.time() > deadline:
            raise common.Failure("round %d: the gateways got %d of %d messages" % (n, count, want))
        await asyncio.sleep(0.05)


async def main():
    port, secret = gateway.port_and_secret()
    gws = [await gateway.connect("gw%d" % i, port, secret) for i in range(3)]
    users = await asyncio.gather(*[common.register(common.unique_user("bal"), "secret-Pa55") for _ in range(USERS)])
    for u in users:
        await common.sync(u)
    result = {"users": [u.boundjid.bare for u in users], "rounds": []}

    owners, count = await round_of(1, users, gws)
    result["rounds"].append({"instances": [g.name for g in gws], "owners": owners, "messages": count})

    departed = gws[0]
    # The server detaches an instance before it answers its closing tag.
    await gateway.disconnect(departed)
    gws = gws[1:]
    owners, count = await round_of(2, users, gws)
    result["rounds"].append({"instances": [g.name for g in gws], "owners": owners, "messages": count,
                             "departed": departed.name})

    gws.append(await gateway.connect("gw3", port, secret))
    owners, count = await round_of(3, users, gws)
    result["rounds"].append({"instances": [g.name for g in gws], "owners": owners, "messages": count,
                             "joined": "gw3"})

    for u in users:
        await common.close(u)
    for gw in gws:
        await gateway.disconnect(gw)
    return result


common.run(main)
