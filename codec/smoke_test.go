package codec

import "testing"

func TestSmoke(t *testing.T) {
	in := "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>" +
		"<message to='a@b' type='chat'><body>hi &amp; bye &#x1F600;</body><x:y xmlns:x='urn:x' x:a='1'/></message> " +
		"<presence/></stream:stream>"
	got := dumpStream(NewDecoder(Limits{}), [][]byte{[]byte(in)})
	t.Log("\n" + got)
	var chunks [][]byte
	for i := 0; i < len(in); i++ {
		chunks = append(chunks, []byte{in[i]})
	}
	got1 := dumpStream(NewDecoder(Limits{}), chunks)
	if got1 != got {
		t.Fatalf("byte-by-byte differs:\n%s", got1)
	}
}
