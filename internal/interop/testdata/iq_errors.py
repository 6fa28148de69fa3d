"""Send a ping IQ to addresses nobody answers for and report each error
(RFC 6120 section 10, RFC 6121 section 8.5)."""

from slixmpp.exceptions import IqError

import common


async def main():
    client = await common.new_session("iqerr", plugins=["xep_0199"])
    own = client.boundjid.bare
    targets = {
        "missing_bare": "nobody-%s@%s" % (common.unique_user("x"), common.DOMAIN),
        "missing_full": "nobody-%s@%s/res" % (common.unique_user("x"), common.DOMAIN),
        "offline_resource": own + "/not-connected",
        "unserved_user": "someone@unserved.example",
        "unserved_domain": "unserved.example",
    }
    result = {}
    for name, to in targets.items():
        iq = client.Iq()
        iq["type"] = "get"
        iq["to"] = to
        iq.enable("ping")
        try:
            reply = await iq.send(timeout=common.STEP)
            result[name] = {"to": to, "type": reply["type"]}
        except IqError as e:
            err = e.iq["error"]
            result[name] = {"to": to, "type": "error", "from": e.iq["from"].full,
                            "condition": err["condition"], "error_type": err["type"]}
    await common.close(client)
    return result


common.run(main)
