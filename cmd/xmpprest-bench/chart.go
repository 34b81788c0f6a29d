package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"slices"
)

// modeColors are the bar colours of the chart.
var modeColors = map[string]color.RGBA{
	modeRaw:      {0x4c, 0x72, 0xb0, 0xff},
	modeBare:     {0xa0, 0xa0, 0xa0, 0xff},
	modeXmpprest: {0xdd, 0x84, 0x52, 0xff},
	modeNative:   {0x55, 0xa8, 0x68, 0xff},
}

var (
	ink   = color.RGBA{0x20, 0x20, 0x20, 0xff}
	faint = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	paper = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// Chart geometry, in pixels.
const (
	panelW, panelH = 560, 230
	margin         = 16
	headerH        = 64
	plotLeft       = 64 // room for the y labels
	plotTop        = 34 // room for the panel title
	plotBottom     = 26 // room for the x labels
	plotRight      = 12
)

// writeChart draws throughput by concurrency: one panel per operation
// (rows) and server (columns), one bar per mode at each concurrency.
func writeChart(rep *Report, path string) error {
	img := drawChart(rep)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// panel is the data of one operation on one server.
type panel struct {
	server, op string
	conc       []int
	modes      []string
	value      map[string]map[int]float64 // mode -> concurrency -> ops/s
}

func chartPanels(rep *Report) (servers []string, ops []string, panels map[[2]string]*panel) {
	panels = map[[2]string]*panel{}
	for _, c := range rep.Cells {
		if !measured(&c) {
			continue
		}
		key := [2]string{c.Server, c.Op}
		p := panels[key]
		if p == nil {
			p = &panel{server: c.Server, op: c.Op, value: map[string]map[int]float64{}}
			panels[key] = p
		}
		if !slices.Contains(p.conc, c.Concurrency) {
			p.conc = append(p.conc, c.Concurrency)
		}
		if p.value[c.Mode] == nil {
			p.value[c.Mode] = map[int]float64{}
		}
		p.value[c.Mode][c.Concurrency] = c.OpsPerSec
		if !slices.Contains(servers, c.Server) {
			servers = append(servers, c.Server)
		}
	}
	for _, o := range operations {
		for _, s := range servers {
			if panels[[2]string{s, o.Name}] != nil {
				ops = append(ops, o.Name)
				break
			}
		}
	}
	for _, p := range panels {
		slices.Sort(p.conc)
		for _, m := range modes {
			if p.value[m] != nil {
				p.modes = append(p.modes, m)
			}
		}
	}
	return servers, ops, panels
}

func drawChart(rep *Report) *image.RGBA {
	servers, ops, panels := chartPanels(rep)
	w := margin*2 + max(1, len(servers))*panelW
	h := headerH + margin + max(1, len(ops))*panelH
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)

	drawText(img, margin, margin, "xmpprest-bench: throughput (ops/s) by concurrency", 2, ink)
	x := margin
	for _, m := range modes {
		fill(img, image.Rect(x, 44, x+14, 58), modeColors[m])
		drawText(img, x+20, 44, m, 2, ink)
		x += 20 + textWidth(m, 2) + 28
	}
	if rep.Machine != "" {
		drawText(img, x, 48, rep.Machine, 1, ink)
	}
	for row, op := range ops {
		for col, s := range servers {
			r := image.Rect(margin+col*panelW, headerH+row*panelH, margin+(col+1)*panelW, headerH+(row+1)*panelH)
			if p := panels[[2]string{s, op}]; p != nil {
				drawPanel(img, r.Inset(6), p)
			}
		}
	}
	return img
}

func drawPanel(img *image.RGBA, r image.Rectangle, p *panel) {
	drawText(img, r.Min.X, r.Min.Y+6, p.server+"  "+p.op, 2, ink)
	plot := image.Rect(r.Min.X+plotLeft, r.Min.Y+plotTop, r.Max.X-plotRight, r.Max.Y-plotBottom)
	top := 0.0
	for _, byConc := range p.value {
		for _, v := range byConc {
			top = max(top, v)
		}
	}
	top = niceCeil(top)
	steps := 5 // 5 steps of 1, 2, 2.5 … and 4 steps of 2: round labels
	if m := top / math.Pow(10, math.Floor(math.Log10(top))); m == 2 {
		steps = 4
	}
	for i := 0; i <= steps && top > 0; i++ {
		v := top * float64(i) / float64(steps)
		y := plot.Max.Y - int(float64(plot.Dy())*float64(i)/float64(steps))
		fill(img, image.Rect(plot.Min.X, y, plot.Max.X, y+1), faint)
		label := shortNumber(v)
		drawText(img, plot.Min.X-8-textWidth(label, 2), y-7, label, 2, ink)
	}
	fill(img, image.Rect(plot.Min.X, plot.Min.Y, plot.Min.X+1, plot.Max.Y+1), ink)
	fill(img, image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), ink)
	if len(p.conc) == 0 || len(p.modes) == 0 || top == 0 {
		return
	}
	groupW := plot.Dx() / len(p.conc)
	barW := groupW * 8 / 10 / len(p.modes)
	for gi, c := range p.conc {
		gx := plot.Min.X + gi*groupW + groupW/10
		for mi, m := range p.modes {
			v, ok := p.value[m][c]
			if !ok {
				continue
			}
			bh := int(float64(plot.Dy()) * v / top)
			bx := gx + mi*barW
			fill(img, image.Rect(bx+1, plot.Max.Y-bh, bx+barW-1, plot.Max.Y), modeColors[m])
			label := shortNumber(v)
			lx := bx + (barW-textWidth(label, 1))/2
			drawText(img, lx, plot.Max.Y-bh-10, label, 1, ink)
		}
		label := fmt.Sprintf("c=%d", c)
		drawText(img, plot.Min.X+gi*groupW+(groupW-textWidth(label, 2))/2, plot.Max.Y+8, label, 2, ink)
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// shortNumber writes 12500 as 12.5K.
func shortNumber(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0fK", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.1fK", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	case v == 0:
		return "0"
	}
	return fmt.Sprintf("%.1f", v)
}
