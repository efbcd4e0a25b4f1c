package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/movieskit/movies/deploy"
)

// outRoot holds the cloud assemblies of the test apps; TestMain removes it.
var outRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "movies-infra-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	outRoot = dir
	code := m.Run()
	jsii.Close()          // stop the Node child process so the test binary exits
	_ = os.RemoveAll(dir) // best effort: a leftover temporary directory is harmless
	os.Exit(code)
}

// synthesis is one synthesized app, shared by the tests of its mode.
type synthesis struct {
	stack       awscdk.Stack
	template    assertions.Template
	json        map[string]any // the template
	assemblyDir string
	cfg         Config
}

// mode is a way to deploy the stack: its context on top of cdk.json.
type mode struct {
	name    string
	context map[string]any
}

var (
	// createdMode builds the image from the Dockerfile and creates the table,
	// with every default.
	createdMode = mode{name: "created", context: map[string]any{}}
	// importedMode uses a pre-pushed image and an existing table, and sets
	// every tunable away from its default.
	importedMode = mode{name: "imported", context: map[string]any{
		CtxTableName:        "MoviesProd",
		CtxImageURI:         "123456789012.dkr.ecr.eu-west-1.amazonaws.com/movies:v1",
		CtxRemovalPolicy:    "destroy",
		CtxMemorySize:       "512",
		CtxTimeoutSeconds:   "20",
		CtxThrottleBurst:    "20",
		CtxThrottleRate:     "7.5",
		CtxLogRetentionDays: "7",
		CtxCORS:             testCORS,
		CtxLogLevel:         "debug",
		CtxAlarmEmail:       testAlarmEmail,
		CtxRouteMetrics:     "false",
		// Every alarm threshold away from its default.
		CtxAlarm5xxPercent:      "2.5",
		CtxAlarmLatencyMs:       "1500",
		CtxAlarmDurationPercent: "90",
		CtxAlarmErrors:          "3",
		CtxAlarmThrottles:       "2",
		CtxAlarmTableThrottles:  "5",
		CtxAlarmTableErrors:     "4",
	}}
	// testAlarmEmail is the alarm address of importedMode.
	testAlarmEmail = "ops@example.com"
	// testCORS is the CORS setting of importedMode, as `-c cors=...` gives it.
	testCORS   = `{"allowOrigins":["https://app.example"],"allowMethods":["GET"],"allowHeaders":["content-type"],"exposeHeaders":["apigw-requestid"],"maxAge":-1}`
	modes      = []mode{createdMode, importedMode}
	syntheses  = map[string]*synthesis{}
	failures   = map[string]error{} // a mode that failed to synthesize fails every test once
	assetStage = "testdata/image"   // stand-in build context with a Dockerfile
)

// synth synthesizes the app of m once and shares it between tests.
func synth(t *testing.T, m mode) *synthesis {
	t.Helper()
	if s, ok := syntheses[m.name]; ok {
		return s
	}
	if err := failures[m.name]; err != nil {
		t.Fatalf("%s mode: %v", m.name, err)
	}
	ctx, err := cdkJSONContext("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range m.context {
		ctx[k] = v
	}
	outdir := filepath.Join(outRoot, m.name)
	app, stack, err := newApp(ctx, outdir, assetStage)
	if err != nil {
		t.Fatalf("newApp(%s): %v", m.name, err)
	}
	cfg, err := ConfigFromContext(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templateOf(stack)
	if err != nil {
		failures[m.name] = err
		t.Fatalf("%s mode: %v", m.name, err)
	}
	s := &synthesis{stack: stack, template: tpl, json: *tpl.ToJSON(), assemblyDir: outdir, cfg: cfg}
	syntheses[m.name] = s
	return s
}

// templateOf synthesizes the app of stack, turning a failed synthesis (a
// panic from jsii, e.g. when cdk-nag reports errors) into an error.
func templateOf(stack awscdk.Stack) (tpl assertions.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	return assertions.Template_FromStack(stack, nil), nil
}

// forEachMode runs f as a subtest for every mode.
func forEachMode(t *testing.T, f func(t *testing.T, s *synthesis)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { f(t, synth(t, m)) })
	}
}

// resources returns the template's resources of type typ by logical id.
func (s *synthesis) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(res map[string]any) map[string]any { return res["Properties"].(map[string]any) }

// functionsByHandler maps each handler name to the logical id of its function.
func (s *synthesis) functionsByHandler(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, fn := range s.resources("AWS::Lambda::Function") {
		cmd, _ := props(fn)["ImageConfig"].(map[string]any)["Command"].([]any)
		if len(cmd) != 1 {
			t.Fatalf("function %s: ImageConfig.Command = %v, want one handler name", id, cmd)
		}
		out[cmd[0].(string)] = id
	}
	return out
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFunctions(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		fns := s.resources("AWS::Lambda::Function")
		if len(fns) != len(deploy.FunctionNames()) {
			t.Fatalf("%d functions, want %d (one per handler)", len(fns), len(deploy.FunctionNames()))
		}
		byHandler := s.functionsByHandler(t)
		for _, h := range deploy.FunctionNames() {
			id, ok := byHandler[h]
			if !ok {
				t.Fatalf("no function with ImageConfig.Command [%q]; have %v", h, byHandler)
			}
			p := props(fns[id])
			checks := []struct {
				field     string
				got, want any
			}{
				{"PackageType", p["PackageType"], "Image"},
				{"Architectures", toJSON(t, p["Architectures"]), `["arm64"]`},
				{"MemorySize", p["MemorySize"], float64(s.cfg.MemoryMB)},
				{"Timeout", p["Timeout"], s.cfg.Timeout.Seconds()},
				{"LoggingConfig.LogFormat", p["LoggingConfig"].(map[string]any)["LogFormat"], "JSON"},
				{"LoggingConfig.ApplicationLogLevel", p["LoggingConfig"].(map[string]any)["ApplicationLogLevel"], s.cfg.LogLevel},
				{"LoggingConfig.SystemLogLevel", p["LoggingConfig"].(map[string]any)["SystemLogLevel"], "INFO"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s function %s = %v, want %v", h, c.field, c.got, c.want)
				}
			}
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			if _, ok := env["TABLE_NAME"]; !ok {
				t.Errorf("%s function has no TABLE_NAME: %v", h, env)
			}
			logGroup := toJSON(t, p["LoggingConfig"].(map[string]any)["LogGroup"])
			if !strings.Contains(logGroup, `"Ref"`) {
				t.Errorf("%s function logs to %s, want a log group of the stack", h, logGroup)
			}
		}
		s.template.ResourcePropertiesCountIs(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"RetentionInDays": s.cfg.LogRetentionDays,
		}, jsii.Number(len(deploy.FunctionNames())+1))
	})
}

// readActions are the only actions a function may have on the table.
var readActions = []string{
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
	"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:Query", "dynamodb:Scan",
}

func TestIAMIsReadOnlyAndScoped(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		for id, role := range s.resources("AWS::IAM::Role") {
			if p := props(role); p["ManagedPolicyArns"] != nil || p["Policies"] != nil {
				t.Errorf("role %s has managed or inline policies: %s", id, toJSON(t, p))
			}
		}
		policies := s.resources("AWS::IAM::Policy")
		if len(policies) != len(deploy.FunctionNames()) {
			t.Fatalf("%d IAM policies, want one per function", len(policies))
		}
		for id, pol := range policies {
			var sawTable bool
			for _, st := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := st.(map[string]any)
				actions := stringList(st["Action"])
				resource := toJSON(t, st["Resource"])
				if st["Effect"] != "Allow" || strings.Contains(resource, "*") {
					t.Errorf("policy %s: statement %s: want Allow on named resources, no *", id, toJSON(t, st))
				}
				switch {
				case strings.HasPrefix(actions[0], "dynamodb:"):
					sawTable = true
					for _, a := range actions {
						if !slices.Contains(readActions, a) {
							t.Errorf("policy %s grants %s, not a read action", id, a)
						}
					}
					if !isTableARN(s, resource) {
						t.Errorf("policy %s: table actions on %s, want the table ARN", id, resource)
					}
				case slices.Equal(actions, []string{"logs:CreateLogStream", "logs:PutLogEvents"}):
					if !strings.Contains(resource, "Logs") || !strings.Contains(resource, "Fn::GetAtt") {
						t.Errorf("policy %s: log actions on %s, want the function's log group", id, resource)
					}
				default:
					t.Errorf("policy %s: unexpected actions %v", id, actions)
				}
			}
			if !sawTable {
				t.Errorf("policy %s grants nothing on the table", id)
			}
		}
	})
}

// isTableARN reports whether resource (a template JSON value) is the ARN of
// the created table or of the imported one.
func isTableARN(s *synthesis, resource string) bool {
	if s.cfg.ImportsTable() {
		return strings.Contains(resource, `":dynamodb:"`) && strings.Contains(resource, ":table/"+s.cfg.TableName+`"`)
	}
	for id := range s.resources("AWS::DynamoDB::Table") {
		if resource == `{"Fn::GetAtt":["`+id+`","Arn"]}` {
			return true
		}
	}
	return false
}

func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, len(v))
		for i, x := range v {
			out[i], _ = x.(string)
		}
		return out
	}
	return nil
}

func TestRoutesMatchRoutesTable(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		integrations := s.resources("AWS::ApiGatewayV2::Integration")
		if len(integrations) != len(deploy.FunctionNames()) {
			t.Errorf("%d integrations, want one per handler", len(integrations))
		}
		for id, in := range integrations {
			p := props(in)
			if p["PayloadFormatVersion"] != "2.0" || p["IntegrationType"] != "AWS_PROXY" {
				t.Errorf("integration %s: %v %v, want AWS_PROXY payload 2.0", id, p["IntegrationType"], p["PayloadFormatVersion"])
			}
		}
		routes := map[string]map[string]any{}
		for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
			routes[props(r)["RouteKey"].(string)] = props(r)
		}
		if len(routes) != len(deploy.Routes) {
			t.Errorf("%d routes, want %d", len(routes), len(deploy.Routes))
		}
		fns := s.functionsByHandler(t)
		for _, want := range deploy.Routes {
			r, ok := routes[want.Key()]
			if !ok {
				t.Errorf("no route %q", want.Key())
				continue
			}
			target := toJSON(t, r["Target"]) // {"Fn::Join":["",["integrations/",{"Ref":ID}]]}
			var integration map[string]any
			for id, in := range integrations {
				if strings.Contains(target, `{"Ref":"`+id+`"}`) {
					integration = in
				}
			}
			if integration == nil {
				t.Errorf("route %q targets %s, no integration of the stack", want.Key(), target)
				continue
			}
			uri := toJSON(t, props(integration)["IntegrationUri"])
			if wantURI := `{"Fn::GetAtt":["` + fns[want.Function] + `","Arn"]}`; uri != wantURI {
				t.Errorf("route %q invokes %s, want the %s function %s", want.Key(), uri, want.Function, wantURI)
			}
		}
	})
}

func TestStageThrottlesAndLogsAccess(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		stages := s.resources("AWS::ApiGatewayV2::Stage")
		if len(stages) != 1 {
			t.Fatalf("%d stages, want 1", len(stages))
		}
		for id, st := range stages {
			p := props(st)
			if p["StageName"] != "$default" || p["AutoDeploy"] != true {
				t.Errorf("stage %s: name %v autoDeploy %v, want $default, true", id, p["StageName"], p["AutoDeploy"])
			}
			throttle := p["DefaultRouteSettings"].(map[string]any)
			if throttle["ThrottlingBurstLimit"] != float64(s.cfg.Throttle.Burst) || throttle["ThrottlingRateLimit"] != s.cfg.Throttle.Rate {
				t.Errorf("stage %s throttling %v, want burst %d rate %v", id, throttle, s.cfg.Throttle.Burst, s.cfg.Throttle.Rate)
			}
			if throttle["DetailedMetricsEnabled"] != s.cfg.RouteMetrics {
				t.Errorf("stage %s DetailedMetricsEnabled %v, want %v (routeMetrics)", id, throttle["DetailedMetricsEnabled"], s.cfg.RouteMetrics)
			}
			logs := p["AccessLogSettings"].(map[string]any)
			if dest := toJSON(t, logs["DestinationArn"]); !strings.Contains(dest, `"AccessLogs`) {
				t.Errorf("stage %s logs to %s, want the AccessLogs log group", id, dest)
			}
			var format map[string]string
			if err := json.Unmarshal([]byte(logs["Format"].(string)), &format); err != nil {
				t.Fatalf("access log format is not JSON: %v", err)
			}
			for _, field := range []string{"requestId", "ip", "routeKey", "status", "responseLatency", "integrationError"} {
				if !strings.HasPrefix(format[field], "$context.") {
					t.Errorf("access log field %s = %q, want a $context variable", field, format[field])
				}
			}
		}
	})
}

func TestOutputs(t *testing.T) {
	names := []string{OutputAPIURL, OutputTableName}
	for _, h := range deploy.FunctionNames() {
		names = append(names, FunctionOutputName(h))
	}
	if !slices.Contains(names, "ListFunctionName") || !slices.Contains(names, "GetFunctionName") {
		t.Fatalf("output names %v lack ListFunctionName/GetFunctionName", names)
	}
	forEachMode(t, func(t *testing.T, s *synthesis) {
		for _, name := range names {
			s.template.HasOutput(jsii.String(name), map[string]any{})
		}
		url := toJSON(t, s.json["Outputs"].(map[string]any)[OutputAPIURL])
		if !strings.Contains(url, "https://") || !strings.Contains(url, ".execute-api.") {
			t.Errorf("ApiUrl = %s, want the execute-api URL of the stage", url)
		}
	})
}

func TestTableModes(t *testing.T) {
	t.Run("created", func(t *testing.T) {
		s := synth(t, createdMode)
		s.template.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
		s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties": map[string]any{
				"TableName":   deploy.Table,
				"BillingMode": "PAY_PER_REQUEST",
				"KeySchema": []any{
					map[string]any{"AttributeName": "year", "KeyType": "HASH"},
					map[string]any{"AttributeName": "title", "KeyType": "RANGE"},
				},
				"AttributeDefinitions": []any{
					map[string]any{"AttributeName": "year", "AttributeType": "N"},
					map[string]any{"AttributeName": "title", "AttributeType": "S"},
				},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			},
		})
		s.template.AllResources(jsii.String("AWS::Logs::LogGroup"), map[string]any{"DeletionPolicy": "Retain"})
	})
	t.Run("imported", func(t *testing.T) {
		s := synth(t, importedMode)
		s.template.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(0))
		s.template.AllResourcesProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{"TABLE_NAME": "MoviesProd"}},
		})
		s.template.HasOutput(jsii.String(OutputTableName), map[string]any{"Value": "MoviesProd"})
		s.template.AllResources(jsii.String("AWS::Logs::LogGroup"), map[string]any{"DeletionPolicy": "Delete"})
	})
}

// dockerImageAssets returns the container image assets of the stack's asset manifest.
func (s *synthesis) dockerImageAssets(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.assemblyDir, StackName+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		DockerImages map[string]any `json:"dockerImages"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	return manifest.DockerImages
}

func TestImageModes(t *testing.T) {
	t.Run("asset", func(t *testing.T) {
		s := synth(t, createdMode)
		images := s.dockerImageAssets(t)
		if len(images) != 1 {
			t.Fatalf("%d image assets, want 1 shared by both functions", len(images))
		}
		for hash, img := range images {
			src := toJSON(t, img.(map[string]any)["source"])
			if !strings.Contains(src, `"platform":"linux/arm64"`) {
				t.Errorf("image asset source %s, want platform linux/arm64", src)
			}
			for id, fn := range s.resources("AWS::Lambda::Function") {
				if code := toJSON(t, props(fn)["Code"]); !strings.Contains(code, hash) {
					t.Errorf("function %s code %s, want the image asset %s", id, code, hash)
				}
			}
		}
	})
	t.Run("imageUri", func(t *testing.T) {
		s := synth(t, importedMode)
		if images := s.dockerImageAssets(t); len(images) != 0 {
			t.Fatalf("image assets %v, want none: a pre-pushed image needs no Docker", images)
		}
		for id, fn := range s.resources("AWS::Lambda::Function") {
			uri := toJSON(t, props(fn)["Code"])
			if !strings.Contains(uri, "123456789012.dkr.ecr.eu-west-1.") || !strings.Contains(uri, "/movies:v1") {
				t.Errorf("function %s code %s, want the given image", id, uri)
			}
		}
	})
}

func TestNagAwsSolutions(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		ann := assertions.Annotations_FromStack(s.stack)
		for _, find := range []struct {
			level string
			msgs  func() int
		}{
			{"error", func() int { return report(t, "error", ann.FindError(jsii.String("*"), nag)) }},
			{"warning", func() int { return report(t, "warning", ann.FindWarning(jsii.String("*"), nag)) }},
		} {
			if n := find.msgs(); n > 0 {
				t.Errorf("%d unsuppressed cdk-nag %ss", n, find.level)
			}
		}
		var suppressions int
		for id, r := range s.json["Resources"].(map[string]any) {
			meta, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nagMeta, _ := meta["cdk_nag"].(map[string]any)
			rules, _ := nagMeta["rules_to_suppress"].([]any)
			for _, rule := range rules {
				rule := rule.(map[string]any)
				suppressions++
				if reason, _ := rule["reason"].(string); len(strings.Fields(reason)) < 5 {
					t.Errorf("%s suppresses %v with reason %q: give a real reason", id, rule["id"], reason)
				}
			}
		}
		want := len(deploy.Routes) // APIG4 on each public route
		if s.cfg.AlarmEmail != "" {
			want++ // SNS2 on the alarm topic
		}
		if suppressions != want {
			t.Errorf("%d suppressions, want %d (APIG4 on each public route, SNS2 on an alarm topic)", suppressions, want)
		}
	})
}

func report(t *testing.T, level string, msgs *[]*cxapi.SynthesisMessage) int {
	t.Helper()
	for _, m := range *msgs {
		t.Logf("cdk-nag %s at %s: %v", level, *m.Id, m.Entry.Data)
	}
	return len(*msgs)
}

// TestDockerignoreKeepsAssetSmall stages the repository root the way the
// image asset does (Docker ignore rules from .dockerignore) and checks that
// only sources go into the build context.
func TestDockerignoreKeepsAssetSmall(t *testing.T) {
	const repoRoot = ".."
	data, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var exclude []*string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			exclude = append(exclude, jsii.String(line))
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(outRoot, "staging"))})
	stack := awscdk.NewStack(app, jsii.String("Staging"), nil)
	staging := awscdk.NewAssetStaging(stack, jsii.String("Context"), &awscdk.AssetStagingProps{
		SourcePath: jsii.String(repoRoot),
		Exclude:    &exclude,
		IgnoreMode: awscdk.IgnoreMode_DOCKER,
	})
	staged := *staging.AbsoluteStagedPath()

	var size int64
	var files []string
	err = filepath.WalkDir(staged, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(staged, path)
		files = append(files, filepath.ToSlash(rel))
		size += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build context: %d files, %d KiB", len(files), size/1024)
	const maxSize = 5 << 20
	if size > maxSize {
		t.Errorf("build context is %d bytes, more than %d", size, maxSize)
	}
	for _, f := range files {
		for _, banned := range []string{".git/", ".cache/", "bin/", "dist/", "infra/", "cdk.out/"} {
			if strings.HasPrefix(f, banned) {
				t.Errorf("build context holds %s (under %s)", f, banned)
			}
		}
		if f == "movies" || strings.HasSuffix(f, ".test") {
			t.Errorf("build context holds the binary %s", f)
		}
	}
	for _, want := range []string{"go.mod", "go.sum", "movies.go", "deploy/routes.go", "cmd/movies/main.go"} {
		if !slices.Contains(files, want) {
			t.Errorf("build context lacks %s", want)
		}
	}
}

// TestCORSConfiguration checks that the cors context value becomes the HTTP
// API's CorsConfiguration, the one the local gateway emulates for the same
// text (movies serve --cors), and that no CORS is configured without it.
func TestCORSConfiguration(t *testing.T) {
	forEachMode(t, func(t *testing.T, s *synthesis) {
		apis := s.resources("AWS::ApiGatewayV2::Api")
		if len(apis) != 1 {
			t.Fatalf("%d HTTP APIs, want 1", len(apis))
		}
		for _, a := range apis {
			got, ok := props(a)["CorsConfiguration"]
			if !s.cfg.CORS.Enabled() {
				if ok {
					t.Errorf("CorsConfiguration %v without a cors setting", got)
				}
				return
			}
			want := map[string]any{
				"AllowOrigins": []any{"https://app.example"}, "AllowMethods": []any{"GET"},
				"AllowHeaders": []any{"content-type"}, "ExposeHeaders": []any{"apigw-requestid"},
				"MaxAge": float64(-1), "AllowCredentials": false,
			}
			if toJSON(t, got) != toJSON(t, want) {
				t.Errorf("CorsConfiguration %s, want %s", toJSON(t, got), toJSON(t, want))
			}
		}
	})
}
