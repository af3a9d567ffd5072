package controllers

import (
	"context"
	"crypto/sha256"
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
	a := &reviewer{client: c, users: cache.NewLRUExpireCache(maxCached), decisions: cache.NewLRUExpireCache(maxCached)}
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			token, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
			if !ok || strings.TrimSpace(token) == "" {
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
			user, err := a.authenticate(req.Context(), strings.TrimSpace(token))
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
		}), nil
	}, nil
}

// reviewer asks the API server who a token belongs to and what that user may do, and
// remembers the answers for a while (apimachinery's LRU cache with expiry, bounded so
// that a flood of made-up tokens is reviewed, not remembered). Tokens are remembered by
// their SHA-256 only.
type reviewer struct {
	client    client.Client
	users     *cache.LRUExpireCache // [32]byte → *authenticationv1.UserInfo, nil: not authenticated
	decisions *cache.LRUExpireCache // string → bool
}

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
	if review.Status.Authenticated {
		user = &review.Status.User
	}
	a.users.Add(key, user, authnCacheTTL)
	return user, nil
}

func (a *reviewer) authorize(ctx context.Context, user *authenticationv1.UserInfo, verb, path string) (bool, error) {
	key := strings.Join([]string{user.UID, user.Username, strings.Join(user.Groups, ","), verb, path}, "\x00")
	if hit, ok := a.decisions.Get(key); ok {
		return hit.(bool), nil
	}
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user.Username, UID: user.UID, Groups: user.Groups, Extra: extra,
		NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: verb},
	}}
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
