package models

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-viper/mapstructure/v2"
)

// FamilyParams returns the settings of family from params, which holds
// them keyed by family name. A variant ("elasticity+feedback",
// "bestlr+support") without a section of its own reads its base family's
// ("elasticity", "bestlr"), so thresholds set once apply to both.
func FamilyParams(params map[string]map[string]any, family string) map[string]any {
	if p, ok := params[family]; ok {
		return p
	}
	if base, _, ok := strings.Cut(family, "+"); ok {
		return params[base]
	}
	return nil
}

// DecodeParams decodes a family's FitOptions.Params into out, a pointer to
// the family's settings struct whose json tags name the keys. Every family
// decodes its settings this way, so they all accept the same values:
// numbers for numbers (integers must be whole), booleans for booleans, and
// strings that parse as the field's type (environment variables arrive as
// strings). An unknown key or a value of the wrong type is an error naming
// the key. Fields of keys absent from params keep their values.
func DecodeParams(params map[string]any, out any) error {
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:      out,
		TagName:     "json",
		ErrorUnused: true,
		DecodeHook:  paramHook,
	})
	if err != nil {
		return err
	}
	return dec.Decode(params)
}

// paramHook parses strings into numbers and booleans and refuses a
// fractional number for an integer (mapstructure would truncate it).
func paramHook(_ reflect.Type, to reflect.Type, data any) (any, error) {
	if to.Kind() == reflect.Pointer {
		to = to.Elem()
	}
	s, isString := data.(string)
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if isString {
			return strconv.Atoi(s)
		}
		if f, ok := data.(float64); ok && f != math.Trunc(f) {
			return nil, fmt.Errorf("want an integer, got %v", f)
		}
	case reflect.Float32, reflect.Float64:
		if isString {
			return strconv.ParseFloat(s, 64)
		}
	case reflect.Bool:
		if isString {
			return strconv.ParseBool(s)
		}
	}
	return data, nil
}
