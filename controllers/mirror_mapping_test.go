package controllers

import (
	"testing"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/mirror"
)

// The `mirror mapping` destinations are what the operator writes into image streams.
func TestMirrorMappingMatchesImageStreams(t *testing.T) {
	const to = "mirror.example.com:5000/samples"
	startOperator(t, operatorOptions{content: content.Embedded()})
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = to }), true)
	waitConverged(t, "4.22.0")
	inv, _ := content.Load(content.Embedded())
	set, _ := inv.For("x86_64")
	n := 0
	for _, e := range mirror.FromMap(imports.MirrorMap(set.ImageStreams), nil) {
		is, ok := getSample(t, ImageStreamGVK, e.Stream)
		if !ok {
			t.Fatalf("no image stream %s", e.Stream)
		}
		if got, want := tagImages(t, is)[e.Tag], mirror.Destination(e.Image, to); got != want {
			t.Errorf("%s:%s: image stream has %s, mapping says %s", e.Stream, e.Tag, got, want)
		}
		n++
	}
	if n < 30 {
		t.Errorf("only %d tags compared", n)
	}
}
