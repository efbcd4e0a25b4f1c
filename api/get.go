package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
)

// msgNotFound is the message of every 404 from Get.
const msgNotFound = "movie not found"

// get serves GET /get/{year}/{title+} and GET /get/{year}?title=TITLE: the
// movie with that key exactly as stored, {"year":..,"title":..,"info":{..}}, or 404 {"message":"movie not found"}.
func (s *server) get(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer s.recoverPanic(ctx, req, &resp)
	key, err := movieKey(req.PathParameters, req.QueryStringParameters)
	if err != nil {
		return s.fail(ctx, req, err, false), nil
	}
	m, err := s.getMovie(ctx, key)
	if err != nil {
		return s.fail(ctx, req, err, true), nil
	}
	var buf bytes.Buffer
	if err := writeMovie(&buf, m); err != nil {
		return s.fail(ctx, req, fmt.Errorf("encode movie %s: %w", key, err), false), nil
	}
	return jsonResponse(http.StatusOK, buf.String()), nil
}

// getMovie asks the store for one movie under the server's timeout. Every
// not-found error carries the same caller message.
func (s *server) getMovie(ctx context.Context, key movies.Key) (*movies.Movie, error) {
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	m, err := s.store.Get(ctx, key)
	switch {
	case movies.ErrorCode(err) == movies.ENOTFOUND:
		return nil, movies.WrapError(movies.ENOTFOUND, fmt.Errorf("get movie %s: %w", key, err), msgNotFound)
	case err != nil:
		return nil, fmt.Errorf("get movie %s: %w", key, err)
	case m == nil:
		return nil, fmt.Errorf("get movie %s: store returned no movie and no error", key)
	}
	return m, nil
}
