package gateway

import (
	"errors"
	"time"

	"golang.org/x/time/rate"

	"github.com/movieskit/movies/deploy"
)

// errThrottled reports a request whose route's token bucket is empty (429).
var errThrottled = errors.New("throttled: the route's token bucket is empty")

// throttle is the deployed stage's throttling (docs/FIDELITY.md,
// "Throttling"): a token bucket per route, of Burst tokens refilled at Rate
// tokens a second, full at the start; each request a route takes costs one
// token, and a request that finds none is refused. API Gateway applies the
// stage's default route settings to each route.
type throttle struct {
	buckets map[string]*rate.Limiter // by route key; nil when off
	now     func() time.Time
}

// newThrottle returns the throttle of cfg for the routes of routes; it lets
// everything through when cfg is nil.
func newThrottle(cfg *deploy.Throttle, routes []deploy.Route, now func() time.Time) throttle {
	if cfg == nil {
		return throttle{}
	}
	buckets := make(map[string]*rate.Limiter, len(routes))
	for _, r := range routes {
		buckets[r.Key()] = rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst)
	}
	return throttle{buckets: buckets, now: now}
}

// allow takes a token from the bucket of the route with routeKey, at the
// time now returns; false when the bucket is empty.
func (th throttle) allow(routeKey string) bool {
	b, ok := th.buckets[routeKey]
	return !ok || b.AllowN(th.now(), 1)
}
