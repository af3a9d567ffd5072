package record

import (
	"maps"
	"testing"
)

func TestRoundTripAndUnion(t *testing.T) {
	a := Parse(map[string]string{ImageStreamsKey: "ruby\n  perl \n\nredis", TemplatesKey: "redis-ephemeral"})
	if got := a.Data(); got[ImageStreamsKey] != "perl\nredis\nruby" || got[TemplatesKey] != "redis-ephemeral" {
		t.Errorf("Data = %q", got)
	}
	if !Parse(a.Data()).Equal(a) {
		t.Error("Parse(Data) is not the same names")
	}
	b := Parse(map[string]string{ImageStreamsKey: "python", TemplatesKey: "rails"})
	u := a.Union(b)
	if !maps.Equal(u.ImageStreams, map[string]bool{"perl": true, "redis": true, "ruby": true, "python": true}) || len(u.Templates) != 2 {
		t.Errorf("Union = %+v", u)
	}
	if a.Union(b).Equal(a) || !a.Union(a).Equal(a) {
		t.Error("Equal")
	}
	if !Parse(nil).Empty() || a.Empty() {
		t.Error("Empty")
	}
	if got := New().Data(); got[ImageStreamsKey] != "" || got[TemplatesKey] != "" {
		t.Errorf("empty Data = %q", got)
	}
}
