package bootstrap

import (
	"net/url"
	"strings"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://user:secret@proxy.example.com:3128", "http://***@proxy.example.com:3128"},
		{"https://user:secret@proxy.example.com/path?q=1", "https://***@proxy.example.com/path?q=1"},
		{"user:secret@proxy:3128", "***@proxy:3128"},
		{"http://us@er:sec@ret@proxy:3128", "http://***@proxy:3128"},
		{"http://user:se%zzcret@proxy:3128", "http://***@proxy:3128"}, // does not parse
		{"http://proxy.example.com:3128", "http://proxy.example.com:3128"},
		{"proxy:3128", "proxy:3128"},
		{"http://proxy/a@b", "http://proxy/a@b"}, // @ in the path is not user information
		{"", ""},
	} {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestInvalidProxyErrorHidesCredentials(t *testing.T) {
	choose := ProxyFunc("http://user:secret@proxy%zz:3128", "")
	_, err := choose(mustURL(t, "https://registry.redhat.io"))
	if err == nil {
		t.Fatal("an unparsable proxy URL was accepted")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the proxy password: %v", err)
	}
}
