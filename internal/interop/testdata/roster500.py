"""RFC 6121 section 2: bob adds 500 contacts with pipelined roster sets
while an interested resource of his watches the pushes; a fresh login then
gets the roster in one result. Then roster versioning (section 2.6): a get
with the version just received returns an empty result."""

import asyncio
import time

import common

COUNT = 500


def contact(i):
    return "contact-%03d@example.net" % i


async def add(client, i):
    iq = client.Iq()
    iq["type"] = "set"
    iq["roster"]["items"] = {contact(i): {"name": "Contact %d" % i, "groups": ["interop", "group %d" % (i % 7)]}}
    await iq.send(timeout=common.STEP)


async def main():
    jid, password = await common.new_account("bob")
    adder = await common.login(jid + "/adder", password, mech="PLAIN")
    watcher = await common.login(jid + "/watcher", password, mech="PLAIN")
    pushes = common.Inbox(watcher, "roster_update")
    await common.roster_get(watcher)

    start = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(add(adder, i) for i in range(COUNT))), common.STEP * 2)
    sets_seconds = time.monotonic() - start
    last = contact(COUNT - 1)
    await pushes.wait(lambda iq: any(i["jid"] == last for i in common.roster_items(iq)), "watcher: push of " + last)
    await common.sync(watcher)
    await common.close(adder)
    await common.close(watcher)

    fresh = await common.login(jid + "/fresh", password, mech="PLAIN")
    start = time.monotonic()
    full = await common.roster_get(fresh, ver="")
    get_seconds = time.monotonic() - start
    ver = full["roster"]["ver"]
    again = await common.roster_get(fresh, ver=ver)
    await common.close(fresh)

    pushed = [i for iq in pushes.items for i in common.roster_items(iq)]
    items = common.roster_items(full)
    return {
        "count": COUNT,
        "sets_seconds": sets_seconds,
        "pushes": len(pushed),
        "pushed_contacts": len({i["jid"] for i in pushed}),
        "jids": [i["jid"] for i in items],
        "sample": [i for i in items if i["jid"] == contact(123)],
        "ver": ver,
        "get_seconds": get_seconds,
        "unchanged_type": again["type"],
        "unchanged_has_query": again.xml.find("{jabber:iq:roster}query") is not None,
        "unchanged_items": len(common.roster_items(again)),
    }


common.run(main)
