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
)

// list serves GET /list?limit=N&cursor=C&year=Y: one page of movies in store
// order as {"movies":[...],"next":"C2"}, with next absent on the last page.
// A page whose body would exceed maxBodyBytes is cut short and its next
// cursor resumes right after the last movie it holds.
func (s *server) list(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer s.recoverPanic(ctx, req, &resp)
	opts, err := listOptions(req.QueryStringParameters)
	if err != nil {
		return s.fail(ctx, req, err, false), nil
	}
	if s.maxBodyBytes > 0 {
		// The store stops reading once the movies would overflow the body,
		// so a page of large movies is never decoded past the budget.
		opts.MaxBytes = max(s.maxBodyBytes-len(pageOpen)-len(pageClose)-len(pageEnd), 1)
	}
	page, err := s.listPage(ctx, opts)
	if err != nil {
		return s.fail(ctx, req, err, true), nil
	}
	body, err := encodePage(page, opts.Limit, s.maxBodyBytes)
	if err != nil {
		return s.fail(ctx, req, fmt.Errorf("encode page of %d movies: %w", len(page.Movies), err), false), nil
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"content-type": "application/json"},
		Body:       bodyString(body),
	}, nil
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

// Pieces of a page body around its movies.
var (
	pageOpen  = []byte(`{"movies":[`)
	pageClose = []byte(`]`)
	pageNext  = []byte(`,"next":`)
	pageEnd   = []byte(`}`)
)

// encodePage encodes page as the list body, keeping at most limit movies and
// at most budget bytes (budget <= 0 means no budget). When movies are dropped,
// next becomes the cursor of the last movie kept, which resumes strictly after
// it in every store. A single movie larger than the budget is an error.
func encodePage(page *movies.Page, limit, budget int) ([]byte, error) {
	ms, next := page.Movies, page.Next
	if len(ms) > limit { // a store that ignored the limit: keep the contract anyway
		ms = ms[:limit]
		next = movies.EncodeCursor(ms[limit-1].Key())
	}

	buf := bytes.NewBuffer(make([]byte, 0, bodySize(ms, next, budget)))
	buf.Write(pageOpen)
	ends := make([]int, 0, len(ms)) // ends[i] is the body length through movie i
	for i := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeMovie(buf, &ms[i]); err != nil {
			return nil, fmt.Errorf("encode movie %s: %w", ms[i].Key(), err)
		}
		ends = append(ends, buf.Len())
		if budget > 0 && buf.Len()+len(pageClose)+len(pageEnd) > budget {
			return trimPage(buf, ms, ends, budget)
		}
	}
	if budget > 0 && pageSize(buf.Len(), next) > budget {
		return trimPage(buf, ms, ends, budget)
	}
	return finishPage(buf, next), nil
}

// bodySize returns the size of the body of ms and next when every info is
// compact, as the stores hold it, so that the body is built in one
// allocation; at most budget bytes when budget is positive.
func bodySize(ms []movies.Movie, next string, budget int) int {
	n := len(pageOpen) + len(pageClose) + len(pageEnd)
	if next != "" {
		n += len(pageNext) + len(next) + 2
	}
	for i := range ms {
		n += ms[i].EncodedSize() + 1
		if budget > 0 && n > budget {
			return budget
		}
	}
	return n
}

// trimPage cuts the encoded movies in buf to the most that fit in budget
// together with the cursor that continues after them.
func trimPage(buf *bytes.Buffer, ms []movies.Movie, ends []int, budget int) ([]byte, error) {
	for k := len(ends); k > 0; k-- {
		next := movies.EncodeCursor(ms[k-1].Key())
		if pageSize(ends[k-1], next) <= budget {
			buf.Truncate(ends[k-1])
			return finishPage(buf, next), nil
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("an empty page exceeds the %d-byte response budget", budget)
	}
	return nil, fmt.Errorf("movie %s alone exceeds the %d-byte response budget", ms[0].Key(), budget)
}

// pageSize returns the size of a body whose movies end at offset end and
// that carries next.
func pageSize(end int, next string) int {
	n := end + len(pageClose) + len(pageEnd)
	if next != "" {
		n += len(pageNext) + len(quoteJSON(next))
	}
	return n
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) []byte {
	b, _ := json.Marshal(s) // cannot fail: a string (invalid UTF-8 is replaced)
	return b
}

// finishPage closes the movies array in buf and adds next when it is set.
func finishPage(buf *bytes.Buffer, next string) []byte {
	buf.Write(pageClose)
	if next != "" {
		buf.Write(pageNext)
		buf.Write(quoteJSON(next))
	}
	buf.Write(pageEnd)
	return buf.Bytes()
}
