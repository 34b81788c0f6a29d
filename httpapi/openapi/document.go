package openapi

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"xmpprest/httpapi"
)

// Document builds the OpenAPI 3 document of ops (one dialect, or all)
// and validates it.
func Document(title, version string, ops []Operation) (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: title, Version: version,
			Description: "Derived from the route declarations xmpprest serves. Bodies are shown as JSON; the Openfire dialect also speaks XML (Content-Type and Accept application/xml)."},
		Servers: openapi3.Servers{{URL: "/"}},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{
			"secret": {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName("Authorization").
				WithDescription("The shared secret ([auth] secret) as the whole Authorization header.")},
			"basic": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("basic").
				WithDescription("HTTP Basic with a JID of [auth] admins and its XMPP password.")},
			"apiToken": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").
				WithDescription("An API token made with xmpprest token create, as a bearer token.")},
			"apiTokenBasic": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("basic").
				WithDescription("HTTP Basic with an API token's name and secret.")},
			"userToken": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").
				WithDescription("The token of a signed-in user (SparkWeb sign-in).")},
		}},
	}
	ids := map[string]int{}
	for _, o := range ops {
		item := doc.Paths.Value(o.Path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(o.Path, item)
		}
		item.SetOperation(o.Method, operation(o, ids))
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: the document %q is not valid: %w", title, err)
	}
	return doc, nil
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func operation(o Operation, ids map[string]int) *openapi3.Operation {
	id := strings.Trim(nonWord.ReplaceAllString(o.Dialect+"_"+strings.ToLower(o.Method)+"_"+o.Path, "_"), "_")
	if n := ids[id]; n > 0 {
		id += "_" + strconv.Itoa(n+1)
	}
	ids[id]++
	op := &openapi3.Operation{
		OperationID: id, Tags: []string{o.Dialect}, Summary: o.Summary, Description: o.Description,
		Responses: openapi3.NewResponses(),
	}
	for _, p := range o.PathParams {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewPathParameter(p.Name).
			WithSchema(openapi3.NewStringSchema()).WithDescription(p.Description)})
		op.Parameters[len(op.Parameters)-1].Value.Example = p.Example
	}
	for _, p := range o.Query {
		qp := openapi3.NewQueryParameter(p.Name).WithSchema(openapi3.NewStringSchema()).WithDescription(p.Description).WithRequired(p.Required)
		if p.Example != "" {
			qp.Example = p.Example
		}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: qp})
	}
	if o.Request != nil {
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithContent(jsonContent(o.Request))}
	}
	ok := openapi3.NewResponse().WithDescription(orText(o.Summary, "success"))
	if o.Response != nil {
		ok.Content = jsonContent(o.Response)
	} else if o.Streams {
		ok.Content = openapi3.Content{"text/event-stream": &openapi3.MediaType{Schema: openapi3.NewStringSchema().NewRef()}}
	}
	op.Responses.Set(strconv.Itoa(o.Status), &openapi3.ResponseRef{Value: ok})
	if o.Secured {
		op.Security = securityOf(o.Credentials)
		op.Responses.Set("401", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("missing or wrong credentials")})
	}
	failure := openapi3.NewResponse().WithDescription("a failure, in the dialect's error shape")
	if o.Error != nil {
		failure.Content = jsonContent(o.Error)
	}
	op.Responses.Set("default", &openapi3.ResponseRef{Value: failure})
	return op
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func jsonContent(example any) openapi3.Content {
	return openapi3.Content{"application/json": &openapi3.MediaType{Schema: schemaOf(example).NewRef(), Example: example}}
}

// schemaOf describes the shape of a generic JSON value: the types of its
// members, none of them required (answers leave empty fields out), further
// members allowed.
func schemaOf(v any) *openapi3.Schema {
	switch t := v.(type) {
	case map[string]any:
		s := openapi3.NewObjectSchema()
		for k, member := range t {
			s.WithPropertyRef(k, schemaOf(member).NewRef())
		}
		return s
	case []any:
		s := openapi3.NewArraySchema()
		if len(t) > 0 {
			s.Items = schemaOf(t[0]).NewRef()
		} else {
			s.Items = openapi3.NewSchema().NewRef()
		}
		return s
	case string:
		return openapi3.NewStringSchema()
	case float64:
		return openapi3.NewFloat64Schema()
	case bool:
		return openapi3.NewBoolSchema()
	}
	s := openapi3.NewSchema()
	s.Nullable = true
	return s
}

// securityOf names the security schemes of a kind of credentials.
func securityOf(c httpapi.Credentials) *openapi3.SecurityRequirements {
	switch c {
	case httpapi.CredentialsAPIToken:
		return &openapi3.SecurityRequirements{{"apiToken": {}}}
	case httpapi.CredentialsAPITokenBasic:
		return &openapi3.SecurityRequirements{{"apiTokenBasic": {}}}
	case httpapi.CredentialsUserToken:
		return &openapi3.SecurityRequirements{{"userToken": {}}}
	}
	return &openapi3.SecurityRequirements{{"secret": {}}, {"basic": {}}}
}
