"""Log in to a fresh account with one SASL mechanism over one transport and
report what was negotiated, or the SASL failure.

slixmpp 1.8.3 binds SCRAM to tls-unique, which TLS 1.3 does not define
(RFC 9266); xmppd offers -PLUS with tls-exporter only. On TLS 1.3 this
client therefore sends the "y" flag under an offered -PLUS, which the server
must refuse (RFC 5802 section 6). --tls-max 1.2 gets plain SCRAM."""

import argparse
import ssl

import common


def arguments():
    p = argparse.ArgumentParser()
    p.add_argument("--transport", choices=["starttls", "direct", "plain"], default="starttls")
    p.add_argument("--mech", help="the only SASL mechanism slixmpp may use")
    p.add_argument("--tls-max", choices=["1.2"], help="highest TLS version the client offers")
    p.add_argument("--wrong-password", action="store_true")
    return p.parse_args()


async def main():
    args = arguments()
    tls_max = ssl.TLSVersion.TLSv1_2 if args.tls_max == "1.2" else None
    jid, password = await common.new_account("login")
    if args.wrong_password:
        password += "-wrong"
    try:
        client = await common.login(jid, password, transport=args.transport, mech=args.mech, tls_max=tls_max)
    except common.AuthFailed as e:
        return {"authenticated": False, "mechanism": e.mechanism, "condition": e.condition, "text": e.text}
    result = {
        "authenticated": True,
        "mechanism": client.mechanism(),
        "jid": client.boundjid.full,
        "account": jid,
        "tls": client.tls_version(),
    }
    await common.close(client)
    return result


common.run(main)
