package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zpd-project/zpd/internal/atomicfile"
)

// Figure is one plot of a report as a PNG.
type Figure struct {
	// Name is the figure's file name without ".png" (WritePNGs).
	Name    string
	Title   string
	Caption string
	PNG     []byte
	// Width and Height are the PNG's size in pixels.
	Width, Height int
}

// DataURI returns the PNG as a data URI for an img element.
func (f *Figure) DataURI() template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))
}

// figureDPI sets the pixel size of figures: the page shows each figure at
// the full content width (about 1,000 px), so they are drawn at 1.5× the
// 96 dpi of a 7.5 in figure (1,080 px) and scaled down, never up.
const figureDPI = 144

// render draws p on a w×h canvas and returns the figure.
func render(name, title, caption string, w, h vg.Length, draw func(dc draw.Canvas)) (*Figure, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(figureDPI), vgimg.UseBackgroundColor(color.White))
	draw(drawCanvas(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figure %s: %w", name, err)
	}
	b := c.Image().Bounds()
	return &Figure{Name: name, Title: title, Caption: caption, PNG: buf.Bytes(), Width: b.Dx(), Height: b.Dy()}, nil
}

func drawCanvas(c *vgimg.Canvas) draw.Canvas { return draw.New(c) }

// renderPlot renders one plot filling the figure.
func renderPlot(name, title, caption string, p *plot.Plot, w, h vg.Length) (*Figure, error) {
	return render(name, title, caption, w, h, func(dc draw.Canvas) { p.Draw(margins(dc)) })
}

// margins keeps text off the image's edges: gonum draws titles and tick
// labels flush with the canvas.
func margins(dc draw.Canvas) draw.Canvas {
	return draw.Crop(dc, vg.Points(6), -vg.Points(8), vg.Points(4), -vg.Points(8))
}

// renderWithSideLegend draws p on the left and its legend in a column of
// width legendW on the right, so the legend never hides data.
func renderWithSideLegend(name, title, caption string, p *plot.Plot, w, h, legendW vg.Length) (*Figure, error) {
	return render(name, title, caption, w, h, func(dc draw.Canvas) {
		dc = margins(dc)
		leg := p.Legend
		p.Legend = plot.NewLegend() // empty: the plot draws no legend of its own
		p.Legend.TextStyle = leg.TextStyle
		p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
		right := draw.Crop(dc, dc.Max.X-dc.Min.X-legendW+vg.Points(10), 0, 0, -vg.Points(30))
		leg.Top, leg.Left = true, true
		leg.XOffs, leg.YOffs = 0, 0
		leg.Draw(right)
	})
}

// WritePNGs writes every figure to dir as <name>.png, creating dir. Each
// file is written atomically.
func (r *Report) WritePNGs(dir string) error {
	// Every name is checked before any file is written, so a clash never
	// leaves half the figures written (or one overwriting another).
	figs := r.Figures()
	seen := make(map[string]bool, len(figs))
	for _, f := range figs {
		if f.Name == "" || len(f.Name) > 200 || strings.ContainsAny(f.Name, `/\`) || seen[f.Name] {
			return fmt.Errorf("report: figure name %q is empty, too long, a path or used twice; no PNG written", f.Name)
		}
		seen[f.Name] = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, f := range figs {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.Name+".png"), f.PNG); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// palette is the Okabe–Ito colour-blind-safe palette, black last.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{240, 228, 66, 255},  // yellow
	color.RGBA{0, 0, 0, 255},
}

func colorN(i int) color.Color { return palette[i%len(palette)] }

var (
	grey      = color.RGBA{128, 128, 128, 255}
	lightGrey = color.RGBA{200, 200, 200, 255}
)

// newPlot returns a plot with the report's fonts and a light grid.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	// The page's font (Liberation Sans); gonum's default is the serif face.
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = lightGrey, lightGrey
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.4), vg.Points(0.4)
	p.Add(g)
	return p
}

// line returns a solid line through xys in colour c.
func line(xys plotter.XYs, c color.Color, width float64, dashes ...vg.Length) *plotter.Line {
	l, _ := plotter.NewLine(xys) // errors only on NaN/Inf, which callers filter out
	l.Color = c
	l.Width = vg.Points(width)
	l.Dashes = dashes
	return l
}

// rocXYs returns the ROC curve of scores p for labels y as plot points,
// or nil when either class is absent.
func rocXYs(y []bool, p []float64) plotter.XYs {
	curve := ROC(y, p)
	if curve == nil {
		return nil
	}
	xys := make(plotter.XYs, len(curve))
	for k, pt := range curve {
		xys[k] = plotter.XY{X: pt.FPR, Y: pt.TPR}
	}
	return xys
}

// diagonal is the dashed y = x reference line on the unit square.
func diagonal() *plotter.Line {
	return line(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, grey, 1, vg.Points(4), vg.Points(3))
}

// unitSquare fixes both axes to [0,1].
func unitSquare(p *plot.Plot) {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
}

// finite drops points with a NaN or infinite coordinate.
func finite(xys plotter.XYs) plotter.XYs {
	out := xys[:0:0]
	for _, v := range xys {
		if !math.IsNaN(v.X) && !math.IsNaN(v.Y) && !math.IsInf(v.X, 0) && !math.IsInf(v.Y, 0) {
			out = append(out, v)
		}
	}
	return out
}

// slug makes s usable in a file name: letters, digits, - and _ are kept,
// anything else becomes _, and at most maxSlug of them are kept. A slug
// that changed s also carries the first 8 hex digits of s's SHA-256, so
// that ids that sanitise alike ("a/b", "a_b") or share a long prefix get
// different names.
func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	clean := b.String()
	if clean == s && len(clean) <= maxSlug && clean != "" {
		return clean
	}
	sum := sha256.Sum256([]byte(s))
	return clean[:min(len(clean), maxSlug)] + "-" + hex.EncodeToString(sum[:4])
}

// maxSlug keeps figure file names far below the 255 bytes file systems
// allow, with room for a prefix and the hash.
const maxSlug = 40

// shorten cuts s to n runes with an ellipsis, for tick labels.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// withAlpha returns c with opacity a (0–255), premultiplied as image/color
// requires.
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	f := float64(a) / 255
	return color.RGBA{uint8(float64(r>>8) * f), uint8(float64(g>>8) * f), uint8(float64(b>>8) * f), a}
}

func isNum(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// fmtNum formats v with prec decimals, "–" when undefined.
func fmtNum(v float64, prec int) string {
	if !isNum(v) {
		return "–"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

type colorT = color.Color

func color3(r, g, b uint8) color.Color { return color.RGBA{r, g, b, 255} }
