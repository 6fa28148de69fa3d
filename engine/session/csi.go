package session

import (
	"bytes"
	"sync"
)

// Client state indication (XEP-0352). While a client says it is inactive
// (a phone in a pocket), presence for it is held back and coalesced (only
// the latest from each sender is kept); messages and everything else go
// out at once. Becoming active flushes what was held, in arrival order.

type csiState struct {
	mu       sync.Mutex // guards the following fields
	inactive bool
	held     map[string]int // sender -> index in queue
	queue    [][]byte
}

// hold keeps presence b for an inactive client; false when the client is
// active or b is not presence.
func (c *csiState) hold(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("<presence")) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inactive {
		return false
	}
	from := string(attrInTag(b, "from"))
	if i, ok := c.held[from]; ok {
		c.queue[i] = b // newer presence replaces older
		return true
	}
	if c.held == nil {
		c.held = make(map[string]int)
	}
	c.held[from] = len(c.queue)
	c.queue = append(c.queue, b)
	return true
}

// set changes the state and returns what to flush when becoming active.
func (c *csiState) set(inactive bool) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inactive = inactive
	if inactive {
		return nil
	}
	q := c.queue
	c.queue, c.held = nil, nil
	return q
}

// attrInTag returns the value of attribute name in the start tag of b, as
// written (xmppd's own stanzas need no decoding here), or nil.
func attrInTag(b []byte, name string) []byte {
	end := bytes.IndexByte(b, '>')
	if end < 0 {
		return nil
	}
	tag := b[:end]
	for _, q := range []string{"'", "\""} {
		if i := bytes.Index(tag, []byte(" "+name+"="+q)); i >= 0 {
			v := tag[i+len(name)+3:]
			if j := bytes.IndexByte(v, q[0]); j >= 0 {
				return v[:j]
			}
		}
	}
	return nil
}

func (s *Session) handleCSI(name string) {
	c := s.csi.Load()
	if c == nil {
		c = &csiState{} // allocated by the clients that use CSI only
		s.csi.Store(c)
	}
	switch name {
	case "inactive":
		c.set(true)
	case "active":
		for _, b := range c.set(false) {
			s.t.Enqueue(b)
		}
	}
}
