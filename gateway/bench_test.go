package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// benchClient returns a keep-alive client sized for b.RunParallel.
func benchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// benchGet requests url in parallel until b.N requests are done.
func benchGet(b *testing.B, url string) {
	client := benchClient(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
			if err != nil {
				b.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkDirectCall calls the trivial handler directly: the floor.
func BenchmarkDirectCall(b *testing.B) {
	ctx := context.Background()
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/list"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := okHandler(ctx, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGatewayRoundTrip sends real HTTP over loopback through New and
// InProcess to the same trivial handler.
func BenchmarkGatewayRoundTrip(b *testing.B) {
	srv := httptest.NewServer(New(Config{Invoker: InProcess(okFuncs())}))
	b.Cleanup(srv.Close)
	benchGet(b, srv.URL+"/get/1997/Face%2FOff?a=1&a=2")
}

// BenchmarkHelloWorld is a bare net/http hello world with the same client:
// the throughput ceiling of HTTP on this machine.
func BenchmarkHelloWorld(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(srv.Close)
	benchGet(b, srv.URL+"/list")
}

// BenchmarkNewEvent measures building and encoding one event.
func BenchmarkNewEvent(b *testing.B) {
	r := httptest.NewRequest("GET", "/get/1997/Face%2FOff?a=1&a=2", nil)
	r.Header.Set("User-Agent", "bench")
	r.Header.Add("Cookie", "a=1; b=2")
	cfg := Config{}
	b.ReportAllocs()
	for b.Loop() {
		ev, err := NewEvent(r, nil, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := MarshalEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertLargePage converts a response like the largest page /list
// serves (5.3 MB of JSON, under the API's page budget), as the typed
// path does in process.
func BenchmarkConvertLargePage(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"movies":[`)
	for i := 0; body.Len() < 5_300_000; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"year":%d,"title":"Big movie %d","info":{"plot":%q,"rating":5.5}}`, 1990+i%30, i, strings.Repeat("lorem ipsum dolor sit amet ", 14_000))
	}
	body.WriteString(`]}`)
	resp := events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: body.String()}
	b.ReportAllocs()
	b.SetBytes(int64(len(resp.Body)))
	for b.Loop() {
		if _, err := convertResponse(&resp); err != nil {
			b.Fatal(err)
		}
	}
}
