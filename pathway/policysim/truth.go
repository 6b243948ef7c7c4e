package policysim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// bank is the world's true item bank. Unexported, as every truth type
// here: nothing of it reaches a policy.
type bank struct {
	ids      []string
	skillIDs []string
	b, d     []float64
	skills   [][]int32 // world skill indexes of item j
	bySkill  [][]int32 // items whose first skill is k
	// weight[k] is skill k's share of the bank's learning term:
	// Σ_j [k ∈ S_j]/|S_j| / items, so the bank-average ability gained is
	// Σ_k weight[k]·learned[k].
	weight []float64
}

// learnerTruth is one simulated learner's true parameters.
type learnerTruth struct {
	theta, eps float64
}

// Random streams per purpose, so results depend on neither worker count
// nor policy.
const (
	bankStream uint64 = iota
	learnerStream
	calibrationStream
	bootstrapStream
	attemptStream = 1 << 32 // + learner index
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed), mix(mix(seed)^mix(stream+0x9e3779b97f4a7c15))))
}

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newBank builds the world's bank: the listed items, or a drawn bank.
func newBank(w *World) (*bank, error) {
	bk := &bank{}
	if len(w.Bank.List) > 0 {
		skillIdx := map[string]int32{}
		seen := map[string]bool{}
		for i, it := range w.Bank.List {
			if seen[it.ID] {
				return nil, fmt.Errorf("bank.list[%d]: item %q repeats", i, it.ID)
			}
			seen[it.ID] = true
			var ks []int32
			for _, s := range it.Skills {
				k, ok := skillIdx[s]
				if !ok {
					k = int32(len(bk.skillIDs))
					skillIdx[s] = k
					bk.skillIDs = append(bk.skillIDs, s)
				}
				ks = append(ks, k)
			}
			bk.ids = append(bk.ids, it.ID)
			bk.b = append(bk.b, it.Difficulty)
			bk.d = append(bk.d, it.Support)
			bk.skills = append(bk.skills, ks)
		}
	} else {
		c := w.Bank
		r := newRand(c.Seed, bankStream)
		mu := make([]float64, c.Skills)
		for k := range mu {
			mu[k] = c.SkillSD * r.NormFloat64()
			bk.skillIDs = append(bk.skillIDs, "s"+strconv.Itoa(k))
		}
		for j := range c.Items {
			ks := []int32{int32(j % c.Skills)}
			if r.Float64() < c.TwoSkillShare {
				k := int32(r.IntN(c.Skills - 1))
				if k >= ks[0] {
					k++
				}
				ks = append(ks, k)
			}
			m := 0.0
			for _, k := range ks {
				m += mu[k]
			}
			m /= float64(len(ks))
			bk.ids = append(bk.ids, "i"+strconv.Itoa(j))
			bk.b = append(bk.b, m+c.ItemSD*r.NormFloat64())
			bk.d = append(bk.d, c.SupportSD*r.NormFloat64())
			bk.skills = append(bk.skills, ks)
		}
	}
	nk := len(bk.skillIDs)
	bk.bySkill = make([][]int32, nk)
	bk.weight = make([]float64, nk)
	for j, ks := range bk.skills {
		bk.bySkill[ks[0]] = append(bk.bySkill[ks[0]], int32(j))
		for _, k := range ks {
			bk.weight[k] += 1 / float64(len(ks)) / float64(len(bk.ids))
		}
	}
	return bk, nil
}

// drawLearner draws learner i of the population (stream learnerStream is
// not shared: each learner's own draw, so streaming needs no order).
func drawLearner(p *Population, seed uint64, i int) learnerTruth {
	r := newRand(seed, learnerStream<<40+uint64(i))
	z1, z2 := r.NormFloat64(), r.NormFloat64()
	rho := p.Correlation
	return learnerTruth{
		theta: p.ThetaMean + p.ThetaSD*z1,
		eps:   p.ElasticityMean + p.ElasticitySD*(rho*z1+math.Sqrt(1-rho*rho)*z2),
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// quartileCuts are the population quartiles of a normal with mean m, SD s.
func quartileCuts(m, s float64) [3]float64 {
	const z = 0.6744897501960817
	return [3]float64{m - z*s, m, m + z*s}
}

func quartile(v float64, cuts [3]float64) int {
	q := 0
	for _, c := range cuts {
		if v >= c {
			q++
		}
	}
	return q
}
