// Package moviedata generates full-size movie catalogues in the AWS movie
// sample format, so that tests run at the real sample's size and shape where
// the real file is absent. The output depends only on the seed and the count:
// the same arguments give the same catalogue, byte for byte.
//
// A generated catalogue has what the real sample has (4,609 movies from 1920
// to 2018; info with directors, release_date, rating, genres, image_url, plot,
// rank, running_time_secs and actors, some of them absent in some records;
// ratings written with and without a fraction) and what a store must also
// survive: titles with / ? + & ' % and spaces, non-ASCII and differently
// normalized titles, and titles of exactly MaxTitleBytes bytes.
package moviedata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/movieskit/movies"
)

// Defaults of a full-size catalogue.
const (
	// Seed is the seed of the catalogue tests use.
	Seed uint64 = 4609
	// Count is the number of movies in a full-size catalogue: a little more
	// than the AWS sample's 4,609.
	Count = 4700
	// FirstYear and LastYear bound the years, as in the AWS sample.
	FirstYear = 1920
	LastYear  = 2018
)

// TrickyTitles returns the titles every catalogue of at least
// len(TrickyTitles()) movies holds: reserved URL characters, percent signs
// that look like escapes, quotes, non-ASCII text in both Unicode
// normalization forms, and titles of exactly movies.MaxTitleBytes bytes.
func TrickyTitles() []string {
	return []string{
		"Face/Off",
		"Fahrenheit 9/11",
		"AC/DC: Let There Be Rock",
		"What's Up, Doc?",
		"Who Framed Roger Rabbit?",
		"?",
		"Romeo + Juliet",
		"1+1=2",
		"Pain & Gain",
		"Tom & Jerry & Friends",
		"Schindler's List",
		"100% Arabica",
		"a%2Fb",
		"%25",
		"Q&A?/100% + 'Quotes' & More",
		"Who? What? Where?/When?",
		"#hashtag",
		"Semi;colon=equals",
		"Amélie",
		"Léon: The Professional",
		"千と千尋の神隠し",
		"Брат",
		"🎬 Premiere",
		"Café",       // precomposed é (NFC)
		"Cafe\u0301", // e and a combining accent (NFD): a different key
		"Tab\tand\u00a0no-break space",
		strings.Repeat("A", movies.MaxTitleBytes),
		strings.Repeat("é", movies.MaxTitleBytes/2),
		strings.Repeat("千", movies.MaxTitleBytes/3) + "x",
		strings.Repeat("🎬", movies.MaxTitleBytes/4),
		fill("Long/Title? 100% & + 'quoted' – é千 ", movies.MaxTitleBytes),
	}
}

// fill repeats s up to exactly n bytes, cutting only at a character boundary
// and padding the rest with dots.
func fill(s string, n int) string {
	var b strings.Builder
	for {
		for _, r := range s {
			if b.Len()+utf8.RuneLen(r) > n {
				b.WriteString(strings.Repeat(".", n-b.Len()))
				return b.String()
			}
			b.WriteRune(r)
		}
	}
}

// Generate returns n valid movies with distinct keys, determined by seed.
func Generate(seed uint64, n int) []movies.Movie {
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: a seeded source, so a seed always gives the same catalogue
	g := generator{rnd: rnd, seen: map[movies.Key]bool{}}
	tricky := TrickyTitles()
	ranks := g.rnd.Perm(n)
	ms := make([]movies.Movie, 0, n)
	for i := range n {
		var title string
		if i < len(tricky) {
			title = tricky[i]
		} else {
			title = g.title()
		}
		year := g.year()
		k := g.unique(movies.Key{Year: year, Title: title})
		ms = append(ms, movies.Movie{Year: k.Year, Title: k.Title, Info: g.info(k.Year, ranks[i]+1)})
	}
	// Spread the tricky titles through the file instead of leaving them first.
	g.rnd.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	return ms
}

// Full returns the full-size catalogue tests use: Generate(Seed, Count).
func Full() []movies.Movie { return Generate(Seed, Count) }

// Encode writes ms as a JSON array laid out as the AWS sample file is (four
// spaces of indentation, keys in the sample's order, & < > unescaped).
func Encode(w io.Writer, ms []movies.Movie) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(ms); err != nil {
		return fmt.Errorf("encode %d movies: %w", len(ms), err)
	}
	return nil
}

// WriteFile writes ms to path in the AWS sample's layout.
func WriteFile(path string, ms []movies.Movie) error {
	var buf bytes.Buffer
	if err := Encode(&buf, ms); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write movies: %w", err)
	}
	return nil
}

// generator holds the random source and the keys handed out so far.
type generator struct {
	rnd  *rand.Rand
	seen map[movies.Key]bool
}

// unique returns k, or k with a numbered suffix when k is taken. Only
// generated titles, which are short, can be taken: the tricky ones come first
// and are distinct.
func (g *generator) unique(k movies.Key) movies.Key {
	base := k.Title
	for i := 2; g.seen[k]; i++ {
		k.Title = base + " " + strconv.Itoa(i)
	}
	g.seen[k] = true
	return k
}

// year returns a year from FirstYear to LastYear, recent years more often, as
// in the AWS sample.
func (g *generator) year() int {
	span := LastYear - FirstYear + 1
	// The larger of two uniform draws leans towards recent years.
	a, b := g.rnd.IntN(span), g.rnd.IntN(span)
	return FirstYear + max(a, b)
}

func (g *generator) pick(words []string) string { return words[g.rnd.IntN(len(words))] }

// title returns a plausible title from the word lists.
func (g *generator) title() string {
	switch g.rnd.IntN(10) {
	case 0:
		return g.pick(adjectives) + " " + g.pick(nouns)
	case 1:
		return g.pick(nouns) + " of the " + g.pick(nouns)
	case 2:
		return "The " + g.pick(nouns) + " " + strconv.Itoa(2+g.rnd.IntN(4))
	case 3:
		return g.pick(names) + "'s " + g.pick(nouns)
	case 4:
		return g.pick(nouns) + ": " + g.pick(adjectives) + " " + g.pick(nouns)
	case 5:
		return g.pick(nouns) + " & " + g.pick(nouns)
	case 6:
		return "A " + g.pick(adjectives) + " " + g.pick(nouns)
	default:
		return "The " + g.pick(adjectives) + " " + g.pick(nouns)
	}
}

// info is a record's info object, in the AWS sample's key order. Absent
// fields are omitted.
type info struct {
	Directors       []string    `json:"directors,omitempty"`
	ReleaseDate     string      `json:"release_date,omitempty"`
	Rating          json.Number `json:"rating,omitempty"`
	Genres          []string    `json:"genres,omitempty"`
	ImageURL        string      `json:"image_url,omitempty"`
	Plot            string      `json:"plot,omitempty"`
	Rank            int         `json:"rank"`
	RunningTimeSecs int         `json:"running_time_secs,omitempty"`
	Actors          []string    `json:"actors,omitempty"`
}

// info returns the info of a movie of year with rank. Each field is absent
// about as often as in the AWS sample.
func (g *generator) info(year, rank int) json.RawMessage {
	in := info{Rank: rank}
	if g.chance(0.9996) {
		in.Directors = g.people(g.weighted([]int{0, 4288, 265, 54}))
	}
	if g.chance(0.994) {
		in.ReleaseDate = fmt.Sprintf("%04d-%02d-%02dT00:00:00Z", year, 1+g.rnd.IntN(12), 1+g.rnd.IntN(28))
	}
	if g.chance(0.956) {
		tenths := 17 + g.rnd.IntN(77) // 1.7 to 9.3
		if tenths%10 == 0 {
			in.Rating = json.Number(strconv.Itoa(tenths / 10)) // the sample writes 7, not 7.0
		} else {
			in.Rating = json.Number(fmt.Sprintf("%d.%d", tenths/10, tenths%10))
		}
	}
	if g.chance(0.9993) {
		n := g.weighted([]int{0, 661, 1313, 1464, 825, 271, 50, 16, 5, 0, 1})
		in.Genres = g.genres(n)
	}
	if g.chance(0.965) {
		in.ImageURL = "http://ia.media-imdb.com/images/M/MV5B" + g.token(36) + "@@._V1_SX400_.jpg"
	}
	if g.chance(0.907) {
		in.Plot = g.plot()
	}
	if g.chance(0.942) {
		in.RunningTimeSecs = 60 * (61 + g.rnd.IntN(210))
	}
	if g.chance(0.9993) {
		in.Actors = g.people(g.weighted([]int{0, 14, 5, 4587}))
	}
	b, err := json.Marshal(in)
	if err != nil { // strings, numbers and string slices always encode
		panic(fmt.Sprintf("moviedata: encode info: %v", err))
	}
	return b
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rnd.Float64() < p }

// weighted returns an index drawn with the given weights.
func (g *generator) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := g.rnd.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// people returns n distinct person names.
func (g *generator) people(n int) []string {
	out := make([]string, 0, n)
	for len(out) < n {
		p := g.pick(names) + " " + g.pick(surnames)
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// genres returns n distinct genres in alphabetical order, as in the sample.
func (g *generator) genres(n int) []string {
	idx := g.rnd.Perm(len(genreList))[:n]
	out := make([]string, 0, n)
	for i, name := range genreList {
		for _, j := range idx {
			if i == j {
				out = append(out, name)
			}
		}
	}
	return out
}

const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// token returns n random letters and digits.
func (g *generator) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenChars[g.rnd.IntN(len(tokenChars))]
	}
	return string(b)
}

// plot returns one to four sentences, up to about 500 characters.
func (g *generator) plot() string {
	var b strings.Builder
	for s := range 1 + g.rnd.IntN(4) {
		if s > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.pick(openings))
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(g.pick(adjectives)))
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(g.pick(nouns)))
		b.WriteByte(' ')
		b.WriteString(g.pick(middles))
		b.WriteByte(' ')
		b.WriteString(g.pick(names))
		b.WriteString(g.pick(endings))
	}
	return b.String()
}

var (
	adjectives = []string{"Silent", "Last", "Broken", "Golden", "Dark", "Hidden", "Wild", "Lost", "Iron", "Crimson",
		"Frozen", "Electric", "Quiet", "Burning", "Secret", "Final", "Endless", "Hollow", "Savage", "Velvet",
		"Distant", "Little", "Grand", "Midnight", "Bitter", "Brave", "Strange", "Perfect", "Fallen", "Eternal"}
	nouns = []string{"River", "Harbor", "Kingdom", "Mirror", "Garden", "Storm", "Empire", "Road", "Island", "Heart",
		"Shadow", "Station", "Machine", "Summer", "Winter", "Valley", "Promise", "Witness", "Orchard", "Signal",
		"Frontier", "Stranger", "Circus", "Voyage", "Engine", "Horizon", "Letter", "Legacy", "Canyon", "Lighthouse",
		"Detective", "Dragon", "Planet", "Citadel", "Affair", "Escape", "Return", "Hunter", "Dream", "Ghost"}
	names = []string{"Anna", "Ben", "Chloé", "Daniel", "Elena", "Frank", "Grace", "Hiro", "Isabel", "Jack",
		"Karim", "Laura", "Marco", "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Søren", "Tom", "Uma", "Victor",
		"Wen", "Xavier", "Yusuf", "Zoë", "Olivia", "Chris", "Ron", "Denis"}
	surnames = []string{"Howard", "Villeneuve", "Hemsworth", "Wilde", "Müller", "O'Brien", "García", "Nakamura",
		"Kowalski", "Dubois", "Smith", "Johnson", "Lee", "Brown", "Martin", "Rossi", "Novak", "Andersson",
		"Okafor", "Singh", "Ivanova", "Costa", "Fischer", "Kim", "Hughes", "Bruhl", "Polley", "Kruger"}
	genreList = []string{"Action", "Adult", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary",
		"Drama", "Family", "Fantasy", "Film-Noir", "History", "Horror", "Music", "Musical", "Mystery", "News",
		"Romance", "Sci-Fi", "Sport", "Thriller", "War", "Western"}
	openings = []string{"A", "When a", "After a", "Years after a", "In 1970s Paris, a", "On the eve of war, a",
		"Against all odds, a", "Haunted by the past, a", "Far from home, a", "Caught between two worlds, a"}
	middles = []string{"must face", "sets out to find", "falls for", "is hunted by", "teams up with",
		"uncovers the secret of", "tries to outwit", "returns to rescue", "makes a deal with", "cannot escape"}
	endings = []string{".", " before it is too late.", " \u2013 and nothing will be the same.", ", whatever the cost.",
		" in a race against time.", " (and the \"truth\" is stranger).", " & a stolen fortune.", " at 100% speed."}
)
