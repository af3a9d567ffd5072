package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// How long a scrape's verdicts are reused, as controller-runtime's filter does: a
// Prometheus scraping every 30 s costs a TokenReview a minute and a SubjectAccessReview
// every five.
const (
	authnCacheTTL = time.Minute
	allowCacheTTL = 5 * time.Minute
	denyCacheTTL  = 30 * time.Second
	// maxCached bounds each cache: the least recently used answers make room.
	maxCached = 1024
	// maxTokenLen bounds the bearer tokens that are reviewed at all: service-account JWTs
	// are about 1 KiB and OIDC ones a few, while net/http admits 1 MiB of headers that a
	// client could otherwise make us hash and post to the API server with each request.
	maxTokenLen = 16 << 10
)

// metricsAuth authenticates each scrape with a TokenReview of its bearer token and
// authorizes it with a SubjectAccessReview of the non-resource path and verb (the
// metrics-reader ClusterRole grants get on /metrics). It does the work of
// controller-runtime's filters.WithAuthenticationAndAuthorization with two API calls
// through the manager's own client types, without linking k8s.io/apiserver and its
// CEL, gRPC and tracing dependencies: a quarter of the binary's mapped pages, and so of
// the operator's resident memory.
func metricsAuth(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	s := runtime.NewScheme()
	if err := authenticationv1.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := authorizationv1.AddToScheme(s); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{HTTPClient: httpClient, Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("creating the metrics authentication client: %w", err)
	}
	a := newReviewer(c, clock.RealClock{})
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		return a.handler(log, next), nil
	}, nil
}

// reviewClient is what the filter needs of a client.Client: creating TokenReviews and
// SubjectAccessReviews.
type reviewClient interface {
	Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error
}

// reviewer asks the API server who a token belongs to and what that user may do, and
// remembers the answers for a while (apimachinery's LRU cache with expiry, bounded so
// that a flood of made-up tokens is reviewed, not remembered). Tokens are remembered by
// their SHA-256 only. Errors are never remembered: the next request asks again.
type reviewer struct {
	client    reviewClient
	users     *cache.LRUExpireCache // [32]byte → *authenticationv1.UserInfo, nil: not authenticated
	decisions *cache.LRUExpireCache // [32]byte (SHA-256 of the review's spec) → bool
}

func newReviewer(c reviewClient, clk clock.PassiveClock) *reviewer {
	return &reviewer{
		client:    c,
		users:     cache.NewLRUExpireCacheWithClock(maxCached, clk),
		decisions: cache.NewLRUExpireCacheWithClock(maxCached, clk),
	}
}

// handler serves next to the requests whose bearer token authenticates a user that RBAC
// allows the request's own verb (its method, lowercased) on its path. It fails closed:
// malformed credentials get 401 without any review, a review that errors gets 500.
func (a *reviewer) handler(log logr.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		token, ok := bearerToken(req.Header)
		if !ok {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		user, err := a.authenticate(req.Context(), token)
		if err != nil {
			log.Error(err, "Authentication failed")
			http.Error(w, "Authentication failed", http.StatusInternalServerError)
			return
		}
		if user == nil {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		allowed, err := a.authorize(req.Context(), user, strings.ToLower(req.Method), req.URL.Path)
		if err != nil {
			msg := fmt.Sprintf("Authorization for user %s failed", user.Username)
			log.Error(err, msg)
			http.Error(w, msg, http.StatusInternalServerError)
			return
		}
		if !allowed {
			http.Error(w, fmt.Sprintf("Authorization denied for user %s", user.Username), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// bearerToken is the token of a request's one Authorization header when that reads
// "Bearer <token>" (the scheme in any case, RFC 7235; one space, surrounding blanks
// ignored as net/http does) and the token is 1 to maxTokenLen visible ASCII characters.
func bearerToken(h http.Header) (string, bool) {
	values := h.Values("Authorization")
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(strings.Trim(values[0], " \t"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > maxTokenLen {
		return "", false
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c > '~' {
			return "", false
		}
	}
	return token, true
}

// authenticate reviews the token with no Spec.Audiences, so the API server accepts only
// tokens meant for its own audiences (those of a TokenRequest for another audience are
// not authenticated). Status.Audiences is then the API server's own, or empty, which the
// API means the same way, and is not checked again here.
func (a *reviewer) authenticate(ctx context.Context, token string) (*authenticationv1.UserInfo, error) {
	key := sha256.Sum256([]byte(token))
	if hit, ok := a.users.Get(key); ok {
		return hit.(*authenticationv1.UserInfo), nil
	}
	review := &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
	if err := a.client.Create(ctx, review); err != nil {
		return nil, fmt.Errorf("TokenReview: %w", err)
	}
	var user *authenticationv1.UserInfo
	// A user with no name could not be authorized anyway: a SubjectAccessReview needs one.
	if review.Status.Authenticated && review.Status.User.Username != "" {
		user = &review.Status.User
	}
	a.users.Add(key, user, authnCacheTTL)
	return user, nil
}

// authorize asks for a SubjectAccessReview of the user's whole identity, extra included
// (OpenShift's token scopes travel there), and remembers its answer by the review's
// spec: two identities share an answer only when they would be asked the same question.
func (a *reviewer) authorize(ctx context.Context, user *authenticationv1.UserInfo, verb, path string) (bool, error) {
	var extra map[string]authorizationv1.ExtraValue
	if len(user.Extra) > 0 {
		extra = make(map[string]authorizationv1.ExtraValue, len(user.Extra))
		for k, v := range user.Extra {
			extra[k] = authorizationv1.ExtraValue(v)
		}
	}
	spec := authorizationv1.SubjectAccessReviewSpec{
		User: user.Username, UID: user.UID, Groups: user.Groups, Extra: extra,
		NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: verb},
	}
	encoded, err := json.Marshal(spec) // map keys sorted: the same spec, the same bytes
	if err != nil {
		return false, fmt.Errorf("SubjectAccessReview: %w", err)
	}
	key := sha256.Sum256(encoded)
	if hit, ok := a.decisions.Get(key); ok {
		return hit.(bool), nil
	}
	// A copy: the answer is decoded into the review, which must not write into user's
	// slices, cached with it.
	review := &authorizationv1.SubjectAccessReview{Spec: *spec.DeepCopy()}
	if err := a.client.Create(ctx, review); err != nil {
		return false, fmt.Errorf("SubjectAccessReview: %w", err)
	}
	ttl := denyCacheTTL
	if review.Status.Allowed {
		ttl = allowCacheTTL
	}
	a.decisions.Add(key, review.Status.Allowed, ttl)
	return review.Status.Allowed, nil
}
