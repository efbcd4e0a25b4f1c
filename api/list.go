package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"unsafe"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
)

// list serves GET /list?limit=N&cursor=C&year=Y: one page of movies in store
// order as {"movies":[...],"next":"C2"}, with next absent on the last page.
// The store is asked for the movies that fit in maxBodyBytes with room for
// the longest cursor, so a page of large movies is cut short, never decoded
// past the budget, and continued by its cursor.
func (s *server) list(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer s.recoverPanic(ctx, req, &resp)
	opts, err := listOptions(req.QueryStringParameters)
	if err != nil {
		return s.fail(ctx, req, err, false), nil
	}
	if s.maxBodyBytes > 0 {
		opts.MaxBytes = max(s.maxBodyBytes-pageRoom, 1)
	}
	page, err := s.listPage(ctx, opts)
	if err != nil {
		return s.fail(ctx, req, err, true), nil
	}
	body, err := encodePage(page, opts.Limit, s.maxBodyBytes)
	if err != nil {
		return s.fail(ctx, req, fmt.Errorf("encode page of %d movies: %w", len(page.Movies), err), false), nil
	}
	return jsonResponse(http.StatusOK, bodyString(body)), nil
}

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

// pageRoom is the most a page body holds besides its movies: the JSON around
// them and the longest next cursor, which base64url leaves unescaped.
const pageRoom = len(`{"movies":[],"next":""}`) + movies.MaxCursorBytes

// encodePage encodes page as the list body, keeping at most limit movies.
// A body over budget (budget <= 0 means none) is an error: a store keeps a
// page's movies within ListOptions.MaxBytes, but it returns a first movie of
// any size so that a listing advances.
func encodePage(page *movies.Page, limit, budget int) ([]byte, error) {
	ms, next := page.Movies, page.Next
	if len(ms) > limit { // a store that ignored the limit: keep the contract anyway
		ms = ms[:limit]
		next = movies.EncodeCursor(ms[limit-1].Key())
	}
	buf := bytes.NewBuffer(make([]byte, 0, bodySize(ms, next, budget)))
	buf.WriteString(`{"movies":[`)
	for i := range ms {
		if budget > 0 && buf.Len() > budget {
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
	if budget > 0 && buf.Len() > budget {
		return nil, fmt.Errorf("a page of %d movies exceeds the %d-byte response budget", len(ms), budget)
	}
	return buf.Bytes(), nil
}

// bodySize returns the size of the body of ms and next when every info is
// compact, as the stores hold it, so that the body is built in one
// allocation; at most budget bytes when budget is positive.
func bodySize(ms []movies.Movie, next string, budget int) int {
	n := len(`{"movies":[],"next":""}`) + len(next)
	for i := range ms {
		n += ms[i].EncodedSize() + 1
		if budget > 0 && n > budget {
			return budget
		}
	}
	return n
}
