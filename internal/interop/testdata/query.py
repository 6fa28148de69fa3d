"""Ask the server itself one question: XEP-0199 ping, XEP-0030 disco#info
or disco#items, or XEP-0092 version."""

import sys

import common


async def main():
    query = sys.argv[1]
    client = await common.new_session("query", plugins=["xep_0030", "xep_0092", "xep_0199"])
    server = common.DOMAIN
    if query == "ping":
        rtt = await client["xep_0199"].ping(jid=server, timeout=common.STEP)
        result = {"rtt_seconds": rtt}
    elif query == "disco-info":
        info = (await client["xep_0030"].get_info(jid=server, timeout=common.STEP))["disco_info"]
        result = {"identities": sorted("%s/%s" % (i[0], i[1]) for i in info["identities"]),
                  "features": sorted(info["features"])}
    elif query == "disco-items":
        items = (await client["xep_0030"].get_items(jid=server, timeout=common.STEP))["disco_items"]
        result = {"type": "result", "items": sorted(i[0] for i in items["items"])}
    elif query == "version":
        reply = await client["xep_0092"].get_version(server, timeout=common.STEP)
        v = reply["software_version"]
        result = {"name": v["name"], "version": v["version"], "os": v["os"]}
    else:
        raise common.Failure("unknown query " + query)
    await common.close(client)
    return result


common.run(main)
