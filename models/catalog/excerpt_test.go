package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/zpd-project/zpd/internal/shareddata"
	"github.com/zpd-project/zpd/models/evaluate"
)

func TestExcerptLeaderboard(t *testing.T) {
	if testing.Short() {
		t.Skip("fits every family on the excerpt")
	}
	log, err := loadAssistments2009(shareddata.MustPath(t, shareddata.Assistments2009))
	if err != nil {
		t.Fatal(err)
	}
	lb, err := Evaluate(context.Background(), log, nil, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	lb.WriteTable(&sb)
	t.Log("\n" + sb.String())
}
