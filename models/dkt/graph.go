package dkt

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// graph is the network unrolled over a minibatch of B windows of T steps,
// as a gorgonia expression graph with its loss and gradients. Row t·B + b
// of every per-step input is step t of window b. Step t is predicted from
// the state after steps 0..t-1 (the empty state at t = 0), so the input
// holds the T-1 steps that advance the state.
type graph struct {
	B, T   int
	g      *gorgonia.ExprGraph
	vm     gorgonia.VM
	params []*gorgonia.Node // in weights.tensors order

	// inputs, with their backing tensors
	x, cols, drop *gorgonia.Node // [(T-1)B × 3V], [TB × K], [TB × H]
	y, ny, wt     [2]*gorgonia.Node
	in            map[*gorgonia.Node]*tensor.Dense

	p    [2]*gorgonia.Node // per-step predictions of the two heads
	loss *gorgonia.Node
}

// newGraph builds the graph for windows of up to T steps, B at a time,
// with the parameters initialised to w.
func newGraph(w *weights, B, T int) (*graph, error) {
	gr := &graph{B: B, T: T, g: gorgonia.NewGraph(), in: map[*gorgonia.Node]*tensor.Dense{}}
	if err := gr.build(w); err != nil {
		return nil, fmt.Errorf("dkt: build graph: %w", err)
	}
	// Grad adds the backward pass to the graph; the machine then leaves
	// each parameter's gradient on its node for the solver.
	if _, err := gorgonia.Grad(gr.loss, gr.params...); err != nil {
		return nil, fmt.Errorf("dkt: gradients: %w", err)
	}
	gr.vm = gorgonia.NewTapeMachine(gr.g, gorgonia.BindDualValues(gr.params...))
	return gr, nil
}

func (gr *graph) input(name string, shape ...int) *gorgonia.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	var n *gorgonia.Node
	if len(shape) == 1 {
		n = gorgonia.NewVector(gr.g, tensor.Float64, gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
	} else {
		n = gorgonia.NewMatrix(gr.g, tensor.Float64, gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
	}
	gr.in[n] = t
	return n
}

// build writes the forward pass and loss (equations in docs/models-dkt.md).
func (gr *graph) build(w *weights) (err error) {
	// gorgonia's constructors return errors; Must panics on one, which a
	// shape mistake here would be, so recover it as this function's error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	g, B, T := gr.g, gr.B, gr.T
	H, K := w.hidden, w.skills
	for _, p := range w.tensors() {
		v := tensor.New(tensor.WithShape(p.rows, p.cols), tensor.WithBacking(append([]float64(nil), p.data...)))
		gr.params = append(gr.params, gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(p.rows, p.cols),
			gorgonia.WithName(p.name), gorgonia.WithValue(v)))
	}
	emb := gr.params[0]
	wx := func(gt int) *gorgonia.Node { return gr.params[1+3*gt] }
	wh := func(gt int) *gorgonia.Node { return gr.params[2+3*gt] }
	bias := func(gt int) *gorgonia.Node { return gr.params[3+3*gt] }
	head := func(s int) (*gorgonia.Node, *gorgonia.Node) { return gr.params[10+2*s], gr.params[11+2*s] }

	must := gorgonia.Must
	row := []byte{0} // broadcast a 1 × n bias down the rows
	states := []*gorgonia.Node{gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(B, H), gorgonia.WithName("h0"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(B, H), tensor.Of(tensor.Float64))))}
	if T > 1 {
		gr.x = gr.input("x", (T-1)*B, w.keys*3)
		xe := must(gorgonia.Mul(gr.x, emb))
		var xg [numGates]*gorgonia.Node
		for gt := range numGates {
			xg[gt] = must(gorgonia.BroadcastAdd(must(gorgonia.Mul(xe, wx(gt))), bias(gt), nil, row))
		}
		h := states[0]
		for t := 0; t < T-1; t++ {
			rows := gorgonia.S(t*B, (t+1)*B)
			at := func(gt int) *gorgonia.Node { return must(gorgonia.Slice(xg[gt], rows)) }
			z := must(gorgonia.Sigmoid(must(gorgonia.Add(at(gateZ), must(gorgonia.Mul(h, wh(gateZ)))))))
			r := must(gorgonia.Sigmoid(must(gorgonia.Add(at(gateR), must(gorgonia.Mul(h, wh(gateR)))))))
			n := must(gorgonia.Tanh(must(gorgonia.Add(at(gateN), must(gorgonia.Mul(must(gorgonia.HadamardProd(r, h)), wh(gateN)))))))
			h = must(gorgonia.Add(n, must(gorgonia.HadamardProd(z, must(gorgonia.Sub(h, n))))))
			states = append(states, h)
		}
	}
	hs := states[0]
	if len(states) > 1 {
		hs = must(gorgonia.Concat(0, states...))
	}
	gr.drop = gr.input("dropout", T*B, H)
	hs = must(gorgonia.HadamardProd(hs, gr.drop))
	gr.cols = gr.input("columns", T*B, K)
	epsN := gorgonia.NewScalar(g, tensor.Float64, gorgonia.WithName("eps"), gorgonia.WithValue(eps))
	one := gorgonia.NewScalar(g, tensor.Float64, gorgonia.WithName("one"), gorgonia.WithValue(1.0))
	var loss *gorgonia.Node
	for s, name := range []string{"independent", "supported"} {
		o, ob := head(s)
		q := must(gorgonia.Sigmoid(must(gorgonia.BroadcastAdd(must(gorgonia.Mul(hs, o)), ob, nil, row))))
		p := must(gorgonia.Add(must(gorgonia.Sum(must(gorgonia.HadamardProd(q, gr.cols)), 1)), epsN))
		gr.p[s] = p
		gr.y[s] = gr.input("y_"+name, T*B)
		gr.ny[s] = gr.input("not_y_"+name, T*B)
		gr.wt[s] = gr.input("weight_"+name, T*B)
		ll := must(gorgonia.Add(
			must(gorgonia.HadamardProd(gr.y[s], must(gorgonia.Log(p)))),
			must(gorgonia.HadamardProd(gr.ny[s], must(gorgonia.Log(must(gorgonia.Sub(one, p))))))))
		l := must(gorgonia.Neg(must(gorgonia.Sum(must(gorgonia.HadamardProd(gr.wt[s], ll))))))
		if loss == nil {
			loss = l
		} else {
			loss = must(gorgonia.Add(loss, l))
		}
	}
	gr.loss = loss
	return nil
}

// run evaluates the graph (forward and backward) on the inputs last
// written to gr.in's tensors.
func (gr *graph) run() error {
	for n, t := range gr.in {
		if err := gorgonia.Let(n, t); err != nil {
			return err
		}
	}
	defer gr.vm.Reset()
	return gr.vm.RunAll()
}

// lossValue returns the loss of the last run.
func (gr *graph) lossValue() float64 { return gr.loss.Value().Data().(float64) }

// read copies the graph's current parameter values into w.
func (gr *graph) read(w *weights) {
	for i, p := range w.tensors() {
		copy(p.data, gr.params[i].Value().Data().([]float64))
	}
}

// write sets the graph's parameter values from w.
func (gr *graph) write(w *weights) error {
	for i, p := range w.tensors() {
		v := tensor.New(tensor.WithShape(p.rows, p.cols), tensor.WithBacking(append([]float64(nil), p.data...)))
		if err := gorgonia.Let(gr.params[i], v); err != nil {
			return err
		}
	}
	return nil
}

// close releases the machine.
func (gr *graph) close() { gr.vm.Close() }
