package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"unsafe"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
)

// list serves GET /list?limit=N&cursor=C&year=Y: one page of movies in store
// order as {"movies":[...],"next":"C2"}, with next absent on the last page.
// The store is asked for the movies that fit in maxResponseBytes with room
// for the rest of the response and the longest cursor, so a page of large
// movies is cut short, never decoded past the budget, and continued by its
// cursor.
func (s *server) list(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer s.recoverPanic(ctx, req, &resp)
	opts, err := listOptions(req.QueryStringParameters)
	if err != nil {
		return s.fail(ctx, req, err, false), nil
	}
	budget := 0 // of the body, escaped; none when maxResponseBytes is not positive
	if s.maxResponseBytes > 0 {
		budget = max(s.maxResponseBytes-envelopeBytes, 1)
		opts.MaxBytes = pageBytes(s.maxResponseBytes)
	}
	page, err := s.listPage(ctx, opts)
	if err != nil {
		return s.fail(ctx, req, err, true), nil
	}
	body, err := encodePage(page, opts.Limit, budget)
	if err != nil {
		return s.fail(ctx, req, fmt.Errorf("encode page of %d movies: %w", len(page.Movies), err), false), nil
	}
	return jsonResponse(http.StatusOK, bodyString(body)), nil
}

// A list response is bounded by Lambda's payload limit as the runtime writes
// the response: {"statusCode":200,"headers":{...},...,"body":"..."}, the body
// escaped as a JSON string. Its size as json.Marshal writes it is
// envelopeBytes plus the body's movies.EscapedLen, which counts '"' as 2
// bytes and '<' as 6; the runtime writes no more, as it does not escape HTML.

// envelopeBytes is the size of a list response without its body: the
// response with an empty body as json.Marshal writes it.
var envelopeBytes = func() int {
	b, err := json.Marshal(jsonResponse(http.StatusOK, ""))
	if err != nil {
		panic(err) // a struct of strings always encodes
	}
	return len(b)
}()

// pageRoom is the most a page body takes besides its movies, escaped: the
// JSON around them and the longest next cursor, which base64url leaves
// unescaped.
var pageRoom = movies.EscapedLen([]byte(`{"movies":[],"next":""}`)) + movies.MaxCursorBytes

// pageBytes returns the ListOptions.MaxBytes of a page whose response is at
// most maxResponse bytes: what its movies may take, escaped.
func pageBytes(maxResponse int) int { return max(maxResponse-envelopeBytes-pageRoom, 1) }

// MaxPageBytes is the ListOptions.MaxBytes of every list page: the most its
// movies take (movies.EscapedSize, a comma between two) in a response under
// Lambda's payload limit, deploy.MaxPayloadBytes.
var MaxPageBytes = pageBytes(deploy.MaxPayloadBytes)

// bodyString returns body as a string without copying it. A page body can
// be megabytes, and it is written once and never changed after this.
func bodyString(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(body), len(body)) //nolint:gosec // G103: body is a fresh buffer that nothing writes to afterwards
}

// listPage asks the store for one page under the server's timeout.
func (s *server) listPage(ctx context.Context, opts movies.ListOptions) (*movies.Page, error) {
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	page, err := s.store.List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list movies (limit %d, year %d): %w", opts.Limit, opts.Year, err)
	}
	if page == nil {
		return nil, fmt.Errorf("list movies (limit %d, year %d): store returned no page and no error", opts.Limit, opts.Year)
	}
	return page, nil
}

// encodePage encodes page as the list body, keeping at most limit movies.
// A body whose movies.EscapedLen is over budget (budget <= 0 means none) is
// an error: a store keeps a page's movies within ListOptions.MaxBytes, but
// it returns a first movie of any size so that a listing advances. The body
// is measured only once it could be over budget (more than a
// movies.MaxEscapeFactor-th of it), which a page of ordinary movies never
// is, so the store's sizing is not done twice; then each byte once.
func encodePage(page *movies.Page, limit, budget int) ([]byte, error) {
	ms, next := page.Movies, page.Next
	if len(ms) > limit { // a store that ignored the limit: keep the contract anyway
		ms = ms[:limit]
		next = movies.EncodeCursor(ms[limit-1].Key())
	}
	buf := bytes.NewBuffer(make([]byte, 0, bodySize(ms, next, budget)))
	escaped, measured := 0, 0 // the EscapedLen of buf's first measured bytes
	over := func() bool {     // whether the body so far is over budget
		if budget <= 0 || movies.MaxEscapeFactor*buf.Len() <= budget {
			return false
		}
		escaped += movies.EscapedLen(buf.Bytes()[measured:])
		measured = buf.Len()
		return escaped > budget
	}
	buf.WriteString(`{"movies":[`)
	for i := range ms {
		if over() {
			break // over budget already: encode no more
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeMovie(buf, &ms[i]); err != nil {
			return nil, fmt.Errorf("encode movie %s: %w", ms[i].Key(), err)
		}
	}
	buf.WriteByte(']')
	if next != "" {
		buf.WriteString(`,"next":`)
		_ = movies.AppendJSON(buf, next) // cannot fail: a string (invalid UTF-8 is replaced)
	}
	buf.WriteByte('}')
	if over() {
		return nil, fmt.Errorf("a page of %d movies takes %d bytes escaped, over the %d-byte response budget", len(ms), escaped, budget)
	}
	return buf.Bytes(), nil
}

// bodySize returns at least the size of the body of ms and next when every
// info is compact, as the stores hold it, so that the body is built in one
// allocation; at most budget bytes when budget is positive. An info counts
// its length, as it is copied; the rest of a movie its EscapedSize, which is
// never less than its JSON.
func bodySize(ms []movies.Movie, next string, budget int) int {
	n := len(`{"movies":[],"next":""}`) + len(next)
	for i := range ms {
		n += movies.EscapedSize(ms[i].Year, ms[i].Title, nil) + len(`,"info":`) + len(ms[i].Info) + 1
		if budget > 0 && n > budget {
			return budget
		}
	}
	return n
}
