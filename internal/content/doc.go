// Package content loads the samples: one image stream or template per JSON file, laid
// out as <dir>/<arch>/<group>/{imagestreams,templates}/*.json.
package content
