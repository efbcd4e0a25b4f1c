package loader

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/storetest"
)

// BenchmarkLoadSample loads the full AWS sample (4,609 movies; where it is
// absent, the generated full-size catalogue) into a fresh DynamoDB Local table with this loader and with a naive loader written like
// the original sample (the whole file in memory, one PutItem per movie, all
// at once). Run it once: go test -run '^$' -bench LoadSample -benchtime 1x ./loader
func BenchmarkLoadSample(b *testing.B) {
	sample := storetest.BenchSample(b)
	b.Logf("catalogue: %s (%s)", sample.Name, sample.Path)
	path := sample.Path
	srv := ddblocal.Shared(b)
	warmUp(b, srv, path)
	b.Run("loader", func(b *testing.B) {
		benchLoad(b, srv, func(ctx context.Context, table string) (int, int, error) {
			st, err := Load(ctx, openFile(path), storeAt(srv, srv.Endpoint, table), Options{})
			return st.Written, 0, err
		})
	})
	b.Run("naive", func(b *testing.B) {
		benchLoad(b, srv, func(ctx context.Context, table string) (int, int, error) {
			return naiveLoad(ctx, srv, path, table)
		})
	})
}

// warmUp loads the file at path twice, into throwaway tables, so that
// DynamoDB Local's JVM has compiled its hot paths before the first timed load,
// whichever loader runs first; a developer's long-running DynamoDB Local is warm.
func warmUp(b *testing.B, srv *ddblocal.Server, path string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for range 2 {
		if _, err := Load(ctx, openFile(path), storeAt(srv, srv.Endpoint, ddbtest.NewTable(b, srv)), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchLoad runs load b.N times, each into a new table, and reports movies
// per second, peak RSS during the loads and failed writes.
func benchLoad(b *testing.B, srv *ddblocal.Server, load func(ctx context.Context, table string) (written, failed int, err error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var elapsed time.Duration
	written, failed := 0, 0
	b.StopTimer()
	base := resetPeakRSS()
	for range b.N {
		table := ddbtest.NewTable(b, srv)
		start := time.Now()
		b.StartTimer()
		w, f, err := load(ctx, table)
		b.StopTimer()
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		written, failed = written+w, failed+f
	}
	b.ReportMetric(float64(written)/elapsed.Seconds(), "movies/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(base)/(1<<20), "start-RSS-MB")
	b.ReportMetric(float64(failed), "failed-writes")
}

// resetPeakRSS returns memory to the OS, resets the process's peak RSS
// (Linux: clear_refs 5) and returns the current RSS.
func resetPeakRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return procStatus("VmRSS:")
}

// peakRSS returns the process's peak RSS since the last reset, in bytes (0 if unknown).
func peakRSS() int64 { return procStatus("VmHWM:") }

func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// naiveLoad is the original sample's approach in Go: read and decode the whole
// file, then start one PutItem per movie at once and wait for all. Like the
// original it does not retry beyond the SDK's defaults; failed writes are counted.
func naiveLoad(ctx context.Context, srv *ddblocal.Server, path, table string) (written, failed int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var ms []movies.Movie
	if err := json.Unmarshal(data, &ms); err != nil {
		return 0, 0, err
	}
	client := ddb.NewFromConfig(srv.Config(), func(o *ddb.Options) { o.DisableValidateResponseChecksum = true })
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	for i := range ms {
		wg.Add(1)
		go func(m *movies.Movie) {
			defer wg.Done()
			item, err := naiveItem(m)
			if err == nil {
				_, err = client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: item})
			}
			if err != nil {
				bad.Add(1)
				return
			}
			ok.Add(1)
		}(&ms[i])
	}
	wg.Wait()
	return int(ok.Load()), int(bad.Load()), nil
}

// naiveItem converts a movie to a DynamoDB item.
func naiveItem(m *movies.Movie) (map[string]types.AttributeValue, error) {
	item := map[string]types.AttributeValue{
		"year":  &types.AttributeValueMemberN{Value: strconv.Itoa(m.Year)},
		"title": &types.AttributeValueMemberS{Value: m.Title},
	}
	if len(m.Info) > 0 {
		dec := json.NewDecoder(bytes.NewReader(m.Info))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		av, err := naiveAttr(v)
		if err != nil {
			return nil, err
		}
		item["info"] = av
	}
	return item, nil
}

func naiveAttr(v any) (types.AttributeValue, error) {
	switch v := v.(type) {
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}, nil
	case json.Number:
		return &types.AttributeValueMemberN{Value: v.String()}, nil
	case string:
		return &types.AttributeValueMemberS{Value: v}, nil
	case []any:
		l := make([]types.AttributeValue, len(v))
		for i, e := range v {
			av, err := naiveAttr(e)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(v))
		for k, e := range v {
			av, err := naiveAttr(e)
			if err != nil {
				return nil, err
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	default:
		return nil, fmt.Errorf("unexpected JSON value %T", v)
	}
}

// BenchmarkCheckInput runs the validation pass on inputs held in memory,
// decompressed as Load does: the AWS sample (where it is absent, the
// generated full-size catalogue) as JSON and gzip; an empty array holding a
// run of spaces, gzipped, of 1, 4 and 16 MiB; and a record holding a 16 MiB
// string, gzipped. MB/s is of the decompressed input.
// The loader used to read the array with a json.Decoder, which keeps a white
// space run in its buffer and rescans it on each refill: with the small reads
// of a decompressor the time grew with the square of the run's length.
//
//	go test -run '^$' -bench CheckInput -count 6 ./loader
func BenchmarkCheckInput(b *testing.B) {
	sample := storetest.BenchSample(b)
	data, err := os.ReadFile(sample.Path)
	if err != nil {
		b.Fatal(err)
	}
	type input struct {
		name string
		data []byte
		size int
	}
	inputs := []input{
		{"sample.json", data, len(data)},
		{"sample.json.gz", gzipStream(b, bytes.NewReader(data)), len(data)},
	}
	for _, mb := range []int{1, 4, 16} {
		inputs = append(inputs, input{fmt.Sprintf("spaces-%dMiB.json.gz", mb), gzipStream(b, padded("[", ' ', int64(mb)<<20, "]")), mb<<20 + 2})
	}
	const prefix, suffix = `[{"year":2013,"title":"Big","info":{"plot":"`, `"}}]`
	inputs = append(inputs, input{"string-16MiB.json.gz", gzipStream(b, padded(prefix, 'x', 16<<20, suffix)), 16<<20 + len(prefix+suffix)})
	b.Logf("sample: %s (%s)", sample.Name, sample.Path)
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(in.size))
			b.ReportAllocs()
			for b.Loop() {
				src, err := openSource(context.Background(), bytes.NewReader(in.data))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Check(src); err != nil {
					b.Fatal(err)
				}
				src.close()
			}
		})
	}
}

// repeatByte reads as an endless run of one byte.
type repeatByte byte

func (r repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// padded returns a reader of prefix, n copies of c and suffix, holding none of it in memory.
func padded(prefix string, c byte, n int64, suffix string) io.Reader {
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(repeatByte(c), n), strings.NewReader(suffix))
}

// gzipStream returns r's bytes compressed with gzip.
func gzipStream(tb testing.TB, r io.Reader) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.Copy(zw, r); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
