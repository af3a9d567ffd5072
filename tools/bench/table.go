package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// printTable writes one line per scenario and, when the real and synthetic-2000 rows are
// both there, how each figure grows from the real tree's count to 2,000 samples.
func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tsamples\tforeign\tconverge s\tCPU s\twrites\tidle\tidle writes\tidle CPU s/min\tRSS ready MiB\tpeak RSS MiB\tsettled RSS MiB\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%d\t%.0fs\t%d\t%.3f\t%.1f\t%.1f\t%.1f\t\n", r.Scenario, r.Samples, r.ForeignObjects,
			r.ConvergeSec, r.ConvergeCPUSec, r.Writes, r.IdleSec, r.IdleWrites, r.IdleCPUPerMin(), r.ReadyRSSMiB, r.PeakRSSMiB, r.SettledRSSMiB)
	}
	_ = tw.Flush()
	printFloor(w, rows)
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.Scenario] = r
	}
	if base, ok := byName["real"]; ok {
		if f, ok := byName["foreign"]; ok {
			fmt.Fprintf(w, "\nforeign vs real: convergence %+.0f %% (operator CPU to converge %+.0f %%), writes %+.0f %%, peak RSS %+.0f %%\n",
				pct(f.ConvergeSec, base.ConvergeSec), pct(f.ConvergeCPUSec, base.ConvergeCPUSec), pct(float64(f.Writes), float64(base.Writes)), pct(f.PeakRSSMiB, base.PeakRSSMiB))
		}
		for _, name := range []string{"synthetic-500", "synthetic-2000"} {
			s, ok := byName[name]
			if !ok {
				continue
			}
			fmt.Fprintf(w, "%d -> %d samples (x%.1f): writes x%.2f (%.2f per added sample), convergence x%.2f, CPU x%.2f, peak RSS x%.2f, settled RSS x%.2f\n",
				base.Samples, s.Samples, float64(s.Samples)/float64(base.Samples),
				float64(s.Writes)/float64(base.Writes), float64(s.Writes-base.Writes)/float64(s.Samples-base.Samples),
				s.ConvergeSec/base.ConvergeSec, s.ConvergeCPUSec/base.ConvergeCPUSec, s.PeakRSSMiB/base.PeakRSSMiB, s.SettledRSSMiB/base.SettledRSSMiB)
			// The goal: peak memory grows no faster than the content's own bytes.
			if added := s.ContentMiB - base.ContentMiB; added > 0 {
				fmt.Fprintf(w, "   content %.2f -> %.2f MiB (+%.2f): peak RSS +%.1f MiB (%.2f MiB per content MiB), peak anon +%.1f MiB (%.2f per content MiB)\n",
					base.ContentMiB, s.ContentMiB, added, s.PeakRSSMiB-base.PeakRSSMiB, (s.PeakRSSMiB-base.PeakRSSMiB)/added,
					s.PeakAnonMiB-base.PeakAnonMiB, (s.PeakAnonMiB-base.PeakAnonMiB)/added)
			}
		}
	}
}

func pct(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return (v - base) / base * 100
}

// printFloor sets each scenario's figures against the floor measured in the same run:
// the minimal controller-runtime manager's memory and the plain client's time to create
// the same samples; then the operator's writes by kind against the client's creates.
func printFloor(w io.Writer, rows []row) {
	fmt.Fprintln(w, "\nagainst the floor (minimal manager: tools/floormanager; plain client: tools/floorclient), same control plane, same run:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tpeak RSS MiB\tfloor\tratio\tpeak anon MiB\tfloor\tratio\tRSS ready MiB\tfloor\tconverge s (from start)\tplain client s\tratio\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.2f\t%.1f\t%.1f\t%.2f\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t\n", r.Scenario,
			r.PeakRSSMiB, r.Floor.PeakRSSMiB, ratio(r.PeakRSSMiB, r.Floor.PeakRSSMiB),
			r.PeakAnonMiB, r.Floor.PeakAnonMiB, ratio(r.PeakAnonMiB, r.Floor.PeakAnonMiB),
			r.ReadyRSSMiB, r.Floor.ReadyRSSMiB,
			r.ConvergeFromStartSec, r.Floor.ClientSec, ratio(r.ConvergeFromStartSec, r.Floor.ClientSec))
	}
	_ = tw.Flush()
	for _, r := range rows {
		fmt.Fprintf(w, "%s writes: %s; plain client creates: %s\n", r.Scenario, byKind(r.WritesByVerb), byKind(r.Floor.ClientCreates))
	}
}

func ratio(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return v / base
}

// byKind lists counts by key, sorted, as "key n, ...".
func byKind(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
