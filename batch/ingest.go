package batch

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/zpd-project/zpd/datasets"
	"github.com/zpd-project/zpd/models/elasticity"
)

// readColumns are the log columns scoring needs; the Reader reads no others.
var readColumns = []string{
	datasets.ColLearner, datasets.ColItem, datasets.ColSkills, datasets.ColSeq,
	datasets.ColTime, datasets.ColIndependent, datasets.ColSupported, datasets.ColHintsUsed,
}

// recordBatch is one Reader batch with its ids resolved: each learner
// dictionary entry to its part (or -1 for another shard), each item and
// skill dictionary entry to the model's index. Ids are resolved once per
// dictionary entry, never per row.
type recordBatch struct {
	n int

	learnerIDs *array.String
	learner    []int32 // row → learner dictionary entry
	part       []int32 // learner dictionary entry → part, -1 for another shard

	item      []int32 // row → item dictionary entry
	modelItem []int32 // item dictionary entry → model index

	skillOffsets []int32 // row i's skills are skill[skillOffsets[i]:skillOffsets[i+1]]
	skill        []int32 // skill dictionary entries
	modelSkill   []int32 // skill dictionary entry → model index

	seq         []int64
	time        *array.Timestamp
	independent *array.Boolean
	supported   *array.Boolean
	hintsUsed   []int32
}

// resolver turns Reader batches into recordBatches for one model and
// placement, reusing its buffers.
type resolver struct {
	m     *elasticity.Model
	place placement
	cols  [8]int // field index of each of readColumns
	b     recordBatch
	// unknown counts the shard's attempts at items the model does not
	// know, and unknownItems holds those items' ids.
	inShard      int64
	unknown      int64
	unknownItems map[string]struct{}
	marked       []bool // item dictionary entry seen unknown in this batch
}

func newResolver(m *elasticity.Model, place placement, sc *arrow.Schema) (*resolver, error) {
	r := &resolver{m: m, place: place}
	for i, name := range readColumns {
		idx := sc.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("reader schema lacks column %s", name)
		}
		r.cols[i] = idx[0]
	}
	return r, nil
}

// resolve prepares rec; the result is valid until the next call.
func (r *resolver) resolve(rec arrow.RecordBatch) (*recordBatch, error) {
	b := &r.b
	b.n = int(rec.NumRows())
	learners, err := dictionary(rec, r.cols[0])
	if err != nil {
		return nil, err
	}
	b.learnerIDs = learners.Dictionary().(*array.String)
	b.learner = learners.Indices().(*array.Int32).Int32Values()
	b.part = b.part[:0]
	for i := range b.learnerIDs.Len() {
		b.part = append(b.part, int32(r.place.part(LearnerHash(b.learnerIDs.Value(i)))))
	}

	items, err := dictionary(rec, r.cols[1])
	if err != nil {
		return nil, err
	}
	b.item = items.Indices().(*array.Int32).Int32Values()
	ids := items.Dictionary().(*array.String)
	b.modelItem = b.modelItem[:0]
	for i := range ids.Len() {
		b.modelItem = append(b.modelItem, r.m.ItemIndex(ids.Value(i)))
	}
	r.countUnknown(b, ids)

	list, ok := rec.Column(r.cols[2]).(*array.List)
	if !ok {
		return nil, fmt.Errorf("column %s is %s, want a list of dictionary ids", datasets.ColSkills, rec.Column(r.cols[2]).DataType())
	}
	b.skillOffsets = list.Offsets()
	skills, ok := list.ListValues().(*array.Dictionary)
	if !ok {
		return nil, fmt.Errorf("column %s holds %s, want dictionary ids", datasets.ColSkills, list.ListValues().DataType())
	}
	b.skill = skills.Indices().(*array.Int32).Int32Values()
	sids := skills.Dictionary().(*array.String)
	b.modelSkill = b.modelSkill[:0]
	for i := range sids.Len() {
		b.modelSkill = append(b.modelSkill, r.m.SkillIndex(sids.Value(i)))
	}

	b.seq = rec.Column(r.cols[3]).(*array.Int64).Int64Values()
	b.time = rec.Column(r.cols[4]).(*array.Timestamp)
	b.independent = rec.Column(r.cols[5]).(*array.Boolean)
	b.supported = rec.Column(r.cols[6]).(*array.Boolean)
	b.hintsUsed = rec.Column(r.cols[7]).(*array.Int32).Int32Values()
	return b, nil
}

// countUnknown counts the batch's attempts of this shard, and those at
// items the model does not know.
func (r *resolver) countUnknown(b *recordBatch, ids *array.String) {
	if n := ids.Len(); cap(r.marked) < n {
		r.marked = make([]bool, n)
	} else {
		r.marked = r.marked[:n]
		clear(r.marked)
	}
	for i := range b.n {
		if b.part[b.learner[i]] < 0 {
			continue
		}
		r.inShard++
		if e := b.item[i]; b.modelItem[e] == elasticity.NoItem {
			r.unknown++
			r.marked[e] = true
		}
	}
	for e, m := range r.marked {
		if m {
			if r.unknownItems == nil {
				r.unknownItems = map[string]struct{}{}
			}
			r.unknownItems[ids.Value(e)] = struct{}{}
		}
	}
}

// dictionary returns column c of rec as dictionary-encoded ids.
func dictionary(rec arrow.RecordBatch, c int) (*array.Dictionary, error) {
	d, ok := rec.Column(c).(*array.Dictionary)
	if !ok {
		return nil, fmt.Errorf("column %s is %s, want dictionary ids", rec.Schema().Field(c).Name, rec.Column(c).DataType())
	}
	return d, nil
}

// timeMS returns row i's timestamp in Unix ms, or datasets.NoTime.
func (b *recordBatch) timeMS(i int) int64 {
	if b.time.IsNull(i) {
		return noTime
	}
	return int64(b.time.Value(i))
}

// flags returns row i's outcome flags.
func (b *recordBatch) flags(i int) uint8 {
	var f uint8
	if b.independent.Value(i) {
		f |= flagIndependent
	}
	if b.supported.Value(i) {
		f |= flagSupported
	}
	if b.hintsUsed[i] > 0 {
		f |= flagHinted
	}
	return f
}

// appendSkills appends row i's known model skills to dst.
func (b *recordBatch) appendSkills(dst []int32, i int) []int32 {
	for _, s := range b.skill[b.skillOffsets[i]:b.skillOffsets[i+1]] {
		if k := b.modelSkill[s]; k != elasticity.NoSkill {
			dst = append(dst, k)
		}
	}
	return dst
}

// addTo appends the batch's rows of part p to c, returning how many.
// learnerOf is scratch space mapping dictionary entries to c's learners.
func (b *recordBatch) addTo(c *cohort, p int32, learnerOf []int32) ([]int32, int) {
	learnerOf = learnerOf[:0]
	for e := range b.learnerIDs.Len() {
		u := int32(-1)
		if b.part[e] == p {
			u = c.intern(b.learnerIDs.Value(e))
		}
		learnerOf = append(learnerOf, u)
	}
	added := 0
	for i := range b.n {
		u := learnerOf[b.learner[i]]
		if u < 0 {
			continue
		}
		c.skills = b.appendSkills(c.skills, i)
		c.add(u, b.modelItem[b.item[i]], b.seq[i], b.timeMS(i), b.flags(i))
		added++
	}
	return learnerOf, added
}
