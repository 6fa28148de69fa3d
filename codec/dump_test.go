package codec

import (
	"fmt"
	"strconv"
	"strings"
)

// dumpElement writes a canonical, namespace-resolved description of e: the
// form golden files and the split-invariance property compare. Adjacent text
// and CDATA runs are merged, since a re-encoding may merge them.
func dumpElement(b *strings.Builder, e Element, indent string) {
	fmt.Fprintf(b, "%s<{%s}%s", indent, e.NS(), e.Name())
	for a := range e.Attrs() {
		if a.IsNSDecl() {
			fmt.Fprintf(b, " xmlns(%s)=%q", a.QName(), a.Value())
			continue
		}
		fmt.Fprintf(b, " {%s}%s=%q", a.NS(), a.Name(), a.Value())
	}
	b.WriteString(">\n")
	var text []byte
	flush := func() {
		if text != nil {
			fmt.Fprintf(b, "%s  text %s\n", indent, strconv.Quote(string(text)))
			text = nil
		}
	}
	for n := range e.Nodes() {
		if n.IsText() {
			text = append(text, n.Text()...)
			if text == nil {
				text = []byte{}
			}
			continue
		}
		flush()
		dumpElement(b, n.Element(), indent+"  ")
	}
	flush()
}

// dumpStream decodes chunks in order and returns the event dump, ending with
// "error <condition>" when decoding fails.
func dumpStream(d *Decoder, chunks [][]byte) string {
	var b strings.Builder
	for _, p := range chunks {
		for {
			ev, n, err := d.Next(p)
			if err != nil {
				var ce *Error
				if e, ok := err.(*Error); ok {
					ce = e
				}
				if ce != nil {
					fmt.Fprintf(&b, "error %s\n", ce.Condition)
				} else {
					fmt.Fprintf(&b, "error %v\n", err)
				}
				return b.String()
			}
			p = p[n:]
			switch ev {
			case EventStreamStart:
				h := d.Header()
				fmt.Fprintf(&b, "stream-start %s ns=%q to=%q from=%q id=%q version=%q lang=%q\n",
					h.qname(), h.ContentNS(), h.To(), h.From(), h.ID(), h.Version(), h.Lang())
			case EventElement:
				b.WriteString("element\n")
				dumpElement(&b, d.Element(), "  ")
			case EventStreamEnd:
				b.WriteString("stream-end\n")
			}
			if ev == EventNone {
				break
			}
		}
	}
	return b.String()
}
