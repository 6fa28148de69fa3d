package codec

// Release hands back the buffers the views of the last event use (the tape,
// and scratch if the element was split across reads), so that a decoder
// waiting for input holds nothing. Views taken before are invalid after it.
// Call it when the input at hand is used up: a connection that then goes
// idle costs only the Decoder struct. A partial element, if any, stays.
func (d *Decoder) Release() { d.release() }
