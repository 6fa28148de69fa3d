package subscription

import "testing"

// The nine states of RFC 6121 Appendix A.1.
var (
	sNone     = State{}
	sNonePO   = State{PendingOut: true}
	sNonePI   = State{PendingIn: true}
	sNonePOI  = State{PendingOut: true, PendingIn: true}
	sTo       = State{Sub: To}
	sToPI     = State{Sub: To, PendingIn: true}
	sFrom     = State{Sub: From}
	sFromPO   = State{Sub: From, PendingOut: true}
	sBoth     = State{Sub: Both}
	sNoneA    = State{Approved: true}
	sNonePOA  = State{PendingOut: true, Approved: true}
	sToA      = State{Sub: To, Approved: true}
	rfcStates = []State{sNone, sNonePO, sNonePI, sNonePOI, sTo, sToPI, sFrom, sFromPO, sBoth}
)

// row is one line of an Appendix A table, extended with what the RFC's
// prose adds: the roster push, the stored request, the auto-reply and the
// presence the server sends.
type row struct {
	from    State
	forward bool // the table's ROUTE? or DELIVER? column
	to      State
	push    bool
	store   bool
	reply   Kind
	effects Effects
}

const (
	yes = true
	no  = false
)

// checkRows runs rows for the items of a listed contact, each subtest named
// after the RFC state it starts from.
func checkRows(t *testing.T, dir string, k Kind, rows []row) {
	t.Helper()
	step := Outbound
	if dir == "inbound" {
		step = Inbound
	}
	for _, tc := range rows {
		t.Run(tc.from.String(), func(t *testing.T) {
			in := Item{Record: Listed, State: tc.from}
			got := step(in, k)
			want := Result{
				Item:         Item{Record: Listed, State: tc.to},
				Changed:      tc.to != tc.from,
				Push:         tc.push,
				Forward:      tc.forward,
				StoreRequest: tc.store,
				Reply:        tc.reply,
				Effects:      tc.effects,
			}
			if want.Changed {
				want.Write = WritePut
			}
			if got != want {
				t.Errorf("%s %s in %q:\n got %+v\nwant %+v", dir, k, tc.from, got, want)
			}
		})
	}
}

// A.2.1: outbound subscribe. Routed in every state.
func TestOutboundSubscribe(t *testing.T) {
	checkRows(t, "outbound", Subscribe, []row{
		{from: sNone, forward: yes, to: sNonePO, push: yes},
		{from: sNonePO, forward: yes, to: sNonePO},
		{from: sNonePI, forward: yes, to: sNonePOI, push: yes},
		{from: sNonePOI, forward: yes, to: sNonePOI},
		{from: sTo, forward: yes, to: sTo},
		{from: sToPI, forward: yes, to: sToPI},
		{from: sFrom, forward: yes, to: sFromPO, push: yes},
		{from: sFromPO, forward: yes, to: sFromPO},
		{from: sBoth, forward: yes, to: sBoth},
	})
}

// A.2.2: outbound unsubscribe. Routed in every state.
func TestOutboundUnsubscribe(t *testing.T) {
	checkRows(t, "outbound", Unsubscribe, []row{
		{from: sNone, forward: yes, to: sNone},
		{from: sNonePO, forward: yes, to: sNone, push: yes},
		{from: sNonePI, forward: yes, to: sNonePI},
		{from: sNonePOI, forward: yes, to: sNonePI, push: yes},
		{from: sTo, forward: yes, to: sNone, push: yes},
		{from: sToPI, forward: yes, to: sNonePI, push: yes},
		{from: sFrom, forward: yes, to: sFrom},
		{from: sFromPO, forward: yes, to: sFrom, push: yes},
		{from: sBoth, forward: yes, to: sFrom, push: yes},
	})
}

// A.2.3 with §3.1.5 and §3.4.2: outbound subscribed. Where the table says
// "no state change [pre-approval]" the state gains Approved.
func TestOutboundSubscribed(t *testing.T) {
	checkRows(t, "outbound", Subscribed, []row{
		{from: sNone, forward: no, to: sNoneA, push: yes},
		{from: sNonePO, forward: no, to: sNonePOA, push: yes},
		{from: sNonePI, forward: yes, to: sFrom, push: yes, effects: SendAvailable},
		{from: sNonePOI, forward: yes, to: sFromPO, push: yes, effects: SendAvailable},
		{from: sTo, forward: no, to: sToA, push: yes},
		{from: sToPI, forward: yes, to: sBoth, push: yes, effects: SendAvailable},
		{from: sFrom, forward: no, to: sFrom},
		{from: sFromPO, forward: no, to: sFromPO},
		{from: sBoth, forward: no, to: sBoth},
	})
}

// A.2.4 with §3.2.2: outbound unsubscribed. Denying a pending request
// changes nothing a roster item shows, so it pushes nothing.
func TestOutboundUnsubscribed(t *testing.T) {
	checkRows(t, "outbound", Unsubscribed, []row{
		{from: sNone, forward: no, to: sNone},
		{from: sNonePO, forward: no, to: sNonePO},
		{from: sNonePI, forward: yes, to: sNone},
		{from: sNonePOI, forward: yes, to: sNonePO},
		{from: sTo, forward: no, to: sTo},
		{from: sToPI, forward: yes, to: sTo},
		{from: sFrom, forward: yes, to: sNone, push: yes, effects: SendUnavailable},
		{from: sFromPO, forward: yes, to: sNonePO, push: yes, effects: SendUnavailable},
		{from: sBoth, forward: yes, to: sTo, push: yes, effects: SendUnavailable},
	})
}

// A.3.1 with §3.1.3: inbound subscribe. "*" rows: the server auto-replies
// subscribed.
func TestInboundSubscribe(t *testing.T) {
	checkRows(t, "inbound", Subscribe, []row{
		{from: sNone, forward: yes, to: sNonePI, store: yes},
		{from: sNonePO, forward: yes, to: sNonePOI, store: yes},
		{from: sNonePI, forward: no, to: sNonePI},
		{from: sNonePOI, forward: no, to: sNonePOI},
		{from: sTo, forward: yes, to: sToPI, store: yes},
		{from: sToPI, forward: no, to: sToPI},
		{from: sFrom, forward: no, to: sFrom, reply: Subscribed, effects: SendAvailable},
		{from: sFromPO, forward: no, to: sFromPO, reply: Subscribed, effects: SendAvailable},
		{from: sBoth, forward: no, to: sBoth, reply: Subscribed, effects: SendAvailable},
	})
}

// A.3.2 with §3.3.3: inbound unsubscribe.
func TestInboundUnsubscribe(t *testing.T) {
	checkRows(t, "inbound", Unsubscribe, []row{
		{from: sNone, forward: no, to: sNone},
		{from: sNonePO, forward: no, to: sNonePO},
		{from: sNonePI, forward: yes, to: sNone},
		{from: sNonePOI, forward: yes, to: sNonePO},
		{from: sTo, forward: no, to: sTo},
		{from: sToPI, forward: yes, to: sTo},
		{from: sFrom, forward: yes, to: sNone, push: yes, effects: SendUnavailable},
		{from: sFromPO, forward: yes, to: sNonePO, push: yes, effects: SendUnavailable},
		{from: sBoth, forward: yes, to: sTo, push: yes, effects: SendUnavailable},
	})
}

// A.3.3 with §3.1.6: inbound subscribed.
func TestInboundSubscribed(t *testing.T) {
	checkRows(t, "inbound", Subscribed, []row{
		{from: sNone, forward: no, to: sNone},
		{from: sNonePO, forward: yes, to: sTo, push: yes, effects: Probe},
		{from: sNonePI, forward: no, to: sNonePI},
		{from: sNonePOI, forward: yes, to: sToPI, push: yes, effects: Probe},
		{from: sTo, forward: no, to: sTo},
		{from: sToPI, forward: no, to: sToPI},
		{from: sFrom, forward: no, to: sFrom},
		{from: sFromPO, forward: yes, to: sBoth, push: yes, effects: Probe},
		{from: sBoth, forward: no, to: sBoth},
	})
}

// A.3.4 with §3.2.3: inbound unsubscribed.
func TestInboundUnsubscribed(t *testing.T) {
	checkRows(t, "inbound", Unsubscribed, []row{
		{from: sNone, forward: no, to: sNone},
		{from: sNonePO, forward: yes, to: sNone, push: yes},
		{from: sNonePI, forward: no, to: sNonePI},
		{from: sNonePOI, forward: yes, to: sNonePI, push: yes},
		{from: sTo, forward: yes, to: sNone, push: yes},
		{from: sToPI, forward: yes, to: sNonePI, push: yes},
		{from: sFrom, forward: no, to: sFrom},
		{from: sFromPO, forward: yes, to: sFrom, push: yes},
		{from: sBoth, forward: yes, to: sFrom, push: yes},
	})
}

// §3.4: the three states that can hold a pre-approval, under each of the
// eight stanzas. The approval concerns the contact's subscription to the
// user, so stanzas about the other direction carry it along.
func TestPreApproval(t *testing.T) {
	t.Run("outbound subscribe", func(t *testing.T) {
		checkRows(t, "outbound", Subscribe, []row{
			{from: sNoneA, forward: yes, to: sNonePOA, push: yes},
			{from: sNonePOA, forward: yes, to: sNonePOA},
			{from: sToA, forward: yes, to: sToA},
		})
	})
	t.Run("outbound unsubscribe", func(t *testing.T) {
		checkRows(t, "outbound", Unsubscribe, []row{
			{from: sNoneA, forward: yes, to: sNoneA},
			{from: sNonePOA, forward: yes, to: sNoneA, push: yes},
			{from: sToA, forward: yes, to: sNoneA, push: yes},
		})
	})
	t.Run("outbound subscribed", func(t *testing.T) {
		// Already approved: nothing to note, nothing routed.
		checkRows(t, "outbound", Subscribed, []row{
			{from: sNoneA, forward: no, to: sNoneA},
			{from: sNonePOA, forward: no, to: sNonePOA},
			{from: sToA, forward: no, to: sToA},
		})
	})
	t.Run("outbound unsubscribed", func(t *testing.T) {
		// §3.2.2: the pre-approval is withdrawn and the stanza not routed.
		checkRows(t, "outbound", Unsubscribed, []row{
			{from: sNoneA, forward: no, to: sNone, push: yes},
			{from: sNonePOA, forward: no, to: sNonePO, push: yes},
			{from: sToA, forward: no, to: sTo, push: yes},
		})
	})
	t.Run("inbound subscribe", func(t *testing.T) {
		// §3.4.2: answered by the server, the approval used up.
		checkRows(t, "inbound", Subscribe, []row{
			{from: sNoneA, forward: no, to: sFrom, push: yes, reply: Subscribed, effects: SendAvailable},
			{from: sNonePOA, forward: no, to: sFromPO, push: yes, reply: Subscribed, effects: SendAvailable},
			{from: sToA, forward: no, to: sBoth, push: yes, reply: Subscribed, effects: SendAvailable},
		})
	})
	t.Run("inbound unsubscribe", func(t *testing.T) {
		checkRows(t, "inbound", Unsubscribe, []row{
			{from: sNoneA, forward: no, to: sNoneA},
			{from: sNonePOA, forward: no, to: sNonePOA},
			{from: sToA, forward: no, to: sToA},
		})
	})
	t.Run("inbound subscribed", func(t *testing.T) {
		checkRows(t, "inbound", Subscribed, []row{
			{from: sNoneA, forward: no, to: sNoneA},
			{from: sNonePOA, forward: yes, to: sToA, push: yes, effects: Probe},
			{from: sToA, forward: no, to: sToA},
		})
	})
	t.Run("inbound unsubscribed", func(t *testing.T) {
		checkRows(t, "inbound", Unsubscribed, []row{
			{from: sNoneA, forward: no, to: sNoneA},
			{from: sNonePOA, forward: yes, to: sNoneA, push: yes},
			{from: sToA, forward: yes, to: sNoneA, push: yes},
		})
	})
}

// Records: a contact with nothing stored, and one stored only for its
// request (Appendix A.1, §3.2.2, §3.3.3, §3.4.2 rule 4).
func TestRecords(t *testing.T) {
	absent := Item{}
	unlisted := Item{Record: Unlisted, State: sNonePI}
	listed := func(s State) Item { return Item{Record: Listed, State: s} }
	tests := []struct {
		name    string
		step    func(Item, Kind) Result
		in      Item
		k       Kind
		want    Item
		write   Write
		push    bool
		forward bool
		store   bool
		effects Effects
	}{
		{"outbound subscribe creates the roster item", Outbound, absent, Subscribe,
			listed(sNonePO), WritePut, yes, yes, no, 0},
		{"outbound unsubscribe creates nothing", Outbound, absent, Unsubscribe,
			absent, WriteNone, no, yes, no, 0},
		{"outbound subscribed creates a pre-approved item", Outbound, absent, Subscribed,
			listed(sNoneA), WritePut, yes, no, no, 0},
		{"outbound unsubscribed to a stranger is dropped", Outbound, absent, Unsubscribed,
			absent, WriteNone, no, no, no, 0},
		{"inbound subscribe keeps the request unlisted", Inbound, absent, Subscribe,
			unlisted, WritePut, no, yes, yes, 0},
		{"inbound unsubscribe from a stranger is ignored", Inbound, absent, Unsubscribe,
			absent, WriteNone, no, no, no, 0},
		{"inbound subscribed from a stranger is ignored", Inbound, absent, Subscribed,
			absent, WriteNone, no, no, no, 0},
		{"inbound unsubscribed from a stranger is ignored", Inbound, absent, Unsubscribed,
			absent, WriteNone, no, no, no, 0},

		{"outbound subscribe lists the contact", Outbound, unlisted, Subscribe,
			listed(sNonePOI), WritePut, yes, yes, no, 0},
		{"outbound unsubscribe leaves the request", Outbound, unlisted, Unsubscribe,
			unlisted, WriteNone, no, yes, no, 0},
		{"outbound subscribed approves and lists", Outbound, unlisted, Subscribed,
			listed(sFrom), WritePut, yes, yes, no, SendAvailable},
		{"outbound unsubscribed denies and removes the record", Outbound, unlisted, Unsubscribed,
			absent, WriteDelete, no, yes, no, 0},
		{"inbound repeated subscribe", Inbound, unlisted, Subscribe,
			unlisted, WriteNone, no, no, no, 0},
		{"inbound unsubscribe withdraws and removes the record", Inbound, unlisted, Unsubscribe,
			absent, WriteDelete, no, yes, no, 0},
		{"inbound subscribed without a request", Inbound, unlisted, Subscribed,
			unlisted, WriteNone, no, no, no, 0},
		{"inbound unsubscribed without a request", Inbound, unlisted, Unsubscribed,
			unlisted, WriteNone, no, no, no, 0},

		{"a listed item keeps its record when the request is withdrawn", Inbound, listed(sNonePI), Unsubscribe,
			listed(sNone), WritePut, no, yes, no, 0},
		{"a listed item keeps its record when the request is denied", Outbound, listed(sNonePI), Unsubscribed,
			listed(sNone), WritePut, no, yes, no, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.step(tc.in, tc.k)
			want := Result{
				Item:         tc.want,
				Changed:      tc.want != tc.in,
				Write:        tc.write,
				Push:         tc.push,
				Forward:      tc.forward,
				StoreRequest: tc.store,
				Effects:      tc.effects,
			}
			if got != want {
				t.Errorf("%s from %v:\n got %+v\nwant %+v", tc.k, tc.in, got, want)
			}
		})
	}
}

// An invalid Kind is ignored.
func TestInvalidKind(t *testing.T) {
	in := Item{Record: Listed, State: sBoth}
	for _, k := range []Kind{0, Unsubscribed + 1, 255} {
		for _, step := range []func(Item, Kind) Result{Outbound, Inbound} {
			if got := step(in, k); got != (Result{Item: in}) {
				t.Errorf("kind %d: %+v", k, got)
			}
		}
	}
}

// A damaged record gets a defined answer and is repaired: the impossible
// flag is dropped, stored and pushed.
func TestDamagedRecordIsRepaired(t *testing.T) {
	in := Item{Record: Listed, State: State{Sub: Both, PendingOut: true, PendingIn: true, Approved: true}}
	got := Inbound(in, Subscribed)
	want := Result{Item: Item{Record: Listed, State: sBoth}, Changed: true, Write: WritePut, Push: true}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseKind(t *testing.T) {
	for k := Subscribe; k <= Unsubscribed; k++ {
		if got, ok := ParseKind(k.String()); !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, ok)
		}
	}
	for _, v := range []string{"", "probe", "unavailable", "error", "Subscribe", "subscribe "} {
		if _, ok := ParseKind(v); ok {
			t.Errorf("ParseKind(%q) accepted", v)
		}
	}
}

func TestStateNames(t *testing.T) {
	want := []string{"None", "None + Pending Out", "None + Pending In", "None + Pending Out+In",
		"To", "To + Pending In", "From", "From + Pending Out", "Both"}
	for i, s := range rfcStates {
		if s.String() != want[i] {
			t.Errorf("%+v: %q, want %q", s, s.String(), want[i])
		}
	}
	if got := sNonePOA.String(); got != "None + Pending Out + Approved" {
		t.Errorf("pre-approved: %q", got)
	}
}

// The transitions run on every stanza; they must not allocate.
func TestNoAllocs(t *testing.T) {
	in := Item{Record: Listed, State: sNonePOI}
	var sink Result
	n := testing.AllocsPerRun(100, func() {
		for k := Subscribe; k <= Unsubscribed; k++ {
			sink = Outbound(in, k)
			sink = Inbound(sink.Item, k)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
	_ = sink
}
