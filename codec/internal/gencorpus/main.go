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
	"encoding/base64"
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
	"unicode"
	"unicode/utf8"
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

// style picks how the next stanza is serialised, as different client
// libraries do: quote character, escape forms, indentation.
func (g *gen) style() {
	g.q = '\''
	if g.r.IntN(10) < 3 {
		g.q = '"'
	}
	g.mixQ = g.r.IntN(50) == 0
	g.apos, g.quot = "&apos;", "&quot;"
	if g.r.IntN(4) == 0 {
		g.apos, g.quot = "&#39;", "&#34;"
	}
	g.pretty = false
}

func (g *gen) sep() {
	switch x := g.r.IntN(100); {
	case x < 55:
	case x < 90:
		g.s("\n")
	case x < 97:
		g.s(" ")
	default:
		g.s("\n\n")
	}
}

// ---------------------------------------------------------------------------
// Serialisation helpers.

func (g *gen) s(str string) { g.b = append(g.b, str...) }

func (g *gen) open(name string) {
	g.b = append(g.b, '<')
	g.b = append(g.b, name...)
}

func (g *gen) gt()    { g.b = append(g.b, '>') }
func (g *gen) empty() { g.b = append(g.b, "/>"...) }

func (g *gen) end(name string) {
	g.b = append(g.b, "</"...)
	g.b = append(g.b, name...)
	g.b = append(g.b, '>')
}

func (g *gen) attr(name, val string) {
	q := g.q
	if g.mixQ && g.r.IntN(2) == 0 {
		q = '\'' + '"' - q
	}
	g.b = append(g.b, ' ')
	g.b = append(g.b, name...)
	g.b = append(g.b, '=', q)
	g.b = g.escape(g.b, val, true)
	g.b = append(g.b, q)
}

// text appends escaped character data.
func (g *gen) text(s string) { g.b = g.escape(g.b, s, false) }

// leaf writes <name>text</name>, or <name/> for empty text.
func (g *gen) leaf(name, text string) {
	g.open(name)
	if text == "" {
		g.empty()
		return
	}
	g.gt()
	g.text(text)
	g.end(name)
}

// nl indents the next child when the stanza is pretty-printed.
func (g *gen) nl(depth int) {
	if !g.pretty {
		return
	}
	g.b = append(g.b, '\n')
	for range depth {
		g.b = append(g.b, ' ', ' ')
	}
}

// escape appends s with the five predefined entities escaped (RFC 6120
// §11.1 asks for all five, in text and in attribute values). In attribute
// values it also writes whitespace other than the space as character
// references, which attribute-value normalisation would otherwise fold; in
// text it protects a carriage return from end-of-line normalisation.
func (g *gen) escape(dst []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '\'':
			dst = append(dst, g.apos...)
		case '"':
			dst = append(dst, g.quot...)
		case '\r':
			dst = append(dst, "&#13;"...)
		case '\n':
			if inAttr {
				dst = append(dst, "&#10;"...)
			} else {
				dst = append(dst, '\n')
			}
		case '\t':
			if inAttr {
				dst = append(dst, "&#9;"...)
			} else {
				dst = append(dst, '\t')
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// ---------------------------------------------------------------------------
// Random helpers.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (g *gen) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (g *gen) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.r.IntN(len(alnum))]
	}
	return string(b)
}

func (g *gen) hex(nbytes int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*nbytes)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) randBytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := g.r.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

func (g *gen) uuid() string {
	h := g.hex(16)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[g.r.IntN(4)]) + h[17:20] + "-" + h[20:]
}

// id returns a stanza id in the style of a client library.
func (g *gen) id(style int) string {
	switch style {
	case 0:
		return g.uuid()
	case 1:
		return g.alnum(12)
	case 2:
		return "purple" + g.hex(4)
	case 3:
		return g.hex(16)
	default:
		return g.alnum(5) + "-" + strconv.Itoa(g.r.IntN(100000))
	}
}

func (g *gen) stamp(t time.Time) string {
	if g.chance(20) {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	return t.Format("2006-01-02T15:04:05Z")
}

func (g *gen) past(maxHours int) time.Time {
	return g.now.Add(-time.Duration(g.r.IntN(maxHours*3600)+1) * time.Second)
}

// contact picks a contact, the first ones (the people one talks to most)
// far more often than the rest.
func (g *gen) contact() *person {
	return g.people[g.r.IntN(g.r.IntN(len(g.people))+1)]
}

func (g *gen) fullJID(p *person) string {
	return p.bare + "/" + pick(g.r, p.res)
}

func (g *gen) clientOf(p *person, res string) *client {
	for i, r := range p.res {
		if r == res {
			return p.cl[i]
		}
	}
	return p.cl[0]
}

// ---------------------------------------------------------------------------
// People, clients and text.

type name struct{ display, ascii string }

type language struct {
	code    string
	words   []string
	spaced  bool
	ends    []string
	firsts  []name
	lasts   []name
	status  []string
	domains []string
}

var languages = []*language{
	{
		code: "en",
		words: strings.Fields(`hey hi hello yes no ok okay sure thanks thank you
			the a an and or but so if then when where what why how who is are was
			were be been will would can could should did do does not just really
			very much more less today tomorrow tonight later now soon yesterday
			meeting call lunch dinner coffee beer work home office server deploy
			build test tests release ticket bug fix patch review merge branch
			please check look at this that these those file link photo video
			sent send got get see saw going coming leaving back here there
			about around after before time minutes hour week weekend monday
			friday great good nice cool awesome sorry problem issue done ready
			almost still yet again also too maybe probably think know guess
			let me us we you they he she it I my our your their his her
			train bus late early traffic rain weather sunny cold hot meet
			station airport hotel ticket booked flight delayed cancelled
			happy birthday congrats love miss talk tomorrow's plan plans
			kids school dog cat movie game match score won lost`),
		spaced: true,
		ends:   []string{".", ".", ".", "!", "?", "...", " :)", " :D", " ;)"},
		firsts: []name{{"James", "james"}, {"Mary", "mary"}, {"Robert", "robert"}, {"Patricia", "patricia"},
			{"John", "john"}, {"Jennifer", "jennifer"}, {"Michael", "michael"}, {"Linda", "linda"},
			{"David", "david"}, {"Elizabeth", "elizabeth"}, {"William", "william"}, {"Susan", "susan"},
			{"Richard", "richard"}, {"Jessica", "jessica"}, {"Thomas", "thomas"}, {"Sarah", "sarah"},
			{"Daniel", "daniel"}, {"Karen", "karen"}, {"Matthew", "matthew"}, {"Emily", "emily"}},
		lasts: []name{{"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"}, {"Brown", "brown"},
			{"Jones", "jones"}, {"Miller", "miller"}, {"Davis", "davis"}, {"Wilson", "wilson"},
			{"Anderson", "anderson"}, {"Taylor", "taylor"}, {"O'Brien", "obrien"}, {"O'Connor", "oconnor"},
			{"D'Angelo", "dangelo"}, {"McAllister", "mcallister"}, {"Smith-Jones", "smith-jones"}},
		status: []string{"At work", "Busy, call me later", "On vacation 🌴", "brb", "Away & back soon",
			`Listening to "Bohemian Rhapsody"`, "<offline soon>", "In a meeting until 3pm", "🎧", "Working from home",
			"Don't disturb", "Lunch 🍕", "Out of office until Monday"},
		domains: []string{"example.com", "example.org", "jabber.example.net", "chat.example.co.uk"},
	},
	{
		code: "ru",
		words: strings.Fields(`привет как дела сегодня завтра встреча работа хорошо
			спасибо да нет может быть позже позвоню сервер опять упал посмотри
			пожалуйста файл отправил где ты мы они вечером кофе обед проект готов
			почти ещё немного понял ладно конечно давай ок купить молоко хлеб
			новости видел фильм интересно очень сейчас буду через минут час дома
			офис отчёт ёлка жёлтый съезд поезд опаздываю пробки погода холодно
			выходные пятница понедельник релиз тесты ветка ревью билет`),
		spaced: true,
		ends:   []string{".", ".", "!", "?", "...", " :)", ")", "))"},
		firsts: []name{{"Андрей", "andrey"}, {"Мария", "maria"}, {"Дмитрий", "dmitry"}, {"Анна", "anna"},
			{"Сергей", "sergey"}, {"Елена", "elena"}, {"Алексей", "alexey"}, {"Ольга", "olga"},
			{"Иван", "ivan"}, {"Наталья", "natalya"}, {"Юрий", "yuri"}, {"Фёдор", "fedor"}},
		lasts: []name{{"Иванов", "ivanov"}, {"Смирнов", "smirnov"}, {"Кузнецов", "kuznetsov"},
			{"Попов", "popov"}, {"Соколов", "sokolov"}, {"Лебедев", "lebedev"}, {"Козлов", "kozlov"},
			{"Новиков", "novikov"}, {"Морозов", "morozov"}, {"Щербаков", "shcherbakov"}},
		status:  []string{"Работаю", "Не беспокоить", "Скоро буду", "На встрече", "В отпуске ☀️", "Дома", "Обед"},
		domains: []string{"example.ru", "jabber.example.ru", "xmpp.example.su", "пример.рф"},
	},
	{
		code: "de",
		words: strings.Fields(`hallo wie geht's heute morgen Besprechung Grüße schön
			Straße über für können müssen später Bescheid gemütlich Brötchen
			natürlich danke bitte genau übrigens Größe weiß ja nein vielleicht
			Büro Zug Verspätung Feierabend Wochenende Kaffee Mittagessen gleich
			fertig Fehler behoben Release nächste Woche Grüß dich tschüss`),
		spaced: true,
		ends:   []string{".", "!", "?", "...", " :)"},
		firsts: []name{{"Jürgen", "juergen"}, {"Jörg", "joerg"}, {"Anna", "anna"}, {"Lukas", "lukas"},
			{"Sophie", "sophie"}, {"Björn", "bjoern"}, {"Katrin", "katrin"}, {"Günther", "guenther"}},
		lasts: []name{{"Müller", "mueller"}, {"Schmidt", "schmidt"}, {"Schröder", "schroeder"},
			{"Weiß", "weiss"}, {"Hoffmann", "hoffmann"}, {"Groß", "gross"}, {"Köhler", "koehler"}},
		status:  []string{"Im Büro", "Im Urlaub ☀️", "Bin gleich zurück", "Besprechung bis 15 Uhr", "Mittagspause"},
		domains: []string{"example.de", "jabber.example.de", "xmpp.example.at"},
	},
	{
		code: "fr",
		words: strings.Fields(`bonjour salut ça va très bien merci à demain réunion été
			déjà où être français garçon fenêtre naïve cœur Noël problème café
			voilà peut-être s'il vous plaît d'accord j'arrive c'est ce soir
			bureau train retard week-end déjeuner prêt presque encore bientôt`),
		spaced: true,
		ends:   []string{".", " !", " ?", "...", " :)"},
		firsts: []name{{"Élodie", "elodie"}, {"François", "francois"}, {"Hélène", "helene"}, {"Jérôme", "jerome"},
			{"Chloé", "chloe"}, {"Benoît", "benoit"}, {"Amélie", "amelie"}, {"Zoë", "zoe"}},
		lasts: []name{{"Lefèvre", "lefevre"}, {"Dubois", "dubois"}, {"Moreau", "moreau"}, {"Girard", "girard"},
			{"Rousseau", "rousseau"}, {"Bérenger", "berenger"}, {"D'Artagnan", "dartagnan"}},
		status:  []string{"En réunion jusqu'à 15h", "Au bureau", "En vacances 🏖️", "Occupé", "De retour bientôt"},
		domains: []string{"example.fr", "jabber.example.fr", "chat.example.be"},
	},
	{
		code: "zh",
		words: []string{"你好", "今天", "明天", "开会", "我们", "晚上", "吃饭", "好的", "谢谢",
			"没问题", "服务器", "又", "挂了", "看看", "这个", "文件", "已经", "发给你了", "周末",
			"有空吗", "一起", "去", "哈哈", "辛苦了", "马上", "到", "等一下", "在吗", "怎么样",
			"项目", "进度", "测试", "通过", "了", "下午", "三点", "会议室", "北京", "上海"},
		spaced: false,
		ends:   []string{"。", "！", "？", "～", "。。。"},
		firsts: []name{{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"},
			{"磊", "lei"}, {"洋", "yang"}, {"勇", "yong"}},
		lasts: []name{{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
			{"杨", "yang"}, {"赵", "zhao"}},
		status:  []string{"在忙", "开会中", "出差", "休假中", "马上回来"},
		domains: []string{"example.cn", "jabber.example.com.cn"},
	},
	{
		code: "ja",
		words: []string{"こんにちは", "今日", "明日", "会議", "よろしく", "お願いします", "ありがとう",
			"ございます", "了解です", "サーバー", "また", "落ちた", "ちょっと", "待って", "ください",
			"後で", "連絡", "します", "お疲れ様", "です", "ファイル", "送りました", "確認", "すみません",
			"大丈夫", "東京", "ラーメン", "食べ", "ましょう", "か", "電車", "遅れて", "います"},
		spaced: false,
		ends:   []string{"。", "！", "？", "〜", "w"},
		firsts: []name{{"翔太", "shota"}, {"さくら", "sakura"}, {"健", "ken"}, {"陽菜", "hina"},
			{"大輔", "daisuke"}, {"美咲", "misaki"}},
		lasts: []name{{"佐藤", "sato"}, {"鈴木", "suzuki"}, {"高橋", "takahashi"}, {"田中", "tanaka"},
			{"渡辺", "watanabe"}},
		status:  []string{"会議中", "外出中", "作業中", "休憩中☕"},
		domains: []string{"example.jp", "jabber.example.ne.jp"},
	},
}

// languageWeights: English dominates, then Russian, the rest share the tail.
var languageWeights = []int{50, 18, 9, 9, 8, 6}

var emoji = []string{"😀", "😂", "👍", "❤️", "🎉", "🙏", "🔥", "😅", "🤔", "😢", "🙂", "😉",
	"👀", "✅", "🚀", "☕", "🍕", "👨‍💻", "👩‍👩‍👧‍👦", "🇩🇪", "🇯🇵", "🏳️‍🌈", "👍🏽", "🤷‍♂️", "💯"}

// specials put the characters that must be escaped into text.
var specials = []string{"Tom & Jerry", "<3", "a < b", "x > y", `"quoted"`, "it's", "don't",
	"R&D", "->", "<br>", "https://example.com/search?q=xmpp&lang=en", "5 > 3 && 2 < 4",
	"'single'", "AT&T", "<script>alert('x')</script>", "Q&A", `He said "hi" & left`}

// charRefs are written as they are: numeric character references a client
// may emit instead of the character. runes is what they decode to.
var charRefs = []struct {
	ref   string
	runes int
}{
	{"&#x1F600;", 1}, {"&#233;", 1}, {"&#8364;", 1}, {"&#x4E2D;&#x6587;", 2},
	{"&#xE9;", 1}, {"&#x2764;&#xFE0F;", 2}, {"&#169;", 1}, {"&#x1F44D;", 1},
}

var cdataSnippets = []string{
	"if (a < b && b > c) {\n    return \"ok\";\n}",
	"<b>bold</b> & <i>italic</i>",
	"SELECT * FROM users WHERE age > 18 AND name <> 'bob';",
	"x := []byte(\"<stream:stream>\") // & friends",
	"<message to='bob@example.com'><body>hi</body></message>",
	"for i in range(10): print(i * 2 if i < 5 else i & 3)",
	"a &amp; b is not an entity in here",
}

var groups = []string{"Friends", "Family", "Work", "Coworkers", "Друзья", "Семья",
	"同事", "家族", "Arbeit & Co", "Team <Alpha>", "Uni '09", "Gaming 🎮", "Transports", "Neighbours",
	"Football ⚽", "Book club"}

var allFeatures = []string{
	"eu.siacs.conversations.axolotl.devicelist+notify",
	"http://jabber.org/protocol/activity+notify",
	"http://jabber.org/protocol/bytestreams",
	"http://jabber.org/protocol/caps",
	"http://jabber.org/protocol/chatstates",
	"http://jabber.org/protocol/disco#info",
	"http://jabber.org/protocol/disco#items",
	"http://jabber.org/protocol/geoloc+notify",
	"http://jabber.org/protocol/ibb",
	"http://jabber.org/protocol/mood+notify",
	"http://jabber.org/protocol/muc",
	"http://jabber.org/protocol/nick",
	"http://jabber.org/protocol/nick+notify",
	"http://jabber.org/protocol/si",
	"http://jabber.org/protocol/si/profile/file-transfer",
	"http://jabber.org/protocol/tune+notify",
	"http://jabber.org/protocol/xhtml-im",
	"jabber:iq:last",
	"jabber:iq:version",
	"jabber:x:conference",
	"jabber:x:data",
	"jabber:x:oob",
	"storage:bookmarks+notify",
	"urn:xmpp:attention:0",
	"urn:xmpp:avatar:metadata+notify",
	"urn:xmpp:bob",
	"urn:xmpp:bookmarks:1+notify",
	"urn:xmpp:carbons:2",
	"urn:xmpp:chat-markers:0",
	"urn:xmpp:eme:0",
	"urn:xmpp:hash-function-text-names:sha-256",
	"urn:xmpp:hashes:2",
	"urn:xmpp:idle:1",
	"urn:xmpp:jingle-message:0",
	"urn:xmpp:jingle:1",
	"urn:xmpp:jingle:apps:dtls:0",
	"urn:xmpp:jingle:apps:file-transfer:5",
	"urn:xmpp:jingle:apps:rtp:1",
	"urn:xmpp:jingle:apps:rtp:audio",
	"urn:xmpp:jingle:apps:rtp:video",
	"urn:xmpp:jingle:transports:ibb:1",
	"urn:xmpp:jingle:transports:ice-udp:1",
	"urn:xmpp:jingle:transports:s5b:1",
	"urn:xmpp:message-correct:0",
	"urn:xmpp:message-retract:0",
	"urn:xmpp:omemo:2:devices+notify",
	"urn:xmpp:ping",
	"urn:xmpp:reactions:0",
	"urn:xmpp:receipts",
	"urn:xmpp:reply:0",
	"urn:xmpp:sid:0",
	"urn:xmpp:styling:0",
	"urn:xmpp:time",
}

var serverFeatures = []string{
	"http://jabber.org/protocol/commands",
	"http://jabber.org/protocol/disco#info",
	"http://jabber.org/protocol/disco#items",
	"jabber:iq:last",
	"jabber:iq:private",
	"jabber:iq:register",
	"jabber:iq:roster",
	"jabber:iq:version",
	"msgoffline",
	"urn:xmpp:blocking",
	"urn:xmpp:carbons:2",
	"urn:xmpp:extdisco:2",
	"urn:xmpp:http:upload:0",
	"urn:xmpp:mam:2",
	"urn:xmpp:ping",
	"urn:xmpp:push:0",
	"urn:xmpp:sm:3",
	"urn:xmpp:time",
	"vcard-temp",
}

func (g *gen) setup() {
	profiles := []client{
		{name: "Gajim", node: "https://gajim.org", resource: "gajim.", typ: "pc", os: "Linux", version: "1.9.5", idStyle: 0},
		{name: "Conversations", node: "http://conversations.im", resource: "Conversations.", typ: "phone", os: "Android", version: "2.17.2", idStyle: 1},
		{name: "Dino", node: "https://dino.im", resource: "dino.", typ: "pc", os: "Linux", version: "0.4.5", idStyle: 0},
		{name: "Monal", node: "http://monal-im.org", resource: "Monal-iOS.", typ: "phone", os: "iOS", version: "6.4.9", idStyle: 0},
		{name: "Psi+", node: "https://psi-plus.com", resource: "Psi+ ", typ: "pc", os: "Windows", version: "1.5.2072", idStyle: 4},
		{name: "Pidgin", node: "http://pidgin.im/", resource: "", typ: "pc", os: "Windows", version: "2.14.13", idStyle: 2},
		{name: "Profanity", node: "http://profanity-im.github.io", resource: "profanity.", typ: "console", os: "Linux", version: "0.14.0", idStyle: 3},
		{name: "Siskin IM", node: "https://siskin.im", resource: "Siskin.", typ: "phone", os: "iOS", version: "8.0", idStyle: 0},
		{name: "Converse", node: "https://conversejs.org", resource: "converse.js-", typ: "web", os: "Web", version: "11.0.0", idStyle: 1},
	}
	for i := range profiles {
		c := &profiles[i]
		c.ver = base64.StdEncoding.EncodeToString(g.randBytes(20))
		for _, f := range allFeatures {
			if g.chance(70) || f == "http://jabber.org/protocol/caps" || f == "http://jabber.org/protocol/disco#info" {
				c.features = append(c.features, f)
			}
		}
		g.clients = append(g.clients, c)
	}

	seen := map[string]bool{}
	for len(g.people) < 700 {
		p := g.newPerson(seen)
		g.people = append(g.people, p)
	}
	me := g.people[0]
	g.meBare = "alice@localhost"
	me.bare = g.meBare
	me.first, me.last, me.display, me.nick = "Alice", "Liddell", "Alice Liddell", "alice"
	me.lang = languages[0]
	me.cl = []*client{g.clients[1]}
	me.res = []string{"Conversations.Xk3P"}
	g.me = g.meBare + "/" + me.res[0]
	g.meClient = g.clients[1]
	g.mePerson = me
	g.people = g.people[1:]
}

func (g *gen) newPerson(seen map[string]bool) *person {
	total := 0
	for _, w := range languageWeights {
		total += w
	}
	x := g.r.IntN(total)
	li := 0
	for x >= languageWeights[li] {
		x -= languageWeights[li]
		li++
	}
	l := languages[li]
	first, last := pick(g.r, l.firsts), pick(g.r, l.lasts)
	if l.code == "ru" && strings.HasSuffix(first.ascii, "a") {
		last = name{last.display + "а", last.ascii + "a"} // Кузнецова
	}
	p := &person{lang: l, first: first.display, last: last.display}
	switch {
	case l.code == "zh" || l.code == "ja":
		p.display = last.display + first.display
	default:
		p.display = first.display + " " + last.display
	}
	if g.chance(5) {
		p.display = first.display + ` "` + pick(g.r, []string{"Bob", "Kat", "Max", "Sasha", "Jo", "Ace"}) + `" ` + last.display
	}
	p.nick = first.ascii
	domain := "localhost"
	if !g.chance(40) {
		domain = pick(g.r, l.domains)
	}
	for {
		var local string
		switch x := g.r.IntN(10); {
		case x < 4:
			local = first.ascii + "." + last.ascii
		case x < 6:
			local = first.ascii + strconv.Itoa(g.r.IntN(100))
		case x < 7:
			local = first.ascii[:1] + last.ascii
		case x < 8 && (l.code == "ru" || l.code == "de" || l.code == "fr"):
			// PRECIS allows non-ASCII localparts; some servers see them.
			local = strings.ToLower(first.display) + "." + strings.ToLower(last.display)
		case x < 9:
			local = last.ascii + "_" + first.ascii
		default:
			local = first.ascii + "." + last.ascii + strconv.Itoa(g.between(70, 99))
		}
		bare := local + "@" + domain
		if !seen[bare] {
			seen[bare] = true
			p.bare = bare
			break
		}
	}
	for range g.between(1, 2) {
		c := pick(g.r, g.clients)
		res := c.resource
		switch {
		case c.name == "Psi+":
			res += "(" + pick(g.r, []string{"laptop", "home", "work", "ноутбук"}) + ")"
		case c.resource == "":
			res = pick(g.r, []string{"home", "laptop", "work", "phone"})
		default:
			res += g.alnum(g.between(4, 8))
		}
		p.res = append(p.res, res)
		p.cl = append(p.cl, c)
	}
	return p
}

// bodyLen draws the length of a message body in characters, 5..400,
// skewed short like real chat.
func (g *gen) bodyLen() int {
	switch x := g.r.IntN(100); {
	case x < 50:
		return g.between(5, 40)
	case x < 80:
		return g.between(41, 120)
	case x < 95:
		return g.between(121, 250)
	default:
		return g.between(251, 400)
	}
}

// appendText appends escaped text in language l of about target
// characters (never more than limit) and returns how many it wrote.
func (g *gen) appendText(dst []byte, l *language, target, limit int) ([]byte, int) {
	n := 0
	start := true // at the start of a sentence
	for n < target {
		var piece string
		raw := false
		runes := 0
		switch x := g.r.IntN(1000); {
		case x < 30:
			piece = pick(g.r, emoji)
		case x < 42:
			piece = pick(g.r, specials)
		case x < 47:
			cr := pick(g.r, charRefs)
			piece, runes, raw = cr.ref, cr.runes, true
		case x < 52 && n > 0:
			piece, start = "\n", true
		default:
			piece = pick(g.r, l.words)
			if start && l.spaced {
				r, size := utf8.DecodeRuneInString(piece)
				piece = string(unicode.ToUpper(r)) + piece[size:]
			}
			start = false
		}
		if !raw {
			runes = utf8.RuneCountInString(piece)
		}
		sp := 0
		if n > 0 && l.spaced && dst[len(dst)-1] != '\n' && piece != "\n" {
			sp = 1
		}
		if n+sp+runes > limit {
			if n >= 5 {
				break
			}
			continue
		}
		if sp == 1 {
			dst = append(dst, ' ')
		}
		if raw {
			dst = append(dst, piece...)
		} else {
			dst = g.escape(dst, piece, false)
		}
		n += sp + runes
		if !start && n < target-3 && g.chance(12) {
			e := pick(g.r, l.ends)
			dst = g.escape(dst, e, false)
			n += utf8.RuneCountInString(e)
			start = true
		}
	}
	return dst, n
}

// ---------------------------------------------------------------------------
// Messages.

// chat writes a chat message, sometimes wrapped as a carbon copy or a MAM
// result the way the server delivers them.
func (g *gen) chat() {
	p := g.contact()
	switch x := g.r.IntN(100); {
	case x < 3:
		// XEP-0280: a copy of a message another of alice's clients sent.
		g.open("message")
		g.attr("from", g.meBare)
		g.attr("to", g.me)
		g.attr("type", "chat")
		g.gt()
		g.open("sent")
		g.attr("xmlns", "urn:xmpp:carbons:2")
		g.gt()
		g.open("forwarded")
		g.attr("xmlns", "urn:xmpp:forward:0")
		g.gt()
		g.chatMessage(p, true, g.meBare+"/"+"gajim."+g.alnum(6))
		g.end("forwarded")
		g.end("sent")
		g.end("message")
	case x < 7:
		// XEP-0313: an archived message replayed to alice.
		g.open("message")
		g.attr("to", g.me)
		g.attr("id", g.alnum(10))
		g.gt()
		g.open("result")
		g.attr("xmlns", "urn:xmpp:mam:2")
		g.attr("queryid", "f27"+g.hex(3))
		g.attr("id", g.alnum(16))
		g.gt()
		g.open("forwarded")
		g.attr("xmlns", "urn:xmpp:forward:0")
		g.gt()
		g.open("delay")
		g.attr("xmlns", "urn:xmpp:delay")
		g.attr("stamp", g.stamp(g.past(24*30)))
		g.empty()
		g.chatMessage(p, true, "")
		g.end("forwarded")
		g.end("result")
		g.end("message")
	default:
		g.pretty = g.chance(4)
		g.chatMessage(p, false, "")
	}
}

// chatMessage writes <message type='chat'> between alice and p. inner
// messages (inside <forwarded/>) redeclare jabber:client as clients do. A
// non-empty from makes it a message alice sent from that other resource
// (a carbon copy).
func (g *gen) chatMessage(p *person, inner bool, from string) {
	out := from != "" || g.chance(45) // alice -> p, else p -> alice
	res := pick(g.r, p.res)
	cl := g.clientOf(p, res)
	sender, to := p.bare+"/"+res, g.me
	if out {
		sender, to = g.me, p.bare+"/"+res
		if g.chance(30) {
			to = p.bare
		}
		cl = g.meClient
	}
	if from != "" {
		sender = from
	}
	l := p.lang
	if g.chance(30) {
		l = languages[0]
	}
	id := g.id(cl.idStyle)
	variant := g.r.IntN(1000)
	// The second body of a two-body message is in the contact's language,
	// or Russian for English speakers; the first inherits 'en' from the
	// stream, so no two bodies share an xml:lang.
	second := p.lang
	if second.code == "en" {
		second = languages[1]
	}

	g.open("message")
	if inner {
		g.attr("xmlns", "jabber:client")
	}
	// Attribute order varies by library.
	if g.chance(50) {
		g.attr("id", id)
		g.attr("to", to)
		g.attr("from", sender)
		g.attr("type", "chat")
	} else {
		g.attr("type", "chat")
		g.attr("to", to)
		g.attr("from", sender)
		g.attr("id", id)
	}
	if variant >= 30 && variant < 45 {
		if g.chance(30) {
			g.attr("xml:lang", "en")
		}
	} else if g.chance(20) {
		g.attr("xml:lang", l.code)
	}
	g.gt()

	g.nl(1)
	switch x := variant; {
	case x < 6:
		// A CDATA section, alone or between text.
		g.s("<body>")
		mixed := g.chance(50)
		if mixed {
			g.text("Check this: ")
		}
		g.s("<![CDATA[" + pick(g.r, cdataSnippets) + "]]>")
		if mixed {
			g.text(" – does it compile?")
		}
		g.s("</body>")
	case x < 30:
		// XEP-0066 file share: the URL is the body.
		url := "https://upload.example.com/" + g.alnum(22) + "/" + pick(g.r, []string{"IMG_20261122_0327.jpg", "photo.png", "Отчёт.pdf", "voice message.m4a", "video&sound.mp4"})
		g.leaf("body", url)
		g.nl(1)
		g.open("x")
		g.attr("xmlns", "jabber:x:oob")
		g.gt()
		g.leaf("url", url)
		g.end("x")
	case x < 45:
		// Two bodies in different languages (RFC 6121 §5.2.3).
		g.open("body")
		g.gt()
		g.b, _ = g.appendText(g.b, languages[0], g.between(5, 60), 400)
		g.end("body")
		g.nl(1)
		g.open("body")
		g.attr("xml:lang", second.code)
		g.gt()
		g.b, _ = g.appendText(g.b, second, g.between(5, 60), 400)
		g.end("body")
	case x < 75:
		// XEP-0071 XHTML-IM with the plain body alongside.
		parts := make([][]byte, g.between(2, 4))
		for i := range parts {
			parts[i], _ = g.appendText(nil, l, g.between(3, 30), 100)
		}
		g.s("<body>")
		for i, part := range parts {
			if i > 0 {
				g.s(" ")
			}
			g.b = append(g.b, part...)
		}
		g.s("</body>")
		g.nl(1)
		g.open("html")
		g.attr("xmlns", "http://jabber.org/protocol/xhtml-im")
		g.gt()
		g.open("body")
		g.attr("xmlns", "http://www.w3.org/1999/xhtml")
		g.gt()
		g.s("<p>")
		for i, part := range parts {
			if i > 0 {
				g.s(" ")
			}
			switch i {
			case 1:
				g.s("<strong>")
				g.b = append(g.b, part...)
				g.s("</strong>")
			case 2:
				g.open("span")
				g.attr("style", "font-style: italic; color: #"+g.hex(3))
				g.gt()
				g.b = append(g.b, part...)
				g.s("</span><br/>")
			case 3:
				g.open("a")
				g.attr("href", "https://example.com/?a=1&b="+g.alnum(4))
				g.gt()
				g.b = append(g.b, part...)
				g.end("a")
			default:
				g.b = append(g.b, part...)
			}
		}
		g.s("</p></body></html>")
	default:
		g.s("<body>")
		g.b, _ = g.appendText(g.b, l, g.bodyLen(), 400)
		g.s("</body>")
	}

	if g.chance(15) {
		g.nl(1)
		g.open("thread")
		if g.chance(10) {
			g.attr("parent", g.uuid())
		}
		g.gt()
		g.text(g.uuid())
		g.end("thread")
	}
	if g.chance(85) {
		g.nl(1)
		g.s("<active xmlns='http://jabber.org/protocol/chatstates'/>")
	}
	if g.chance(40) {
		g.nl(1)
		g.open("request")
		g.attr("xmlns", "urn:xmpp:receipts")
		g.empty()
		if len(g.pendingReceipts) < 64 {
			g.pendingReceipts = append(g.pendingReceipts, id)
		}
	}
	if g.chance(25) {
		g.nl(1)
		g.open("markable")
		g.attr("xmlns", "urn:xmpp:chat-markers:0")
		g.empty()
	}
	if g.chance(30) {
		g.nl(1)
		g.open("origin-id")
		g.attr("xmlns", "urn:xmpp:sid:0")
		g.attr("id", id)
		g.empty()
	}
	if !out && g.chance(40) {
		g.nl(1)
		g.open("stanza-id")
		g.attr("xmlns", "urn:xmpp:sid:0")
		g.attr("by", g.meBare)
		g.attr("id", g.alnum(16))
		g.empty()
	}
	if g.chance(5) {
		g.nl(1)
		g.s("<store xmlns='urn:xmpp:hints'/>")
	}
	if g.pretty {
		g.s("\n")
	}
	g.end("message")
}

func (g *gen) chatState() {
	p := g.contact()
	g.open("message")
	if g.chance(50) {
		g.attr("from", g.fullJID(p))
		g.attr("to", g.me)
	} else {
		g.attr("from", g.me)
		g.attr("to", g.fullJID(p))
	}
	g.attr("type", "chat")
	if g.chance(60) {
		g.attr("id", g.id(g.r.IntN(4)))
	}
	g.gt()
	g.open(pick(g.r, []string{"composing", "composing", "composing", "paused", "active", "inactive", "gone"}))
	g.attr("xmlns", "http://jabber.org/protocol/chatstates")
	g.empty()
	if g.chance(50) {
		g.s("<no-store xmlns='urn:xmpp:hints'/>")
	}
	g.end("message")
}

func (g *gen) receipt() {
	p := g.contact()
	var id string
	if n := len(g.pendingReceipts); n > 0 {
		i := g.r.IntN(n)
		id = g.pendingReceipts[i]
		g.pendingReceipts = append(g.pendingReceipts[:i], g.pendingReceipts[i+1:]...)
	} else {
		id = g.uuid()
	}
	g.open("message")
	g.attr("from", g.fullJID(p))
	g.attr("to", g.me)
	if g.chance(50) {
		g.attr("type", "chat")
	}
	g.attr("id", g.id(g.r.IntN(4)))
	g.gt()
	g.open("received")
	g.attr("xmlns", "urn:xmpp:receipts")
	g.attr("id", id)
	g.empty()
	if g.chance(30) {
		g.open("displayed")
		g.attr("xmlns", "urn:xmpp:chat-markers:0")
		g.attr("id", id)
		g.empty()
	}
	g.end("message")
}

// ---------------------------------------------------------------------------
// Presence.

func (g *gen) presence() {
	p := g.contact()
	res := pick(g.r, p.res)
	cl := g.clientOf(p, res)
	from, to := p.bare+"/"+res, g.me
	if g.counts.N[kPresence] == 0 || g.chance(5) {
		// alice's own broadcast (no 'to').
		from, to, cl, p = g.me, "", g.meClient, g.mePerson
	}
	switch x := g.r.IntN(100); {
	case x < 8:
		g.open("presence")
		g.attr("from", from)
		if to != "" {
			g.attr("to", to)
		}
		g.attr("type", "unavailable")
		if g.chance(30) {
			g.gt()
			g.leaf("status", pick(g.r, []string{"Logged out", "Disconnected: connection reset by peer", "Replaced by new connection", "Bye 👋"}))
			g.end("presence")
		} else {
			g.empty()
		}
		return
	case x < 10:
		g.open("presence")
		g.attr("from", p.bare)
		g.attr("to", g.meBare)
		g.attr("type", pick(g.r, []string{"subscribe", "subscribed", "unsubscribe"}))
		g.attr("id", g.id(cl.idStyle))
		g.gt()
		g.open("nick")
		g.attr("xmlns", "http://jabber.org/protocol/nick")
		g.gt()
		g.text(p.display)
		g.end("nick")
		g.end("presence")
		return
	case x < 20:
		g.mucPresence(p)
		return
	}

	g.pretty = g.chance(5)
	g.open("presence")
	if g.chance(50) {
		g.attr("from", from)
		if to != "" {
			g.attr("to", to)
		}
	} else {
		if to != "" {
			g.attr("to", to)
		}
		g.attr("from", from)
	}
	if g.chance(40) {
		g.attr("id", g.id(cl.idStyle))
	}
	if g.chance(10) {
		g.attr("xml:lang", p.lang.code)
	}
	g.gt()
	if g.chance(50) {
		g.nl(1)
		g.leaf("show", pick(g.r, []string{"away", "away", "xa", "dnd", "chat"}))
	}
	if g.chance(50) {
		g.nl(1)
		if g.chance(15) {
			g.open("status")
			g.attr("xml:lang", p.lang.code)
			g.gt()
			g.text(pick(g.r, p.lang.status))
			g.end("status")
		} else {
			g.leaf("status", pick(g.r, pick(g.r, languages[:2]).status))
		}
	}
	if g.chance(60) {
		g.nl(1)
		g.leaf("priority", strconv.Itoa(pick(g.r, []int{0, 0, 1, 1, 5, 10, 24, 50, 127, -1})))
	}
	if g.chance(90) {
		g.nl(1)
		prefixed := g.chance(8)
		if prefixed {
			g.open("caps:c")
			g.attr("xmlns:caps", "http://jabber.org/protocol/caps")
		} else {
			g.open("c")
			g.attr("xmlns", "http://jabber.org/protocol/caps")
		}
		g.attr("hash", "sha-1")
		g.attr("node", cl.node)
		g.attr("ver", cl.ver)
		g.empty()
	}
	if g.chance(40) {
		g.nl(1)
		photo := g.hex(20)
		if g.chance(10) {
			photo = ""
		}
		if g.chance(40) {
			g.open("x:x")
			g.attr("xmlns:x", "vcard-temp:x:update")
			g.gt()
			g.leaf("x:photo", photo)
			g.end("x:x")
		} else {
			g.open("x")
			g.attr("xmlns", "vcard-temp:x:update")
			g.gt()
			g.leaf("photo", photo)
			g.end("x")
		}
	}
	if g.chance(15) {
		g.nl(1)
		g.open("delay")
		g.attr("xmlns", "urn:xmpp:delay")
		g.attr("from", pick(g.r, []string{"localhost", p.bare}))
		g.attr("stamp", g.stamp(g.past(72)))
		if g.chance(20) {
			g.gt()
			g.text("Offline Storage")
			g.end("delay")
		} else {
			g.empty()
		}
	}
	if g.chance(5) {
		g.nl(1)
		g.open("idle")
		g.attr("xmlns", "urn:xmpp:idle:1")
		g.attr("since", g.stamp(g.past(8)))
		g.empty()
	}
	if g.pretty {
		g.s("\n")
	}
	g.end("presence")
}

func (g *gen) mucPresence(p *person) {
	room := pick(g.r, []string{"lounge", "xsf", "prosody", "devs", "кухня", "family", "release-2026"}) + "@conference." + pick(g.r, []string{"localhost", "example.com", "example.ru"})
	g.open("presence")
	g.attr("from", room+"/"+p.display)
	g.attr("to", g.me)
	g.attr("id", g.id(1))
	g.gt()
	if g.chance(40) {
		g.leaf("show", pick(g.r, []string{"away", "xa", "dnd"}))
	}
	g.open("c")
	g.attr("xmlns", "http://jabber.org/protocol/caps")
	cl := pick(g.r, p.cl)
	g.attr("hash", "sha-1")
	g.attr("node", cl.node)
	g.attr("ver", cl.ver)
	g.empty()
	g.open("x")
	g.attr("xmlns", "http://jabber.org/protocol/muc#user")
	g.gt()
	g.open("item")
	g.attr("affiliation", pick(g.r, []string{"none", "member", "member", "admin", "owner"}))
	g.attr("role", pick(g.r, []string{"participant", "participant", "moderator", "visitor"}))
	if g.chance(50) {
		g.attr("jid", g.fullJID(p))
	}
	g.empty()
	if g.chance(10) {
		g.s("<status code='110'/>")
	}
	g.end("x")
	g.open("occupant-id")
	g.attr("xmlns", "urn:xmpp:occupant-id:0")
	g.attr("id", base64.StdEncoding.EncodeToString(g.randBytes(24)))
	g.empty()
	g.end("presence")
}

// ---------------------------------------------------------------------------
// IQs.

func (g *gen) iqHead(typ, id, from, to string) {
	g.open("iq")
	if g.chance(50) {
		g.attr("type", typ)
		g.attr("id", id)
	} else {
		g.attr("id", id)
		g.attr("type", typ)
	}
	if from != "" {
		g.attr("from", from)
	}
	if to != "" {
		g.attr("to", to)
	}
}

func (g *gen) roster() {
	g.pretty = g.chance(30)
	g.iqHead("result", g.id(g.meClient.idStyle), g.either("", g.meBare), g.me)
	g.gt()
	g.nl(1)
	g.open("query")
	g.attr("xmlns", "jabber:iq:roster")
	g.rosterVer += g.between(1, 40)
	g.attr("ver", "ver"+strconv.Itoa(g.rosterVer))
	g.gt()
	n := g.between(50, 600)
	for _, i := range g.r.Perm(len(g.people))[:n] {
		p := g.people[i]
		g.nl(2)
		g.open("item")
		g.attr("jid", p.bare)
		if g.chance(88) {
			if g.chance(15) {
				g.attr("name", p.nick)
			} else {
				g.attr("name", p.display)
			}
		}
		sub := "both"
		switch x := g.r.IntN(100); {
		case x < 10:
			sub = "to"
		case x < 18:
			sub = "from"
		case x < 28:
			sub = "none"
		}
		g.attr("subscription", sub)
		if (sub == "none" || sub == "from") && g.chance(30) {
			g.attr("ask", "subscribe")
		}
		ng := 0
		switch x := g.r.IntN(100); {
		case x < 20:
		case x < 85:
			ng = 1
		case x < 97:
			ng = 2
		default:
			ng = 3
		}
		if ng == 0 {
			g.empty()
			continue
		}
		g.gt()
		// The first group is skewed to the common ones; further ones
		// differ from it and from each other.
		first := g.r.IntN(g.r.IntN(len(groups)) + 1)
		g.nl(3)
		g.leaf("group", groups[first])
		extra := ng - 1
		for _, gi := range g.r.Perm(len(groups)) {
			if extra == 0 {
				break
			}
			if gi == first {
				continue
			}
			extra--
			g.nl(3)
			g.leaf("group", groups[gi])
		}
		g.nl(2)
		g.end("item")
	}
	g.nl(1)
	g.end("query")
	g.nl(0)
	g.end("iq")
}

func (g *gen) either(a, b string) string {
	if g.chance(50) {
		return a
	}
	return b
}

// jpegLike returns n bytes that start and end like a baseline JFIF file;
// the middle is noise, as compressed image data is.
func (g *gen) jpegLike(n int) []byte {
	b := g.randBytes(n)
	head := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00}
	copy(b, head)
	b[n-2], b[n-1] = 0xFF, 0xD9
	return b
}

func (g *gen) vcard() {
	p := g.contact()
	g.pretty = g.chance(60)
	g.iqHead("result", g.id(g.meClient.idStyle), p.bare, g.me)
	g.gt()
	g.nl(1)
	g.open("vCard")
	g.attr("xmlns", "vcard-temp")
	g.gt()
	g.nl(2)
	g.leaf("FN", p.display)
	g.nl(2)
	g.s("<N>")
	g.nl(3)
	g.leaf("FAMILY", p.last)
	g.nl(3)
	g.leaf("GIVEN", p.first)
	g.nl(3)
	g.leaf("MIDDLE", "")
	g.nl(2)
	g.s("</N>")
	g.nl(2)
	g.leaf("NICKNAME", p.nick)
	if g.chance(50) {
		g.nl(2)
		g.leaf("URL", "https://"+strings.SplitN(p.bare, "@", 2)[1]+"/~"+p.nick+"?lang="+p.lang.code+"&ref=vcard")
	}
	if g.chance(50) {
		g.nl(2)
		g.leaf("BDAY", fmt.Sprintf("%04d-%02d-%02d", g.between(1950, 2008), g.between(1, 12), g.between(1, 28)))
	}
	if g.chance(60) {
		g.nl(2)
		g.s("<ORG>")
		g.nl(3)
		g.leaf("ORGNAME", pick(g.r, []string{"Example Corp.", "Smith & Sons Ltd", "ООО «Ромашка»", "株式会社サンプル", "Müller GmbH & Co. KG"}))
		g.nl(3)
		g.leaf("ORGUNIT", pick(g.r, []string{"R&D", "Sales", "IT <Ops>", "Support"}))
		g.nl(2)
		g.s("</ORG>")
		g.nl(2)
		g.leaf("TITLE", pick(g.r, []string{"Engineer", "Senior Developer", "Head of \"Things\"", "Менеджер", "CEO"}))
	}
	for i := range g.between(1, 3) {
		g.nl(2)
		g.s("<TEL>")
		g.nl(3)
		g.s(pick(g.r, []string{"<HOME/>", "<WORK/>", "<CELL/>"}))
		g.nl(3)
		g.s(pick(g.r, []string{"<VOICE/>", "<VOICE/>", "<FAX/>", "<MSG/>"}))
		if i == 0 {
			g.nl(3)
			g.s("<PREF/>")
		}
		g.nl(3)
		g.leaf("NUMBER", fmt.Sprintf("+%d %03d %03d-%04d", pick(g.r, []int{1, 7, 33, 44, 49, 81, 86}), g.r.IntN(1000), g.r.IntN(1000), g.r.IntN(10000)))
		g.nl(2)
		g.s("</TEL>")
	}
	if g.chance(70) {
		g.nl(2)
		g.s("<ADR>")
		g.nl(3)
		g.s(pick(g.r, []string{"<HOME/>", "<WORK/>"}))
		g.nl(3)
		g.leaf("STREET", pick(g.r, []string{"221B Baker Street", "ул. Ленина, д. 5, кв. 12", "Hauptstraße 1", "12 rue de l'Église", "1-2-3 Shibuya"}))
		g.nl(3)
		g.leaf("LOCALITY", pick(g.r, []string{"London", "Москва", "München", "Paris", "東京", "Springfield"}))
		g.nl(3)
		g.leaf("REGION", "")
		g.nl(3)
		g.leaf("PCODE", fmt.Sprintf("%05d", g.r.IntN(100000)))
		g.nl(3)
		g.leaf("CTRY", pick(g.r, []string{"UK", "Russia", "Deutschland", "France", "日本", "USA"}))
		g.nl(2)
		g.s("</ADR>")
	}
	g.nl(2)
	g.s("<EMAIL>")
	g.nl(3)
	g.s("<INTERNET/>")
	g.nl(3)
	g.s("<PREF/>")
	g.nl(3)
	g.leaf("USERID", p.nick+"@mail."+strings.SplitN(p.bare, "@", 2)[1])
	g.nl(2)
	g.s("</EMAIL>")
	g.nl(2)
	g.leaf("JABBERID", p.bare)
	if g.chance(70) {
		g.nl(2)
		g.s("<DESC>")
		g.b, _ = g.appendText(g.b, p.lang, g.between(20, 600), 800)
		g.s("</DESC>")
	}

	// PHOTO: 8..64 KiB of base64, wrapped at 76 columns.
	enc := g.between(8<<10, 64<<10) / 4 * 4
	raw := g.jpegLike(enc / 4 * 3)
	b64 := base64.StdEncoding.EncodeToString(raw)
	eol := "\n"
	if g.chance(15) {
		eol = "\r\n"
	}
	g.nl(2)
	g.s("<PHOTO>")
	g.nl(3)
	g.leaf("TYPE", "image/jpeg")
	g.nl(3)
	g.s("<BINVAL>")
	if g.pretty {
		g.s(eol)
	}
	for len(b64) > 0 {
		n := min(76, len(b64))
		g.s(b64[:n])
		b64 = b64[n:]
		if len(b64) > 0 || g.pretty {
			g.s(eol)
		}
	}
	g.s("</BINVAL>")
	g.nl(2)
	g.s("</PHOTO>")
	g.nl(1)
	g.end("vCard")
	g.nl(0)
	g.end("iq")
}

func (g *gen) iqGet() {
	p := g.contact()
	id := g.id(g.meClient.idStyle)
	switch x := g.r.IntN(100); {
	case x < 45:
		// XEP-0199 client-to-server ping.
		g.iqHead("get", id, g.me, "localhost")
		g.gt()
		g.s("<ping xmlns='urn:xmpp:ping'/>")
		g.pushIQ(id, "localhost")
	case x < 60:
		// The server pinging alice (s2c), or a peer pinging her.
		peer := g.either("localhost", g.fullJID(p))
		g.iqHead("get", g.id(1), peer, g.me)
		g.gt()
		g.s("<ping xmlns='urn:xmpp:ping'/>")
	case x < 72:
		g.iqHead("get", id, g.me, p.bare)
		g.gt()
		g.open("vCard")
		g.attr("xmlns", "vcard-temp")
		g.empty()
		g.pushIQ(id, p.bare)
	case x < 86:
		res := pick(g.r, p.res)
		cl := g.clientOf(p, res)
		g.iqHead("get", id, g.me, p.bare+"/"+res)
		g.gt()
		g.open("query")
		g.attr("xmlns", "http://jabber.org/protocol/disco#info")
		g.attr("node", cl.node+"#"+cl.ver)
		g.empty()
		g.pushIQ(id, p.bare+"/"+res)
	case x < 93:
		g.iqHead("get", id, g.me, "")
		g.gt()
		g.open("query")
		g.attr("xmlns", "jabber:iq:roster")
		g.attr("ver", "ver"+strconv.Itoa(g.rosterVer))
		g.empty()
	default:
		g.iqHead("get", g.id(0), g.fullJID(p), g.me)
		g.gt()
		g.s("<query xmlns='jabber:iq:version'/>")
	}
	g.end("iq")
}

func (g *gen) pushIQ(id, peer string) {
	if len(g.pendingIQ) < 32 {
		g.pendingIQ = append(g.pendingIQ, iqRef{id, peer})
	}
}

func (g *gen) iqResult() {
	if n := len(g.pendingIQ); n > 0 && g.chance(80) {
		// The answer to one of alice's requests.
		ref := g.pendingIQ[0]
		g.pendingIQ = g.pendingIQ[1:]
		g.iqHead("result", ref.id, ref.peer, g.me)
	} else {
		// alice answering the server's ping.
		g.iqHead("result", g.id(1), g.me, "localhost")
	}
	g.empty()
}

func (g *gen) iqSet() {
	id := g.id(g.meClient.idStyle)
	g.pretty = g.chance(20)
	if g.counts.N[kIQSet] == 0 {
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.s("<enable xmlns='urn:xmpp:carbons:2'/>")
		g.end("iq")
		return
	}
	p := g.contact()
	switch x := g.r.IntN(100); {
	case x < 25:
		// A roster push from the server.
		g.iqHead("set", g.id(1), g.either("", g.meBare), g.me)
		g.gt()
		g.nl(1)
		g.open("query")
		g.attr("xmlns", "jabber:iq:roster")
		g.rosterVer++
		g.attr("ver", "ver"+strconv.Itoa(g.rosterVer))
		g.gt()
		g.nl(2)
		g.open("item")
		g.attr("jid", p.bare)
		if g.chance(30) {
			g.attr("subscription", "remove")
			g.empty()
		} else {
			g.attr("name", p.display)
			g.attr("subscription", pick(g.r, []string{"both", "to", "none"}))
			g.gt()
			g.leaf("group", pick(g.r, groups))
			g.end("item")
		}
		g.nl(1)
		g.end("query")
	case x < 40:
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.nl(1)
		g.open("block")
		g.attr("xmlns", "urn:xmpp:blocking")
		g.gt()
		for range g.between(1, 3) {
			g.nl(2)
			g.open("item")
			g.attr("jid", "spam"+strconv.Itoa(g.r.IntN(10000))+"@"+pick(g.r, []string{"example.net", "spam.example", "example.org"}))
			g.empty()
		}
		g.nl(1)
		g.end("block")
	case x < 75:
		// XEP-0313 query with a data form and RSM.
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.nl(1)
		g.open("query")
		g.attr("xmlns", "urn:xmpp:mam:2")
		g.attr("queryid", "f27"+g.hex(3))
		g.gt()
		g.nl(2)
		g.open("x")
		g.attr("xmlns", "jabber:x:data")
		g.attr("type", "submit")
		g.gt()
		g.nl(3)
		g.s("<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>")
		g.nl(3)
		g.open("field")
		g.attr("var", "with")
		g.gt()
		g.leaf("value", p.bare)
		g.end("field")
		g.nl(3)
		g.open("field")
		g.attr("var", "start")
		g.gt()
		g.leaf("value", g.stamp(g.past(24*7)))
		g.end("field")
		g.nl(2)
		g.end("x")
		g.nl(2)
		g.s("<set xmlns='http://jabber.org/protocol/rsm'>")
		g.leaf("max", strconv.Itoa(pick(g.r, []int{20, 50, 100})))
		g.s("<before/></set>")
		g.nl(1)
		g.end("query")
	default:
		// XEP-0084 avatar metadata publish.
		sha := g.hex(20)
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.nl(1)
		g.s("<pubsub xmlns='http://jabber.org/protocol/pubsub'>")
		g.nl(2)
		g.s("<publish node='urn:xmpp:avatar:metadata'>")
		g.nl(3)
		g.open("item")
		g.attr("id", sha)
		g.gt()
		g.nl(4)
		g.s("<metadata xmlns='urn:xmpp:avatar:metadata'>")
		g.nl(5)
		g.open("info")
		g.attr("bytes", strconv.Itoa(g.between(4000, 60000)))
		g.attr("height", "96")
		g.attr("width", "96")
		g.attr("id", sha)
		g.attr("type", "image/png")
		g.empty()
		g.nl(4)
		g.s("</metadata>")
		g.nl(3)
		g.end("item")
		g.nl(2)
		g.s("</publish>")
		g.nl(1)
		g.s("</pubsub>")
	}
	g.nl(0)
	g.end("iq")
}

func (g *gen) disco() {
	g.pretty = g.chance(25)
	if g.chance(20) {
		// The server's own disco#info.
		g.iqHead("result", g.id(g.meClient.idStyle), "localhost", g.me)
		g.gt()
		g.nl(1)
		g.s(`<query xmlns="http://jabber.org/protocol/disco#info">`)
		g.nl(2)
		g.s("<identity category='server' type='im' name='xmppd'/>")
		g.nl(2)
		g.s("<identity category='pubsub' type='pep'/>")
		for _, f := range serverFeatures {
			g.nl(2)
			g.open("feature")
			g.attr("var", f)
			g.empty()
		}
		g.nl(2)
		g.s("<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>")
		g.s("<field var='abuse-addresses'><value>mailto:abuse@localhost</value><value>xmpp:abuse@localhost</value></field></x>")
		g.nl(1)
		g.s("</query>")
		g.nl(0)
		g.end("iq")
		return
	}
	p := g.contact()
	res := pick(g.r, p.res)
	cl := g.clientOf(p, res)
	g.iqHead("result", g.id(g.meClient.idStyle), p.bare+"/"+res, g.me)
	g.gt()
	g.nl(1)
	g.open("query")
	g.attr("xmlns", "http://jabber.org/protocol/disco#info")
	g.attr("node", cl.node+"#"+cl.ver)
	g.gt()
	g.nl(2)
	g.open("identity")
	g.attr("category", "client")
	g.attr("type", cl.typ)
	g.attr("name", cl.name)
	g.empty()
	if g.chance(20) {
		g.nl(2)
		g.open("identity")
		g.attr("category", "client")
		g.attr("type", cl.typ)
		g.attr("name", cl.name+" (русский)")
		g.attr("xml:lang", "ru")
		g.empty()
	}
	for _, f := range cl.features {
		g.nl(2)
		g.open("feature")
		g.attr("var", f)
		g.empty()
	}
	if g.chance(50) {
		g.nl(2)
		g.s("<x xmlns='jabber:x:data' type='result'>")
		g.s("<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>")
		for _, kv := range [][2]string{{"os", cl.os}, {"os_version", pick(g.r, []string{"6.8", "14", "17.2", "11"})}, {"software", cl.name}, {"software_version", cl.version}} {
			g.open("field")
			g.attr("var", kv[0])
			g.gt()
			g.leaf("value", kv[1])
			g.end("field")
		}
		g.s("</x>")
	}
	g.nl(1)
	g.end("query")
	g.nl(0)
	g.end("iq")
}
