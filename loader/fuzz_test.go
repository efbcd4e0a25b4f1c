package loader_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/movieskit/movies/loader"
)

// FuzzValidate feeds arbitrary bytes to Validate and Check. Neither may panic;
// every problem carries the index of a record that exists, in increasing
// order, and a reason; Validate agrees with Check; and when the input as a
// whole is readable, valid records plus problems account for every record;
// and the input is readable exactly when encoding/json reads it as an array.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		`[{"year":2013,"title":"Rush","info":{"rating":8.3}}]`,
		`[{"year":2013,"title":"Rush"},{"year":2013,"title":"Rush"}]`,
		`[{"year":"2013","title":"Rush"},{"year":2013},{"title":"x"},{"year":0,"title":"x"}]`,
		`[{"year":2013,"title":"Rush","info":[1]},{"year":2013,"title":"Rush","x":1},null,1,"s"]`,
		`[{"year":2013,"title":"a\ud800"},{"year":2013,"title":"\u00e9"}]`,
		`[]`, `{}`, `[`, `[{"year":2013,"title":"Rush"}`, `[] []`, ``, `null`,
		`[{"year":2013,"title":"Rush","info":{"a":{"b":{"c":{"d":{"e":{}}}}}}}]`,
		"[ {\"year\" : 2013 ,\n\t\"title\" : \"a b\" } ]", `[1 2]`, `[{"a":[1 2]}]`, `[{"a":tr ue}]`, `[1,]`, `[,1]`,
		`[{"year":2013,"title":"a","Year":1}]`, `["a\"]"]`, `[{]`, `[}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, problems, verr := loader.Validate(bytes.NewReader(data))
		rep, err := loader.Check(bytes.NewReader(data))
		if (verr == nil) != (err == nil) || n != rep.Valid || len(problems) != len(rep.Problems) {
			t.Fatalf("Validate = %d, %d problems, %v; Check = %+v, %v", n, len(problems), verr, rep, err)
		}
		if len(rep.Problems) > loader.MaxProblems {
			t.Fatalf("%d problems, more than MaxProblems", len(rep.Problems))
		}
		last := -1
		for _, p := range rep.Problems {
			if p.Index <= last || p.Index >= rep.Records {
				t.Fatalf("problem index %d (previous %d) outside 0..%d: %v", p.Index, last, rep.Records-1, p)
			}
			if p.Reason == "" {
				t.Fatalf("problem %d has no reason", p.Index)
			}
			if p.FirstIndex >= p.Index {
				t.Fatalf("duplicate %d points forward to %d", p.Index, p.FirstIndex)
			}
			last = p.Index
		}
		if err == nil && rep.Valid+len(rep.Problems)+rep.Omitted != rep.Records {
			t.Fatalf("%d valid + %d problems + %d omitted != %d records", rep.Valid, len(rep.Problems), rep.Omitted, rep.Records)
		}
		// The input is readable exactly when encoding/json reads it as an
		// array (short inputs: no record is over MaxRecordInputBytes), with
		// as many records.
		var arr []json.RawMessage
		isArray := json.Unmarshal(data, &arr) == nil && bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("["))
		if len(data) < loader.MaxRecordInputBytes && (err == nil) != isArray {
			t.Fatalf("Check: %v; encoding/json reads an array: %v", err, isArray)
		}
		if err == nil && rep.Records != len(arr) {
			t.Fatalf("Check counts %d records, encoding/json %d", rep.Records, len(arr))
		}
	})
}
