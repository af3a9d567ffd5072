package controllers

import (
	"strings"
	"testing"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/mirror"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
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
	// Every image the mirror commands list, jenkins included.
	jenkins := 0
	for _, e := range mirror.FromMap(imports.AllImages(testenv.Parsed(t, set.ImageStreams)), nil) {
		if strings.HasPrefix(e.Stream, "jenkins") {
			jenkins++
		}
		is, ok := getSample(t, samples.ImageStreamGVK, e.Stream)
		if !ok {
			t.Fatalf("no image stream %s", e.Stream)
		}
		if got, want := tagImages(t, is)[e.Tag], mirror.Destination(e.Image, to); got != want {
			t.Errorf("%s:%s: image stream has %s, mapping says %s", e.Stream, e.Tag, got, want)
		}
		n++
	}
	if n < 30 || jenkins == 0 {
		t.Errorf("only %d tags compared, %d of jenkins streams", n, jenkins)
	}
	// The cluster publishes the same list for `mirror --from-cluster`.
	all, ok := errorConfigMap(t, samplesv1.AllImagesConfigMap)
	if !ok || len(all.Data) != n {
		t.Errorf("%s holds %d images, the content %d", samplesv1.AllImagesConfigMap, len(cmData(all)), n)
	}
}
