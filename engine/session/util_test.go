package session

import (
	"encoding/base64"

	"xmppd/internal/jid"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustJID(s string) jid.JID { return jid.MustParse(s) }
