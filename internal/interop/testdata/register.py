"""XEP-0077: register a new account in-band, log in with it on a new
connection, then try to register the same username again."""

import common


async def main():
    user = common.unique_user("reg")
    password = "first-Pa55"
    client = await common.register(user, password)
    result = {"form": client.registration_form, "registered_jid": client.boundjid.bare}
    await common.close(client)

    client = await common.login(result["registered_jid"], password, mech="PLAIN")
    result["login_jid"] = client.boundjid.bare
    await common.close(client)

    try:
        client = await common.register(user, "second-Pa55")
        await common.close(client)
        result["again"] = "registered"
    except common.RegistrationRefused as e:
        result["again"] = e.condition
    return result


common.run(main)
