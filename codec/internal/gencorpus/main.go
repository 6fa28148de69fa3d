// Command gencorpus writes codec/testdata/stream.xml, the benchmark corpus of
// the codec: one client-to-server XMPP stream as the server receives and
// routes it (chat, presence with caps, rosters, vCards with photos, iq
// traffic, disco#info, stream management nonzas, whitespace keepalives).
//
//	go run ./codec/internal/gencorpus -o codec/testdata/stream.xml [-check]
//
// The output is a pure function of -seed and -size: the generator draws
// every choice from a math/rand/v2 PCG source (whose sequence the Go
// project pins), never iterates a map and never reads the clock, so a
// regeneration is byte-for-byte identical. main_test.go holds that to the
// committed file.
//
// The markup is written by hand with the small escaping helpers below: every
// attribute value and text run escapes all five characters RFC 6120 §11.1
// asks to be escaped; no comments, processing instructions or DTDs appear.
//
// -check re-reads the output with encoding/xml.Decoder.Token. The
// architecture rule (internal/archtest) keeps encoding/xml out of non-test
// files, so the checker lives in main_test.go and -check runs it through
// `go test -run TestCheckFile`.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const (
	defaultSize = 4 << 20
	defaultSeed = 0x786d70707374 // "xmppst"
	pcgStream   = 0x636f72707573 // "corpus"

	streamHeader = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0' xml:lang='en'>`
	streamFooter = `</stream:stream>`

	// checkEnv names the file TestCheckFile in main_test.go verifies.
	checkEnv = "GENCORPUS_CHECK"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
		}
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gencorpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "-", "output `file` (- for standard output)")
	size := fs.Int("size", defaultSize, "approximate output size in `bytes`; generation stops at the first stanza boundary past it")
	seed := fs.Uint64("seed", defaultSeed, "PCG seed")
	check := fs.Bool("check", false, "re-read the output with encoding/xml (runs go test -run TestCheckFile in this package)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *size < len(streamHeader)+len(streamFooter) {
		return fmt.Errorf("-size %d is smaller than the stream header and footer", *size)
	}
	data, counts := generate(*seed, *size)
	if *out == "-" {
		if *check {
			return errors.New("-check needs -o FILE")
		}
		_, err := os.Stdout.Write(data)
		return err
	}
	if err := writeFile(*out, data); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "gencorpus: wrote %s: %d bytes; %s\n", *out, len(data), counts)
	if *check {
		return checkWithStdlib(*out, stderr)
	}
	return nil
}

// writeFile replaces path atomically, so an interrupted run never leaves a
// truncated corpus behind.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gencorpus-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// checkWithStdlib runs TestCheckFile (main_test.go) on path.
func checkWithStdlib(path string, stderr io.Writer) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "^TestCheckFile$", ".")
	// Run in this package's directory when the source is at hand (go run),
	// so -check works from anywhere in the module.
	if _, file, _, ok := runtime.Caller(0); ok {
		if _, err := os.Stat(file); err == nil {
			cmd.Dir = filepath.Dir(file)
		}
	}
	if cmd.Dir == "" {
		cmd.Args[len(cmd.Args)-1] = "xmppd/codec/internal/gencorpus"
	}
	cmd.Env = append(os.Environ(), checkEnv+"="+abs)
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("encoding/xml check of %s failed: %w", path, err)
	}
	return nil
}

// Kinds of top-level item, in the order the statistics print them.
type kind int

const (
	kChat      kind = iota // <message type='chat'> with a <body> (plain, carbons, MAM results)
	kChatState             // body-less chat state notification
	kReceipt               // XEP-0184 <received/>
	kPresence
	kRoster   // iq result with a roster
	kVCard    // iq result with a vCard and a photo
	kIQGet    // ping, vCard, disco#info, roster and version requests
	kIQResult // empty iq result
	kIQSet    // carbons, roster pushes, blocking, MAM queries, avatar publish
	kDisco    // disco#info result
	kSMr      // XEP-0198 <r/>
	kSMa      // XEP-0198 <a/>
	kKeepalive
	numKinds
)

var kindNames = [numKinds]string{
	"chat", "chatstate", "receipt", "presence", "roster", "vcard",
	"iq-get", "iq-result", "iq-set", "disco-info", "sm-r", "sm-a", "keepalive",
}

// weights are per 10,000 draws after the prelude. Chat dominates the count;
// rosters and vCards are rare but large, so together they carry about a
// third of the bytes.
var weights = [numKinds]int{
	kChat:      5600,
	kChatState: 900,
	kReceipt:   650,
	kPresence:  1750,
	kRoster:    14,
	kVCard:     26,
	kIQGet:     330,
	kIQResult:  300,
	kIQSet:     80,
	kDisco:     110,
	kSMr:       90,
	kSMa:       80,
	kKeepalive: 120,
}

// Counts is the number of items of each kind in a generated stream and
// the bytes they take (whitespace after an item not included).
type Counts struct {
	N     [numKinds]int
	Bytes [numKinds]int
}

func (c Counts) String() string {
	var sb strings.Builder
	total, bytes := 0, 0
	for k, n := range c.N {
		total += n
		bytes += c.Bytes[k]
	}
	fmt.Fprintf(&sb, "%d items:", total)
	for k, n := range c.N {
		fmt.Fprintf(&sb, " %s=%d (%.1f%%)", kindNames[k], n, 100*float64(c.Bytes[k])/float64(max(bytes, 1)))
	}
	sb.WriteString(" [count (share of item bytes)]")
	return sb.String()
}

// ---------------------------------------------------------------------------
// The generator.

type gen struct {
	r *rand.Rand
	b []byte

	// Per-stanza serialisation style.
	q      byte   // attribute quote
	mixQ   bool   // pick the quote per attribute
	apos   string // how ' is escaped
	quot   string // how " is escaped
	pretty bool   // indent children

	now     time.Time
	counts  Counts
	handled uint32 // stanzas so far, for <a h='...'/>

	me       string // the stream owner's full JID
	meBare   string
	mePerson *person
	meClient *client
	people   []*person
	clients  []*client

	pendingReceipts []string // ids of messages that asked for a receipt
	pendingIQ       []iqRef  // gets awaiting a result
	rosterVer       int
}

type iqRef struct{ id, peer string }

type person struct {
	first, last string
	display     string
	nick        string
	bare        string
	lang        *language
	res         []string // online resources
	cl          []*client
}

type client struct {
	name     string
	node     string
	resource string // prefix of generated resources
	typ      string // disco identity type
	os       string
	version  string
	ver      string // caps hash
	features []string
	idStyle  int
}

func generate(seed uint64, size int) ([]byte, Counts) {
	g := &gen{
		r:   rand.New(rand.NewPCG(seed, pcgStream)),
		b:   make([]byte, 0, size+128<<10),
		now: time.Date(2026, time.November, 22, 3, 27, 0, 0, time.UTC),
	}
	g.setup()
	g.b = append(g.b, streamHeader...)
	g.sep()

	// What a client does right after binding: enable carbons, fetch the
	// roster, send initial presence and receive its contacts' presence.
	g.item(kIQSet)
	g.item(kRoster)
	g.item(kPresence)
	for range 12 {
		g.item(kPresence)
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	for len(g.b)+len(streamFooter) < size {
		x := g.r.IntN(total)
		k := kind(0)
		for x >= weights[k] {
			x -= weights[k]
			k++
		}
		g.item(k)
	}
	g.b = append(g.b, streamFooter...)
	return g.b, g.counts
}

// item writes one top-level item of kind k and the whitespace after it.
func (g *gen) item(k kind) {
	g.now = g.now.Add(time.Duration(g.r.IntN(4000)) * time.Millisecond)
	g.style()
	start := len(g.b)
	switch k {
	case kChat:
		g.chat()
	case kChatState:
		g.chatState()
	case kReceipt:
		g.receipt()
	case kPresence:
		g.presence()
	case kRoster:
		g.roster()
	case kVCard:
		g.vcard()
	case kIQGet:
		g.iqGet()
	case kIQResult:
		g.iqResult()
	case kIQSet:
		g.iqSet()
	case kDisco:
		g.disco()
	case kSMr:
		g.s(`<r xmlns='urn:xmpp:sm:3'/>`)
	case kSMa:
		g.open("a")
		g.attr("xmlns", "urn:xmpp:sm:3")
		g.attr("h", strconv.FormatUint(uint64(g.handled), 10))
		g.empty()
	case kKeepalive:
		// A whitespace keepalive is a lone space or newline between stanzas.
		g.s(pick(g.r, []string{" ", " ", "\n", "\r\n"}))
	}
	if k < kSMr {
		g.handled++
	}
	g.counts.N[k]++
	g.counts.Bytes[k] += len(g.b) - start
	if k != kKeepalive {
		g.sep()
	}
}
