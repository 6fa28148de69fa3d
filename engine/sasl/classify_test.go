package sasl

import "testing"

func TestChannelBindingRefused(t *testing.T) {
	tests := []struct {
		err  *Error
		want bool
	}{
		{fail(NotAuthorized, "unsupported-channel-binding-type", nil), true},
		{fail(NotAuthorized, "server-does-support-channel-binding", nil), true},
		{fail(NotAuthorized, "channel-bindings-dont-match", nil), true},
		{fail(NotAuthorized, "", errBadPassword), false},
		{fail(MalformedRequest, "", nil), false},
	}
	for _, tc := range tests {
		if got := tc.err.ChannelBindingRefused(); got != tc.want {
			t.Errorf("%v: got %v", tc.err, got)
		}
	}
}
