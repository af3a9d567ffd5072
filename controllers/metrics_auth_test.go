package controllers

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// apiAudience is the fake API server's own audience: what a TokenReview with no
// Spec.Audiences checks a token against, as kube-apiserver does with --api-audiences.
const apiAudience = "https://kubernetes.default.svc"

// scopesKey is where OpenShift puts an OAuth token's scopes in the user's extra.
const scopesKey = "scopes.authorization.openshift.io"

type fakeToken struct {
	user      authenticationv1.UserInfo
	audiences []string // the token's; apiAudience when empty
	deleted   bool     // its service account is gone
}

// fakeAPI plays the TokenReview and SubjectAccessReview endpoints behind controller-runtime's
// fake client (their Create intercepted), counting the reviews and keeping their specs.
type fakeAPI struct {
	mu     sync.Mutex
	tokens map[string]fakeToken
	// grants holds "subject verb path", the subject a user or a group: RBAC's nonResourceURLs.
	grants           map[string]bool
	tokenErr, sarErr error
	tokenReviews     []authenticationv1.TokenReviewSpec
	sars             []authorizationv1.SubjectAccessReviewSpec
}

func saUser(name string) authenticationv1.UserInfo {
	return authenticationv1.UserInfo{
		Username: "system:serviceaccount:openshift-monitoring:" + name,
		UID:      "uid-" + name,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:openshift-monitoring", "system:authenticated"},
		Extra:    map[string]authenticationv1.ExtraValue{"authentication.kubernetes.io/pod-name": {name + "-0"}},
	}
}

func newFakeAPI() *fakeAPI {
	alice, bob, poster := saUser("alice"), saUser("bob"), saUser("poster")
	scoped := saUser("alice")
	scoped.Extra = map[string]authenticationv1.ExtraValue{scopesKey: {"user:info"}}
	return &fakeAPI{
		tokens: map[string]fakeToken{
			"alice-token":          {user: alice},
			"bob-token":            {user: bob},
			"poster-token":         {user: poster},
			"alice-scoped-token":   {user: scoped},
			"other-audience-token": {user: alice, audiences: []string{"other"}},
			"deleted-sa-token":     {user: saUser("gone"), deleted: true},
			"nameless-token":       {user: authenticationv1.UserInfo{UID: "uid-nameless", Groups: []string{"system:authenticated"}}},
			"carol-two-groups":     {user: authenticationv1.UserInfo{Username: "carol", UID: "c", Groups: []string{"readers", "x"}}},
			"carol-one-group":      {user: authenticationv1.UserInfo{Username: "carol", UID: "c", Groups: []string{"readers,x"}}},
		},
		grants: map[string]bool{
			alice.Username + " get /metrics":   true,
			poster.Username + " post /metrics": true,
			"readers get /metrics":             true,
		},
	}
}

func (f *fakeAPI) client() client.Client {
	return fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{Create: f.create}).Build()
}

func (f *fakeAPI) create(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r := obj.(type) {
	case *authenticationv1.TokenReview:
		f.tokenReviews = append(f.tokenReviews, *r.Spec.DeepCopy())
		if f.tokenErr != nil {
			return f.tokenErr
		}
		r.Status = f.reviewToken(r.Spec)
	case *authorizationv1.SubjectAccessReview:
		f.sars = append(f.sars, *r.Spec.DeepCopy())
		if f.sarErr != nil {
			return f.sarErr
		}
		r.Status.Allowed = f.allowed(r.Spec)
		if !r.Status.Allowed {
			r.Status.Reason = "no RBAC policy matched"
		}
	default:
		return c.Create(ctx, obj, opts...)
	}
	return nil
}

// reviewToken authenticates as kube-apiserver does: against Spec.Audiences, or its own
// audience when there are none, answering the audiences both share.
func (f *fakeAPI) reviewToken(spec authenticationv1.TokenReviewSpec) authenticationv1.TokenReviewStatus {
	tok, ok := f.tokens[spec.Token]
	if !ok {
		return authenticationv1.TokenReviewStatus{Error: "invalid bearer token"}
	}
	if tok.deleted {
		return authenticationv1.TokenReviewStatus{Error: "service account has been deleted"}
	}
	want, have := spec.Audiences, tok.audiences
	if len(want) == 0 {
		want = []string{apiAudience}
	}
	if len(have) == 0 {
		have = []string{apiAudience}
	}
	var both []string
	for _, a := range want {
		if slices.Contains(have, a) {
			both = append(both, a)
		}
	}
	if len(both) == 0 {
		return authenticationv1.TokenReviewStatus{Error: fmt.Sprintf("token audiences %q is invalid for the target audiences %q", have, want)}
	}
	return authenticationv1.TokenReviewStatus{Authenticated: true, User: *tok.user.DeepCopy(), Audiences: both}
}

// allowed is RBAC for non-resource URLs, and OpenShift's scope check: a token scoped to
// user:info may not read metrics whatever its user's roles.
func (f *fakeAPI) allowed(spec authorizationv1.SubjectAccessReviewSpec) bool {
	attrs := spec.NonResourceAttributes
	if attrs == nil || spec.ResourceAttributes != nil {
		return false
	}
	if scopes, ok := spec.Extra[scopesKey]; ok && !slices.Contains(scopes, "user:full") {
		return false
	}
	for _, subject := range append([]string{spec.User}, spec.Groups...) {
		if f.grants[subject+" "+attrs.Verb+" "+attrs.Path] {
			return true
		}
	}
	return false
}

func (f *fakeAPI) counts() (tokenReviews, sars int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokenReviews), len(f.sars)
}

func (f *fakeAPI) set(edit func(*fakeAPI)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	edit(f)
}

// authHarness is the filter around a next handler that counts what it serves, reviewing
// with a fakeAPI on a fake clock.
type authHarness struct {
	api    *fakeAPI
	clock  *clocktesting.FakeClock
	start  time.Time
	r      *reviewer
	h      http.Handler
	served int
}

func newAuthHarness() *authHarness {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	x := &authHarness{api: newFakeAPI(), clock: clocktesting.NewFakeClock(start), start: start}
	x.r = newReviewer(x.api.client(), x.clock)
	x.h = x.r.handler(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		x.served++
		_, _ = w.Write([]byte("# metrics\n"))
	}))
	return x
}

// do sends method path with the given Authorization header values and returns the code.
func (x *authHarness) do(method, path string, authorization ...string) int {
	req := httptest.NewRequest(method, path, nil)
	for _, v := range authorization {
		req.Header.Add("Authorization", v)
	}
	rec := httptest.NewRecorder()
	x.h.ServeHTTP(rec, req)
	return rec.Code
}

// at sets the fake clock to d after the harness started.
func (x *authHarness) at(d time.Duration) { x.clock.SetTime(x.start.Add(d)) }

func nonResourceSAR(u authenticationv1.UserInfo, verb, path string) *authorizationv1.SubjectAccessReviewSpec {
	spec := &authorizationv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups,
		NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: verb},
	}
	for k, v := range u.Extra {
		if spec.Extra == nil {
			spec.Extra = map[string]authorizationv1.ExtraValue{}
		}
		spec.Extra[k] = authorizationv1.ExtraValue(v)
	}
	return spec
}

// TestMetricsAuth: one request (or two, for errors) per row, each row's HTTP code and
// number of reviews, and the SubjectAccessReview asked.
func TestMetricsAuth(t *testing.T) {
	long := strings.Repeat("a", maxTokenLen)
	cases := []struct {
		name          string
		authorization []string // the Authorization header's values
		method, path  string   // GET /metrics when empty
		setup         func(*fakeAPI)
		twice         bool // send the request twice: what fails must not be remembered
		want          int
		tokenReviews  int
		sars          int
		sar           *authorizationv1.SubjectAccessReviewSpec // the last one asked
	}{
		// Malformed credentials: refused before any review.
		{name: "no Authorization header", want: 401},
		{name: "Basic scheme", authorization: []string{"Basic YWxpY2U6cGFzc3dvcmQ="}, want: 401},
		{name: "other scheme with a valid token", authorization: []string{"Token alice-token"}, want: 401},
		{name: "Bearer without a token", authorization: []string{"Bearer"}, want: 401},
		{name: "Bearer with an empty token", authorization: []string{"Bearer "}, want: 401},
		{name: "Bearer with blanks for a token", authorization: []string{"Bearer \t "}, want: 401},
		{name: "Bearer glued to the token", authorization: []string{"Beareralice-token"}, want: 401},
		{name: "two spaces before the token", authorization: []string{"Bearer  alice-token"}, want: 401},
		{name: "space inside the token", authorization: []string{"Bearer a b"}, want: 401},
		{name: "valid token then more", authorization: []string{"Bearer alice-token x"}, want: 401},
		{name: "tab inside the token", authorization: []string{"Bearer alice\t-token"}, want: 401},
		{name: "NUL inside the token", authorization: []string{"Bearer alice\x00-token"}, want: 401},
		{name: "CR LF inside the token", authorization: []string{"Bearer alice\r\nX-Evil: 1"}, want: 401},
		{name: "DEL inside the token", authorization: []string{"Bearer alice\x7f"}, want: 401},
		{name: "non-ASCII token", authorization: []string{"Bearer alicé-token"}, want: 401},
		{name: "two Authorization headers", authorization: []string{"Bearer alice-token", "Bearer bob-token"}, want: 401},
		{name: "token one byte over maxTokenLen", authorization: []string{"Bearer " + long + "a"}, want: 401},
		{name: "token of 1 MiB", authorization: []string{"Bearer " + strings.Repeat("a", 1<<20)}, want: 401},
		// Well-formed at the bounds: reviewed.
		{name: "token of exactly maxTokenLen is reviewed", authorization: []string{"Bearer " + long}, want: 401, tokenReviews: 1},
		{name: "scheme in lower case", authorization: []string{"bearer alice-token"}, want: 200, tokenReviews: 1, sars: 1},
		{name: "blanks around the header value", authorization: []string{" Bearer alice-token\t"}, want: 200, tokenReviews: 1, sars: 1},

		// Authentication.
		{name: "unknown token", authorization: []string{"Bearer made-up"}, want: 401, tokenReviews: 1},
		{name: "token of a deleted service account", authorization: []string{"Bearer deleted-sa-token"}, want: 401, tokenReviews: 1},
		{name: "token for another audience", authorization: []string{"Bearer other-audience-token"}, want: 401, tokenReviews: 1},
		{name: "authenticated without a user name", authorization: []string{"Bearer nameless-token"}, want: 401, tokenReviews: 1},
		{name: "TokenReview fails", authorization: []string{"Bearer alice-token"}, twice: true,
			setup: func(f *fakeAPI) { f.tokenErr = errors.New("connection refused") }, want: 500, tokenReviews: 2},

		// Authorization: the request's own verb and path.
		{name: "user without the role", authorization: []string{"Bearer bob-token"}, want: 403, tokenReviews: 1, sars: 1,
			sar: nonResourceSAR(saUser("bob"), "get", "/metrics")},
		{name: "user with the role", authorization: []string{"Bearer alice-token"}, want: 200, tokenReviews: 1, sars: 1,
			sar: nonResourceSAR(saUser("alice"), "get", "/metrics")},
		{name: "scoped token of the user with the role", authorization: []string{"Bearer alice-scoped-token"}, want: 403, tokenReviews: 1, sars: 1,
			sar: nonResourceSAR(newFakeAPI().tokens["alice-scoped-token"].user, "get", "/metrics")},
		{name: "POST /metrics with a role for get", method: http.MethodPost, authorization: []string{"Bearer alice-token"},
			want: 403, tokenReviews: 1, sars: 1, sar: nonResourceSAR(saUser("alice"), "post", "/metrics")},
		{name: "POST /metrics with a role for post", method: http.MethodPost, authorization: []string{"Bearer poster-token"},
			want: 200, tokenReviews: 1, sars: 1, sar: nonResourceSAR(saUser("poster"), "post", "/metrics")},
		{name: "GET /metrics with a role for post only", authorization: []string{"Bearer poster-token"},
			want: 403, tokenReviews: 1, sars: 1, sar: nonResourceSAR(saUser("poster"), "get", "/metrics")},
		{name: "GET /debug with a role for /metrics", path: "/debug", authorization: []string{"Bearer alice-token"},
			want: 403, tokenReviews: 1, sars: 1, sar: nonResourceSAR(saUser("alice"), "get", "/debug")},
		{name: "GET /debug with a role for /debug", path: "/debug", authorization: []string{"Bearer alice-token"},
			want: 200, tokenReviews: 1, sars: 1, sar: nonResourceSAR(saUser("alice"), "get", "/debug"),
			setup: func(f *fakeAPI) { f.grants[saUser("alice").Username+" get /debug"] = true }},
		{name: "DELETE /metrics", method: http.MethodDelete, authorization: []string{"Bearer alice-token"},
			want: 403, tokenReviews: 1, sars: 1, sar: nonResourceSAR(saUser("alice"), "delete", "/metrics")},
		{name: "SubjectAccessReview fails", authorization: []string{"Bearer alice-token"}, twice: true,
			setup: func(f *fakeAPI) { f.sarErr = errors.New("etcd timeout") }, want: 500, tokenReviews: 1, sars: 2,
			sar: nonResourceSAR(saUser("alice"), "get", "/metrics")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newAuthHarness()
			if tc.setup != nil {
				x.api.set(tc.setup)
			}
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodGet
			}
			if path == "" {
				path = "/metrics"
			}
			requests := 1
			if tc.twice {
				requests = 2
			}
			for i := range requests {
				if got := x.do(method, path, tc.authorization...); got != tc.want {
					t.Errorf("request %d: HTTP %d, want %d", i+1, got, tc.want)
				}
			}
			tokenReviews, sars := x.api.counts()
			if tokenReviews != tc.tokenReviews || sars != tc.sars {
				t.Errorf("%d TokenReviews and %d SubjectAccessReviews, want %d and %d", tokenReviews, sars, tc.tokenReviews, tc.sars)
			}
			wantServed := 0
			if tc.want == http.StatusOK {
				wantServed = requests
			}
			if x.served != wantServed {
				t.Errorf("next handler served %d requests, want %d", x.served, wantServed)
			}
			for _, spec := range x.api.tokenReviews {
				if len(spec.Audiences) != 0 {
					t.Errorf("TokenReview asked for audiences %q: the API server's own must be checked", spec.Audiences)
				}
				if "Bearer "+spec.Token != strings.Trim(tc.authorization[0], " \t") && "bearer "+spec.Token != tc.authorization[0] {
					t.Errorf("TokenReview of %.40q, not the request's token", spec.Token)
				}
			}
			if tc.sar != nil && len(x.api.sars) > 0 {
				if got := x.api.sars[len(x.api.sars)-1]; !reflect.DeepEqual(got, *tc.sar) {
					t.Errorf("SubjectAccessReview asked\n%+v\nwant\n%+v", got, *tc.sar)
				}
			}
		})
	}
}

// TestMetricsAuthCaching: sequences of requests on the fake clock, each step's HTTP code
// and the number of reviews made so far. LRUExpireCache keeps an answer up to its TTL
// inclusive, so an answer is reused at TTL and asked again at TTL+1ns.
func TestMetricsAuthCaching(t *testing.T) {
	const ns = time.Nanosecond
	type step struct {
		at           time.Duration // since the first request
		edit         func(*fakeAPI)
		token        string
		want         int
		tokenReviews int // so far
		sars         int
	}
	heal := func(f *fakeAPI) { f.tokenErr, f.sarErr = nil, nil }
	cases := []struct {
		name  string
		steps []step
	}{
		{"a user is remembered for authnCacheTTL", []step{
			{at: 0, token: "alice-token", want: 200, tokenReviews: 1, sars: 1},
			{at: 30 * time.Second, token: "alice-token", want: 200, tokenReviews: 1, sars: 1},
			{at: authnCacheTTL, token: "alice-token", want: 200, tokenReviews: 1, sars: 1},
			{at: authnCacheTTL + ns, token: "alice-token", want: 200, tokenReviews: 2, sars: 1},
			{at: 2*authnCacheTTL + ns, token: "alice-token", want: 200, tokenReviews: 2, sars: 1},
			{at: 2*authnCacheTTL + 2*ns, token: "alice-token", want: 200, tokenReviews: 3, sars: 1},
		}},
		{"a refused token is remembered for authnCacheTTL", []step{
			{at: 0, token: "made-up", want: 401, tokenReviews: 1},
			{at: authnCacheTTL, token: "made-up", want: 401, tokenReviews: 1},
			{at: authnCacheTTL + ns, token: "made-up", want: 401, tokenReviews: 2},
		}},
		{"an allow is remembered for allowCacheTTL", []step{
			{at: 0, token: "alice-token", want: 200, tokenReviews: 1, sars: 1},
			{at: 4 * time.Minute, token: "alice-token", want: 200, tokenReviews: 2, sars: 1},
			{at: allowCacheTTL, token: "alice-token", want: 200, tokenReviews: 2, sars: 1},
			{at: allowCacheTTL + ns, token: "alice-token", want: 200, tokenReviews: 3, sars: 2},
		}},
		{"a deny is remembered for denyCacheTTL", []step{
			{at: 0, token: "bob-token", want: 403, tokenReviews: 1, sars: 1},
			{at: denyCacheTTL, token: "bob-token", want: 403, tokenReviews: 1, sars: 1},
			{at: denyCacheTTL + ns, token: "bob-token", want: 403, tokenReviews: 1, sars: 2},
			{at: 2 * denyCacheTTL, token: "bob-token", want: 403, tokenReviews: 1, sars: 2},
			{at: 2*denyCacheTTL + ns, token: "bob-token", want: 403, tokenReviews: 2, sars: 2},
		}},
		{"a grant given after a deny counts from denyCacheTTL on", []step{
			{at: 0, token: "bob-token", want: 403, tokenReviews: 1, sars: 1},
			{at: time.Second, edit: func(f *fakeAPI) { f.grants[saUser("bob").Username+" get /metrics"] = true },
				token: "bob-token", want: 403, tokenReviews: 1, sars: 1},
			{at: denyCacheTTL + ns, token: "bob-token", want: 200, tokenReviews: 1, sars: 2},
		}},
		{"a failed TokenReview is not remembered", []step{
			{at: 0, edit: func(f *fakeAPI) { f.tokenErr = errors.New("timeout") }, token: "alice-token", want: 500, tokenReviews: 1},
			{at: 0, token: "alice-token", want: 500, tokenReviews: 2},
			{at: 0, edit: heal, token: "alice-token", want: 200, tokenReviews: 3, sars: 1},
		}},
		{"a failed SubjectAccessReview is not remembered", []step{
			{at: 0, edit: func(f *fakeAPI) { f.sarErr = errors.New("timeout") }, token: "alice-token", want: 500, tokenReviews: 1, sars: 1},
			{at: 0, token: "alice-token", want: 500, tokenReviews: 1, sars: 2},
			{at: 0, edit: heal, token: "alice-token", want: 200, tokenReviews: 1, sars: 3},
		}},
		{"a scoped token does not reuse the allow of its user's full token", []step{
			{at: 0, token: "alice-token", want: 200, tokenReviews: 1, sars: 1},
			{at: 0, token: "alice-scoped-token", want: 403, tokenReviews: 2, sars: 2},
			{at: 0, token: "alice-token", want: 200, tokenReviews: 2, sars: 2},
		}},
		{`groups "readers","x" and "readers,x" are asked apart`, []step{
			{at: 0, token: "carol-two-groups", want: 200, tokenReviews: 1, sars: 1},
			{at: 0, token: "carol-one-group", want: 403, tokenReviews: 2, sars: 2},
		}},
		{"one user's tokens share the allow", []step{
			{at: 0, token: "alice-token", want: 200, tokenReviews: 1, sars: 1},
			{at: 0, edit: func(f *fakeAPI) { f.tokens["alice-second-token"] = f.tokens["alice-token"] },
				token: "alice-second-token", want: 200, tokenReviews: 2, sars: 1},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newAuthHarness()
			for i, s := range tc.steps {
				x.at(s.at)
				if s.edit != nil {
					x.api.set(s.edit)
				}
				got := x.do(http.MethodGet, "/metrics", "Bearer "+s.token)
				tokenReviews, sars := x.api.counts()
				if got != s.want || tokenReviews != s.tokenReviews || sars != s.sars {
					t.Errorf("step %d at %v (%s): HTTP %d after %d TokenReviews and %d SubjectAccessReviews, want %d after %d and %d",
						i+1, s.at, s.token, got, tokenReviews, sars, s.want, s.tokenReviews, s.sars)
				}
			}
		})
	}
}

// TestMetricsAuthRevocation: with Prometheus scraping every 30 s, a revoked grant or a
// deleted service account stops the scrapes exactly when the remembered answer expires,
// which is never later than that answer's TTL after the revocation.
func TestMetricsAuthRevocation(t *testing.T) {
	const scrapeInterval = 30 * time.Second
	cases := []struct {
		name      string
		revokedAt time.Duration
		revoke    func(*fakeAPI)
		ttl       time.Duration // of the answer revoked, remembered from the first scrape at 0
		want      int           // once it has expired
		reviews   func(tokenReviews, sars int) int
	}{
		{name: "grant revoked just after it was checked", revokedAt: time.Nanosecond, ttl: allowCacheTTL, want: 403,
			revoke:  func(f *fakeAPI) { delete(f.grants, saUser("alice").Username+" get /metrics") },
			reviews: func(_, sars int) int { return sars }},
		{name: "grant revoked two minutes later", revokedAt: 2 * time.Minute, ttl: allowCacheTTL, want: 403,
			revoke:  func(f *fakeAPI) { delete(f.grants, saUser("alice").Username+" get /metrics") },
			reviews: func(_, sars int) int { return sars }},
		{name: "service account deleted just after its token was reviewed", revokedAt: time.Nanosecond, ttl: authnCacheTTL, want: 401,
			revoke:  func(f *fakeAPI) { f.tokens["alice-token"] = fakeToken{user: saUser("alice"), deleted: true} },
			reviews: func(tokenReviews, _ int) int { return tokenReviews }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newAuthHarness()
			scrape := func(at time.Duration) (int, int) {
				x.at(at)
				code := x.do(http.MethodGet, "/metrics", "Bearer alice-token")
				return code, tc.reviews(x.api.counts())
			}
			if code, n := scrape(0); code != 200 || n != 1 {
				t.Fatalf("first scrape: HTTP %d after %d reviews, want 200 after 1", code, n)
			}
			x.at(tc.revokedAt)
			x.api.set(tc.revoke)
			at := tc.revokedAt
			for ; at < tc.ttl; at += scrapeInterval {
				if code, n := scrape(at); code != 200 || n != 1 {
					t.Errorf("scrape at %v, before the answer expires: HTTP %d after %d reviews, want 200 after 1", at, code, n)
				}
			}
			if code, n := scrape(tc.ttl); code != 200 || n != 1 {
				t.Errorf("scrape at the TTL, %v: HTTP %d after %d reviews, want 200 after 1", tc.ttl, code, n)
			}
			flip := tc.ttl + time.Nanosecond
			if code, n := scrape(flip); code != tc.want || n != 2 {
				t.Errorf("scrape at %v: HTTP %d after %d reviews, want %d after 2", flip, code, n, tc.want)
			}
			if flip-tc.revokedAt > allowCacheTTL {
				t.Errorf("revocation took effect %v after it was made, more than allowCacheTTL", flip-tc.revokedAt)
			}
		})
	}
}

// TestMetricsAuthManyTokens: a flood of distinct tokens is reviewed one by one, none
// answered from the cache, which stays within maxCached. The clock stands still, so
// Keys() (LRUExpireCache has no Len) counts every entry held.
func TestMetricsAuthManyTokens(t *testing.T) {
	const n = 5000
	cases := []struct {
		name     string
		register bool // the tokens authenticate, as distinct users without the role
		want     int
		sars     bool
	}{
		{name: "bogus tokens", want: 401},
		{name: "tokens of distinct users without the role", register: true, want: 403, sars: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newAuthHarness()
			token := func(i int) string { return fmt.Sprintf("flood-%d", i) }
			if tc.register {
				x.api.set(func(f *fakeAPI) {
					for i := range n {
						f.tokens[token(i)] = fakeToken{user: saUser(fmt.Sprintf("flood-%d", i))}
					}
				})
			}
			wantSARs := func(k int) int {
				if tc.sars {
					return k
				}
				return 0
			}
			for i := range n {
				code := x.do(http.MethodGet, "/metrics", "Bearer "+token(i))
				tokenReviews, sars := x.api.counts()
				if code != tc.want || tokenReviews != i+1 || sars != wantSARs(i+1) {
					t.Fatalf("token %d: HTTP %d after %d TokenReviews and %d SubjectAccessReviews, want %d after %d and %d",
						i, code, tokenReviews, sars, tc.want, i+1, wantSARs(i+1))
				}
				if users, decisions := len(x.r.users.Keys()), len(x.r.decisions.Keys()); users > maxCached || decisions > maxCached {
					t.Fatalf("token %d: %d users and %d decisions cached, more than %d", i, users, decisions, maxCached)
				}
			}
			if users := len(x.r.users.Keys()); users != maxCached {
				t.Errorf("%d users cached after %d tokens, want %d", users, n, maxCached)
			}
			// The last token is still remembered; the first was evicted and is asked again.
			x.do(http.MethodGet, "/metrics", "Bearer "+token(n-1))
			if tokenReviews, _ := x.api.counts(); tokenReviews != n {
				t.Errorf("the last token again: %d TokenReviews, want %d", tokenReviews, n)
			}
			if code := x.do(http.MethodGet, "/metrics", "Bearer "+token(0)); code != tc.want {
				t.Errorf("the first token again: HTTP %d, want %d", code, tc.want)
			}
			if tokenReviews, sars := x.api.counts(); tokenReviews != n+1 || sars != wantSARs(n+1) {
				t.Errorf("the first token again: %d TokenReviews and %d SubjectAccessReviews, want %d and %d", tokenReviews, sars, n+1, wantSARs(n+1))
			}
		})
	}
}

// TestMetricsAuthKeepsTokenDigestsOnly: the caches' keys are SHA-256 digests, never the
// token itself.
func TestMetricsAuthKeepsTokenDigestsOnly(t *testing.T) {
	x := newAuthHarness()
	if code := x.do(http.MethodGet, "/metrics", "Bearer alice-token"); code != 200 {
		t.Fatalf("HTTP %d, want 200", code)
	}
	users := x.r.users.Keys()
	if len(users) != 1 || users[0] != sha256.Sum256([]byte("alice-token")) {
		t.Errorf("users cached by %v, want only the token's SHA-256", users)
	}
	for _, k := range append(users, x.r.decisions.Keys()...) {
		if _, ok := k.([32]byte); !ok {
			t.Errorf("a cache key of type %T: %v", k, k)
		}
	}
}
