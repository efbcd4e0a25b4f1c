package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/movieskit/movies/deploy"
)

// MoviesStackProps configures NewMoviesStack.
type MoviesStackProps struct {
	awscdk.StackProps
	// Config holds the deploy-time settings; see ConfigFromContext.
	Config Config
	// AssetDir is the directory holding the Dockerfile of the function image,
	// the repository root. It is used unless Config.Image is set.
	AssetDir string
}

// Output names of the stack.
const (
	OutputAPIURL    = "ApiUrl"
	OutputTableName = "TableName"
)

// FunctionOutputName returns the name of the output holding the deployed
// name of the function for handler, e.g. ListFunctionName for list.
func FunctionOutputName(handler string) string { return constructName(handler) + "FunctionName" }

// NewMoviesStack defines the movie catalogue: the DynamoDB table (created or
// imported), one Lambda function per function name of the routes table (deploy.Routes,
// deploy.FunctionNames) built from one container image, an HTTP API with one
// route per routes-table entry, and the alarms and the dashboard that watch
// them (docs/OPERATIONS.md).
// It panics with a clear message if props are invalid, as CDK constructs do;
// ConfigFromContext reports such errors first.
func NewMoviesStack(scope constructs.Construct, id string, props *MoviesStackProps) awscdk.Stack {
	if props == nil {
		props = &MoviesStackProps{Config: DefaultConfig()}
	}
	routes := deploy.Routes
	if err := props.validate(routes); err != nil {
		panic(fmt.Sprintf("NewMoviesStack %s: %v", id, err))
	}
	cfg := props.Config
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)

	table := movieTable(stack, cfg)
	image := imageSource(stack, props)
	integrations := map[string]awsapigatewayv2.HttpRouteIntegration{}
	watched := monitored{routes: routes, table: table}
	for _, name := range deploy.FunctionNames() {
		fn := handlerFunction(stack, name, image, table, cfg)
		watched.functions = append(watched.functions, monitoredFunction{handler: name, fn: fn})
		integrations[name] = awsapigatewayv2integrations.NewHttpLambdaIntegration(
			jsii.String(constructName(name)+"Integration"), fn,
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
				PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
			})
		output(stack, FunctionOutputName(name), fn.FunctionName(), "Name of the "+name+" function")
	}
	stage := httpAPI(stack, routes, integrations, cfg)
	watched.stage = stage
	addDashboard(stack, watched, addAlarms(stack, watched, cfg), cfg)

	output(stack, OutputAPIURL, stage.Url(), "Base URL of the movies HTTP API")
	output(stack, OutputTableName, table.TableName(), "DynamoDB table of the catalogue")
	return stack
}

func (p *MoviesStackProps) validate(routes []deploy.Route) error {
	if err := p.Config.Validate(); err != nil {
		return err
	}
	if p.Config.Image == nil && p.AssetDir == "" {
		return fmt.Errorf("AssetDir (the directory of the Dockerfile) is required without an image URI")
	}
	if len(routes) == 0 {
		return fmt.Errorf("the routes table is empty")
	}
	for _, r := range routes {
		if _, ok := httpMethods[r.Method]; !ok {
			return fmt.Errorf("route %q: unsupported method %q", r.Key(), r.Method)
		}
		if !strings.HasPrefix(r.Path, "/") {
			return fmt.Errorf("route %q: path must start with /", r.Key())
		}
		if r.Function == "" || strings.IndexFunc(r.Function, notIDRune) >= 0 {
			return fmt.Errorf("route %q: function %q must be letters and digits", r.Key(), r.Function)
		}
	}
	return nil
}

func notIDRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

var httpMethods = map[string]awsapigatewayv2.HttpMethod{
	"GET": awsapigatewayv2.HttpMethod_GET, "HEAD": awsapigatewayv2.HttpMethod_HEAD,
	"POST": awsapigatewayv2.HttpMethod_POST, "PUT": awsapigatewayv2.HttpMethod_PUT,
	"PATCH": awsapigatewayv2.HttpMethod_PATCH, "DELETE": awsapigatewayv2.HttpMethod_DELETE,
	"OPTIONS": awsapigatewayv2.HttpMethod_OPTIONS, "ANY": awsapigatewayv2.HttpMethod_ANY,
}

// constructName turns a handler name into a construct id prefix: list → List.
func constructName(handler string) string {
	r, n := utf8.DecodeRuneInString(handler)
	return string(unicode.ToUpper(r)) + handler[n:]
}

// movieTable creates the Movies table or imports the configured one.
func movieTable(stack awscdk.Stack, cfg Config) awsdynamodb.ITable {
	if cfg.ImportsTable() {
		return awsdynamodb.Table_FromTableName(stack, jsii.String("Table"), jsii.String(cfg.TableName))
	}
	return awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		TableName:    jsii.String(deploy.Table),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("year"), Type: awsdynamodb.AttributeType_NUMBER},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String("title"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: cfg.RemovalPolicy(),
	})
}

// imageSource returns a function that gives the image code for a handler: the
// same image every time, started with cmd [handler].
func imageSource(stack awscdk.Stack, props *MoviesStackProps) func(handler string) awslambda.DockerImageCode {
	if ref := props.Config.Image; ref != nil {
		repo := awsecr.Repository_FromRepositoryArn(stack, jsii.String("ImageRepository"), jsii.String(ref.RepositoryARN()))
		return func(handler string) awslambda.DockerImageCode {
			return awslambda.DockerImageCode_FromEcr(repo, &awslambda.EcrImageCodeProps{
				Cmd:         jsii.Strings(handler),
				TagOrDigest: jsii.String(ref.TagOrDigest),
			})
		}
	}
	return func(handler string) awslambda.DockerImageCode {
		// Both functions get the same build inputs, so the asset hash is the
		// same and one image is built and pushed.
		return awslambda.DockerImageCode_FromImageAsset(jsii.String(props.AssetDir), &awslambda.AssetImageCodeProps{
			Cmd:      jsii.Strings(handler),
			Platform: awsecrassets.Platform_LINUX_ARM64(),
		})
	}
}

// handlerFunction defines the function for one handler with its own role
// (read-only on the table, write to its own log group) and log group, and
// its logging configuration: JSON records, application records at
// cfg.LogLevel or above, which Lambda passes to the bootstrap in
// AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL, so a new level needs a
// deploy of the configuration, not a new image.
func handlerFunction(stack awscdk.Stack, handler string, image func(string) awslambda.DockerImageCode,
	table awsdynamodb.ITable, cfg Config) awslambda.DockerImageFunction {
	id := constructName(handler)
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     cfg.LogRetention(),
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Runs the movies " + handler + " function: reads the table, writes its log group"),
	})
	logs.GrantWrite(role)
	table.GrantReadData(role)
	return awslambda.NewDockerImageFunction(stack, jsii.String(id+"Function"), &awslambda.DockerImageFunctionProps{
		Code:                  image(handler),
		Description:           jsii.String("movies " + handler + " handler"),
		Architecture:          awslambda.Architecture_ARM_64(),
		MemorySize:            jsii.Number(cfg.MemoryMB),
		Timeout:               awscdk.Duration_Seconds(jsii.Number(cfg.Timeout.Seconds())),
		Environment:           &map[string]*string{"TABLE_NAME": table.TableName()},
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel(cfg.LogLevel),
		SystemLogLevelV2:      systemLogLevel,
		LogGroup:              logs,
		Role:                  role,
	})
}

// systemLogLevel is the level of Lambda's own records in the functions' log
// groups. INFO keeps platform.report, the record of each invocation's
// duration, memory and init duration that the dashboard's cold-start
// widgets and `movies cost --from-logs` read; WARN would drop it.
var systemLogLevel = awslambda.SystemLogLevel_INFO

// httpAPI defines the HTTP API, its throttled and access-logged $default
// stage, and one route per routes-table entry.
func httpAPI(stack awscdk.Stack, routes []deploy.Route, integrations map[string]awsapigatewayv2.HttpRouteIntegration,
	cfg Config) awsapigatewayv2.HttpStage {
	httpAPI := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("Movie catalogue (read-only)"),
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      corsPreflight(cfg.CORS),
	})
	if cfg.CORS.Enabled() && cfg.CORS.MaxAge != 0 {
		// CDK's maxAge is a Duration, which cannot be -1; API Gateway's
		// CorsConfiguration takes the seconds from -1 to 86400 as they are.
		cfn, _ := httpAPI.Node().DefaultChild().(awsapigatewayv2.CfnApi) // an HttpApi's default child is its CfnApi
		cfn.AddPropertyOverride(jsii.String("CorsConfiguration.MaxAge"), jsii.Number(cfg.CORS.MaxAge))
	}
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.LogRetention(),
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	stage := awsapigatewayv2.NewHttpStage(stack, jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:                httpAPI,
		StageName:              jsii.String("$default"),
		AutoDeploy:             jsii.Bool(true),
		DetailedMetricsEnabled: jsii.Bool(cfg.RouteMetrics),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			BurstLimit: jsii.Number(cfg.Throttle.Burst),
			RateLimit:  jsii.Number(cfg.Throttle.Rate),
		},
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(accessLogs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(AccessLogFormat())),
		},
	})
	for _, r := range routes {
		added := httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{httpMethods[r.Method]},
			Integration: integrations[r.Function],
		})
		for _, route := range *added {
			// Only the route itself: its children are the integration and
			// the invoke permission, which have nothing to suppress.
			cdknag.NagSuppressions_AddResourceSuppressions(route.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
				Id:     jsii.String("AwsSolutions-APIG4"),
				Reason: jsii.String(publicRouteReason),
			}}, jsii.Bool(false))
		}
	}
	return stage
}

// publicRouteReason is why the routes have no authorizer.
const publicRouteReason = "Public read-only movie catalogue by design: every route only reads public data, " +
	"and the stage is throttled."

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

// Destination returns where access logs go.
func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return s.destination }

// Format returns the access log line format.
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat { return s.format }

// accessLogFields are the fields of one access log line (HTTP API $context variables).
var accessLogFields = map[string]string{
	"requestId":          "$context.requestId",
	"ip":                 "$context.identity.sourceIp",
	"userAgent":          "$context.identity.userAgent",
	"requestTime":        "$context.requestTime",
	"httpMethod":         "$context.httpMethod",
	"path":               "$context.path",
	"routeKey":           "$context.routeKey",
	"status":             "$context.status",
	"protocol":           "$context.protocol",
	"responseLength":     "$context.responseLength",
	"responseLatency":    "$context.responseLatency",
	"integrationLatency": "$context.integrationLatency",
	"integrationStatus":  "$context.integrationStatus",
	"integrationError":   "$context.integrationErrorMessage",
	"errorMessage":       "$context.error.message",
}

// AccessLogFormat returns the JSON access log format of the stage.
func AccessLogFormat() string {
	b, err := json.Marshal(accessLogFields) // map keys are sorted: a stable format
	if err != nil {
		panic(fmt.Sprintf("access log format: %v", err)) // a map of strings always marshals
	}
	return string(b)
}

func output(stack awscdk.Stack, name string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
}

// corsPreflight maps the API's CORS configuration to the HTTP API's; nil
// (no CORS) when it is off. The maxAge is set on the CfnApi (httpAPI).
func corsPreflight(c deploy.CORS) *awsapigatewayv2.CorsPreflightOptions {
	if !c.Enabled() {
		return nil
	}
	methods := make([]awsapigatewayv2.CorsHttpMethod, len(c.AllowMethods))
	for i, m := range c.AllowMethods {
		methods[i] = awsapigatewayv2.CorsHttpMethod(m)
	}
	opts := &awsapigatewayv2.CorsPreflightOptions{
		AllowOrigins:     jsii.Strings(c.AllowOrigins...),
		AllowCredentials: jsii.Bool(c.AllowCredentials),
	}
	if len(methods) > 0 {
		opts.AllowMethods = &methods
	}
	if len(c.AllowHeaders) > 0 {
		opts.AllowHeaders = jsii.Strings(c.AllowHeaders...)
	}
	if len(c.ExposeHeaders) > 0 {
		opts.ExposeHeaders = jsii.Strings(c.ExposeHeaders...)
	}
	return opts
}
