package codec

import "testing"

// Every accessor of the element Child, FirstChild and NextSibling return
// for "none" answers "nothing" instead of panicking; it and the zero
// Element value are both IsZero.
func TestZeroElementAccessors(t *testing.T) {
	d := NewFragmentDecoder(Limits{}, "jabber:client")
	ev, _, err := d.Next([]byte("<iq type='get' id='1'><query xmlns='jabber:iq:register'/></iq>"))
	if err != nil || ev != EventElement {
		t.Fatal(ev, err)
	}
	missing := d.Element().Child("nope", "urn:x")
	var zero Element
	if !zero.IsZero() {
		t.Fatal("the zero Element value is not IsZero")
	}
	for name, e := range map[string]Element{"missing child": missing, "no first child": d.Element().FirstChild().FirstChild(), "past the last sibling": d.Element().FirstChild().NextSibling()} {
		t.Run(name, func(t *testing.T) {
			if !e.IsZero() {
				t.Fatal("not zero")
			}
			for what, got := range map[string][]byte{
				"QName": e.QName(), "Name": e.Name(), "Prefix": e.Prefix(), "NS": e.NS(),
				"Raw": e.Raw(), "StartTag": e.StartTag(), "Copy": e.Copy(), "Text": e.Text(),
				"Attr": e.Attr("to"), "AttrNS": e.AttrNS("", "to"),
			} {
				if len(got) != 0 {
					t.Errorf("%s = %q, want nothing", what, got)
				}
			}
			if e.Is("", "") || e.HasAttr("to") || e.NumAttr() != 0 || !e.IsEmpty() {
				t.Error("the zero Element claims a name, an attribute or content")
			}
			if !e.FirstChild().IsZero() || !e.NextSibling().IsZero() || !e.Child("query", "jabber:iq:register").IsZero() {
				t.Error("the zero Element has a child or sibling")
			}
			for range e.Attrs() {
				t.Error("Attrs yields")
			}
			for range e.Children() {
				t.Error("Children yields")
			}
			for range e.Nodes() {
				t.Error("Nodes yields")
			}
		})
	}
}
