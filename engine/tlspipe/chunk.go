package tlspipe

import "sync"

// chunk is a pooled outbound buffer. done is bound once, so handing it to
// Socket.AsyncWrite allocates nothing on the pipe's side.
type chunk struct {
	b     []byte
	class int8 // index into chunkClasses; -1: not pooled
	done  func()
}

// Classes fit a small stanza, an MTU-sized record run, a full 16 KiB record
// with overhead, and a coalesced batch.
var chunkClasses = [...]int{512, 2 << 10, 8 << 10, 17 << 10, maxBatch}

const maxBatch = 64 << 10

var chunkPools [len(chunkClasses)]sync.Pool

// getChunk returns an empty chunk with capacity ≥ n.
func getChunk(n int) *chunk {
	for i, size := range chunkClasses {
		if n > size {
			continue
		}
		if v := chunkPools[i].Get(); v != nil {
			c := v.(*chunk)
			c.b = c.b[:0]
			return c
		}
		c := &chunk{b: make([]byte, 0, size), class: int8(i)}
		c.done = c.release
		return c
	}
	return &chunk{b: make([]byte, 0, n), class: -1}
}

func (c *chunk) release() {
	if c.class >= 0 {
		chunkPools[c.class].Put(c)
	}
}

// plainBufSize holds the largest TLS plaintext record, so each
// tls.Conn.Read returns a whole record's worth.
const plainBufSize = 16 << 10

var plainPool = sync.Pool{New: func() any { return new([plainBufSize]byte) }}
