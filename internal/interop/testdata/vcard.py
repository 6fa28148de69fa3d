"""XEP-0054: alice publishes her vCard and reads it back; bob reads
alice's, his own (never published), and that of an account that does not
exist."""

import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

import common

FIELDS = {"FN": "Alice Ünïcode", "NICKNAME": "al <&> 'quoted'", "DESC": "line one\nline two ☃"}


def fields_of(iq):
    vcard = iq.xml.find("{vcard-temp}vCard")
    if vcard is None:
        return None
    return {child.tag.split("}", 1)[1]: child.text or "" for child in vcard}


async def get(client, to=None):
    """A vCard get, to=None being one's own (section 3.1); returns the
    fields, or the error condition."""
    iq = client.Iq()
    iq["type"] = "get"
    if to:
        iq["to"] = to
    iq.xml.append(ET.Element("{vcard-temp}vCard"))
    try:
        return {"type": "result", "fields": fields_of(await iq.send(timeout=common.STEP))}
    except IqError as e:
        return {"type": "error", "condition": e.iq["error"]["condition"]}


async def main():
    alice = await common.new_session("alice", plugins=["xep_0054"])
    vcard = alice["xep_0054"].make_vcard()
    for name, value in FIELDS.items():
        vcard[name] = value
    await alice["xep_0054"].publish_vcard(vcard, timeout=common.STEP)
    bob = await common.new_session("bob", plugins=["xep_0054"])
    other = await bob["xep_0054"].get_vcard(alice.boundjid.bare, local=False, timeout=common.STEP)
    result = {
        "published": FIELDS,
        "own": await get(alice),
        "own_by_bare_jid": await get(alice, alice.boundjid.bare),
        "others": {"type": other["type"], "fields": fields_of(other)},
        "never_published": await get(bob),
        "no_such_user": await get(bob, common.unique_user("nobody") + "@" + common.DOMAIN),
    }
    await common.close(alice)
    await common.close(bob)
    return result


common.run(main)
