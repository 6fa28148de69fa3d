package main

import (
	"strings"
)

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
