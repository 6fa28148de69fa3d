"""STARTTLS, SASL, bind a resource of our choosing, then the legacy session
IQ (RFC 3921) that older clients send although the server marks it
optional."""

import common


async def main():
    client = await common.new_session("bind", resource="interop-res")
    result = {
        "starttls": "starttls" in client.features,
        "tls": client.tls_version(),
        "requested": client.requested_jid.full,
        "bound": client.boundjid.full,
    }
    iq = client.Iq()
    iq["type"] = "set"
    iq.enable("session")
    reply = await iq.send(timeout=common.STEP)
    result["session"] = reply["type"]
    await common.close(client)
    return result


common.run(main)
